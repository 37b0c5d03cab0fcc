"""Each kind's page saves its session through the shared save endpoint and re-opens it with its state."""

from __future__ import annotations

import pytest

from playground.models import PlaygroundSession
from tests.playground_kinds.conftest import post_json

STATES = {
    "completions": {"deployment": 1, "prompt": "count to 5", "parameters": {"max_tokens": 20, "logprobs": 2},
                    "outputs": [" 1 2 3"], "logprobs": []},
    "embeddings": {"inputs": "a\nb", "query": "a", "dimensions": 256, "result": {"matrix": [[1, 0.5], [0.5, 1]]}},
    "images": {"prompt": "a lighthouse", "parameters": {"size": "1024x1024"}, "images": [{"id": 1}]},
    "audio": {"fields": {"task": "transcribe", "response_format": "verbose_json"}, "speech_text": "Hello"},
}


@pytest.mark.parametrize("kind", STATES)
def test_a_session_saved_by_the_page_reopens_with_its_state(kinds, developer, kind):
    saved = post_json(developer, "/playground/sessions/save/", {"kind": kind, "title": f"My {kind}",
                                                                 "state": STATES[kind]})
    assert saved.status_code == 200, saved.content
    session = PlaygroundSession.objects.get(pk=saved.json()["id"])
    assert session.get_absolute_url() == f"/playground/{kind}/?session={session.pk}"
    page = developer.get(session.get_absolute_url())
    assert page.status_code == 200
    data = page.context["page_data"]
    assert data["session"]["state"] == STATES[kind] and data["kind"] == kind
    assert data["can_send"] and not data["read_only"]
    assert f'value="My {kind}"'.encode() in page.content


def test_the_playground_index_opens_each_deployment_in_its_kind(kinds, client_as, viewer_user):
    page = client_as(viewer_user).get("/playground/")
    assert page.status_code == 200
    for name in ("instruct", "embeddings", "painter", "whisper"):
        deployment = kinds[name]
        assert f'href="/playground/{deployment.capability}/?deployment={deployment.pk}"'.encode() in page.content
    for kind in ("completions", "embeddings", "images", "audio"):
        assert f'href="/playground/{kind}/"'.encode() in page.content
