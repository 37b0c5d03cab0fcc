"""The stream's fast path under uvicorn (ahead of Django's middleware): the same rules as every other page."""

from __future__ import annotations

import json
import re

import httpx2
import pytest

from studio.accounts import roles
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
BODY = {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8}


def signed_in(base: str, username: str) -> httpx2.Client:
    """A browser-like client: the login form, its cookies, and the CSRF token from a page's meta tag."""
    client = httpx2.Client(base_url=base, timeout=30, follow_redirects=True)
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    client.post("/accounts/login/", data={"username": username, "password": PASSWORD,
                                          "csrfmiddlewaretoken": token}, headers={"referer": f"{base}/accounts/login/"})
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/playground/chat/").text).group(1)
    client.headers.update({"x-csrftoken": meta, "referer": f"{base}/playground/chat/"})
    return client


def post_stream(client: httpx2.Client, deployment, body=BODY, **headers) -> httpx2.Response:
    return client.post("/playground/stream/", headers=headers,
                       content=json.dumps({"deployment": deployment.pk, "body": body}))


def test_a_developer_streams_and_a_second_call_needs_no_new_checks(web_server, chat_deployment, developer_user):
    client = signed_in(web_server, "dev")
    for _ in range(2):  # the second is served from what the first left in memory
        answer = post_stream(client, chat_deployment)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "data: [DONE]" in answer.text and '"type":"end"' in answer.text


def test_signing_out_ends_streaming_at_once(web_server, chat_deployment, developer_user):
    client = signed_in(web_server, "dev")
    assert post_stream(client, chat_deployment).status_code == 200
    cookies = dict(client.cookies)
    token = client.headers["x-csrftoken"]
    client.post("/accounts/logout/", data={"csrfmiddlewaretoken": token})
    # The old session cookie, replayed straight after sign-out, is refused (not served from memory).
    replay = httpx2.Client(base_url=web_server, cookies=cookies, headers={"x-csrftoken": token,
                                                                          "referer": f"{web_server}/"})
    answer = post_stream(replay, chat_deployment)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthenticated"


def test_a_role_taken_away_applies_to_the_next_stream(web_server, chat_deployment, developer_user):
    client = signed_in(web_server, "dev")
    assert post_stream(client, chat_deployment).status_code == 200
    roles.set_role(developer_user, roles.VIEWER)  # in the test's process: the web process hears nothing
    # The web process keeps its checks a few seconds at most; within that time a stream may still pass, after
    # it never. Poll until refused, and bound the wait.
    import time

    deadline = time.monotonic() + 8
    while post_stream(client, chat_deployment).status_code == 200:
        assert time.monotonic() < deadline, "the role change never applied"
        time.sleep(0.5)
    answer = post_stream(client, chat_deployment)
    assert answer.status_code == 403 and "Developer" in answer.json()["error"]["message"]


def test_viewers_strangers_and_forgers_are_refused(web_server, chat_deployment, viewer_user, developer_user):
    viewer = signed_in(web_server, "vera")
    answer = post_stream(viewer, chat_deployment)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    stranger = httpx2.Client(base_url=web_server)
    assert post_stream(stranger, chat_deployment).status_code in (401, 403)
    developer = signed_in(web_server, "dev")
    forged = post_stream(developer, chat_deployment, **{"x-csrftoken": "forged" * 6})
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf_failed"
    assert post_stream(developer, chat_deployment, host="evil.example.com").status_code == 400
    assert developer.get("/playground/stream/").status_code == 405


def test_an_oversized_request_is_refused_before_it_is_read(web_server, chat_deployment, developer_user, settings):
    developer = signed_in(web_server, "dev")
    huge = {"messages": [{"role": "user", "content": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}]}
    answer = post_stream(developer, chat_deployment, body=huge)
    assert answer.status_code == 413 and "MB" in answer.json()["error"]["message"]


def test_stop_cancels_the_upstream_and_the_engine_sees_it(web_server, engine, engine_admin, chat_deployment,
                                                          developer_user):
    import time

    from studio.usage.models import UsageRecord

    engine_admin.settings("chat", tokens_per_second=5)  # 200 tokens would take 40 s
    health = f"{engine.url}/engine/health"
    before = httpx2.get(health).json()["streams"]
    client = signed_in(web_server, "dev")
    body = {"messages": BODY["messages"], "max_tokens": 200}
    with client.stream("POST", "/playground/stream/",
                       content=json.dumps({"deployment": chat_deployment.pk, "body": body})) as answer:
        assert answer.status_code == 200
        got = b""
        for chunk in answer.iter_raw():
            got += chunk
            if b'"content":"' in got.replace(b'"content":""', b""):
                break  # the first words arrived: the user presses Stop
    started = time.monotonic()
    while httpx2.get(health).json()["streams"]["client_gone"] == before["client_gone"]:
        assert time.monotonic() - started < 10, "the engine never saw the connection close"
        time.sleep(0.1)
    after = httpx2.get(health).json()["streams"]
    assert after["completed"] == before["completed"]  # it was stopped, not finished
    assert time.monotonic() - started < 10  # long before the 40 s the answer would have taken
    deadline = time.monotonic() + 10
    while not UsageRecord.objects.filter(status="cancelled").exists():
        assert time.monotonic() < deadline, "no usage record for the stopped stream"
        time.sleep(0.1)
