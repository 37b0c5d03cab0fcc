"""Completions against the engine over real HTTP: the stream with logprobs renders the per-token view; a chat model
is refused with Azure's own explanation."""

from __future__ import annotations

import asyncio
import json
import math
import re

from django.test import AsyncClient

from playground.kinds import completions
from studio.usage.models import UsageRecord
from tests.playground_kinds.conftest import post_json


def _parse(raw: bytes) -> list[tuple[str, dict]]:
    events = []
    for block in raw.decode().split("\n\n"):
        name, data = "message", ""
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
        if data and data != "[DONE]":
            events.append((name, json.loads(data)))
    return events


def _stream(user, deployment, **body) -> tuple[int, list[tuple[str, dict]]]:
    """POST to the async stream view and read its events, all in one event loop (as the ASGI server does)."""
    payload = json.dumps({"deployment": deployment.pk, "operation": "completions",
                          "body": {"prompt": "# Python: count to 5 in a for loop\n", "max_tokens": 30, **body}})

    async def call():
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.post("/playground/stream/", payload, content_type="application/json")
        if not response.streaming:
            return response.status_code, b""
        return response.status_code, b"".join([chunk async for chunk in response.streaming_content])

    status, raw = asyncio.run(call())
    return status, _parse(raw)


def test_a_completion_streams_through_the_relay(transactional_db, kinds, developer_user, flushed_usage):
    status, events = _stream(developer_user, kinds["instruct"])
    assert status == 200
    text = "".join(choice.get("text") or "" for name, data in events if name == "message"
                   for choice in data["choices"])
    end = next(data for name, data in events if name == "studio" and data["type"] == "end")
    assert text.strip() and end["status"] == "ok" and end["usage"]["completion_tokens"] > 0
    assert end["cost"] is not None
    [record] = flushed_usage()
    assert record.kind == UsageRecord.Kind.COMPLETIONS and record.completion_tokens == end["usage"]["completion_tokens"]


def test_a_completion_with_logprobs_renders_the_per_token_view(kinds, developer, flushed_usage):
    answer = post_json(developer, "/playground/completions/run/", {"deployment": kinds["instruct"].pk, "body": {
        "prompt": "# Python: count to 5 in a for loop\n", "max_tokens": 30, "logprobs": 3}})
    assert answer.status_code == 200, answer.content
    result = answer.json()
    [choice] = result["response"]["choices"]
    logprobs = choice["logprobs"]
    assert logprobs["tokens"] and "".join(logprobs["tokens"]) == choice["text"]
    assert result["usage"]["completion_tokens"] == len(logprobs["tokens"]) and result["cost"] is not None

    view = post_json(developer, "/playground/completions/tokens/", {"choices": [{"index": 0, "logprobs": logprobs}]})
    assert view.status_code == 200
    html = view.content.decode()
    spans = re.findall(r'<span class="lp lp-(-?\d)" tabindex="0" title="[^"]*" data-probability="([^"]*)">', html)
    assert len(spans) == len(logprobs["tokens"])
    for (band, probability), logprob in zip(spans, logprobs["token_logprobs"], strict=True):
        assert float(probability) == math.exp(logprob)
        assert int(band) == completions.band_of(math.exp(logprob))[0]
    # Each token lists its alternatives (up to the 3 asked for), the chosen one marked.
    assert html.count('class="lp-alt chosen"') == len(spans)
    assert html.count('class="lp-alt') >= 2 * len(spans)
    [record] = flushed_usage()
    assert record.kind == UsageRecord.Kind.COMPLETIONS and record.completion_tokens == len(logprobs["tokens"])


def test_a_chat_model_is_refused_with_azures_explanation(transactional_db, kinds, developer, developer_user):
    _status, events = _stream(developer_user, kinds["chat"])
    error = next(data for name, data in events if name == "studio" and data["type"] == "error")
    assert error["status"] == 400 and error["code"] == "OperationNotSupported"
    assert "completion operation does not work with the specified model" in error["message"]
    whole = post_json(developer, "/playground/completions/run/",
                      {"deployment": kinds["chat"].pk, "body": {"prompt": "hi", "best_of": 2}})
    assert whole.status_code == 400 and whole.json()["error"]["code"] == "OperationNotSupported"
    page = developer.get("/playground/completions/")
    chat = next(d for d in page.context["page_data"]["deployments"] if d["name"] == "chat")
    assert chat["chat"] is True  # the page offers the chat playground for it


def test_token_views_read_echoed_prompts_and_refuse_other_shapes():
    views = completions.token_views({"tokens": ["Hi", " there"], "token_logprobs": [None, -0.1],
                                     "top_logprobs": [None, {" there": -0.1, " you": -2.5}]})
    assert views[0].probability is None and views[0].band == -1
    assert views[1].band == 4 and [a.token for a in views[1].alternatives] == [" there", " you"]
    assert views[1].alternatives[0].chosen and not views[1].alternatives[1].chosen
    bad = None
    try:
        completions.token_views("nope")
    except completions.CallRefused as refused:
        bad = refused
    assert bad is not None and bad.param == "logprobs"


def test_the_page_opens_sessions_by_their_rules(transactional_db, kinds, developer_user, make_user, client_as):
    from playground.models import PlaygroundSession
    from studio.accounts import roles

    session = PlaygroundSession.objects.create(owner=developer_user, kind="completions", title="Loops",
                                               state={"prompt": "count"})
    vic = make_user("vic", roles.VIEWER)
    viewer = client_as(vic)
    assert viewer.get(f"/playground/completions/?session={session.pk}").status_code == 403
    session.share()
    session.save()
    page = viewer.get(f"/playground/completions/?session={session.pk}")
    assert page.status_code == 200
    data = page.context["page_data"]
    assert data["read_only"] and not data["can_send"] and data["session"]["state"] == {"prompt": "count"}
    assert viewer.get(f"/playground/embeddings/?session={session.pk}").status_code == 404  # another kind's page
    assert _stream(vic, kinds["instruct"])[0] == 403
