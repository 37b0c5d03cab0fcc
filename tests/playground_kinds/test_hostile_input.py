"""Whatever the browser sends, the playgrounds answer with a reason, never a 500, and echo nothing unescaped."""

from __future__ import annotations

import json

import pytest

from tests.playground_kinds.conftest import post_json

JSON_URLS = ("/playground/completions/run/", "/playground/completions/tokens/", "/playground/embeddings/run/",
             "/playground/images/generate/", "/playground/audio/speech/", "/playground/audio/code/")
BODIES = ({}, [], "text", None, {"deployment": True}, {"deployment": 10**30}, {"deployment": "x"},
          {"deployment": -1, "inputs": {"a": 1}}, {"choices": [{"logprobs": {"tokens": 5}}]},
          {"choices": [{"logprobs": {"tokens": ["<b>"], "token_logprobs": ["x"], "top_logprobs": [7]}}]},
          {"body": [], "prompt": 5, "input": ["x"], "voice": {}, "speed": "fast", "dimensions": "many"})


@pytest.mark.parametrize("url", JSON_URLS)
def test_json_endpoints_refuse_bad_bodies_with_a_reason(kinds, developer, url):
    for body in BODIES:
        answer = post_json(developer, url, body)
        assert answer.status_code < 500, (url, body, answer.content[:300])
        if answer.status_code >= 400:
            assert answer.json()["error"]["message"]
    assert developer.post(url, b"{not json", content_type="application/json").status_code == 400


def test_bad_deployment_fields_and_odd_values_with_a_real_deployment(kinds, developer):
    for body in ({"inputs": ["a"] * 65}, {"inputs": "a\nb", "dimensions": 0}, {"inputs": ["a"], "query": 5},
                 {"prompt": "x" * 4001}, {"prompt": "x", "quality": "ultra"}, {"input": "x", "speed": 9}):
        for url, name in (("/playground/embeddings/run/", "embeddings"), ("/playground/images/generate/", "painter"),
                          ("/playground/audio/speech/", "voice")):
            answer = post_json(developer, url, {"deployment": kinds[name].pk, **body})
            assert answer.status_code < 500, (url, body, answer.content[:300])


def test_tokens_are_escaped(kinds, developer):
    answer = post_json(developer, "/playground/completions/tokens/", {"choices": [{"index": 0, "logprobs": {
        "tokens": ["<script>alert(1)</script>"], "token_logprobs": [-0.1],
        "top_logprobs": [{"<img src=x>": -0.1}]}}]})
    assert answer.status_code == 200
    assert b"<script>" not in answer.content and b"<img" not in answer.content
    assert b"&lt;script&gt;" in answer.content


def test_pages_and_files_answer_odd_addresses(kinds, developer):
    for url in ("/playground/completions/?session=abc", "/playground/images/?session=99999999999999999999999",
                "/playground/audio/?session=-1", f"/playground/images/{10**25}/", "/playground/images/0/"):
        assert developer.get(url).status_code == 404, url
    transcribe = developer.post("/playground/audio/transcribe/", {"deployment": "x"})
    assert transcribe.status_code == 400 and "audio file" in json.loads(transcribe.content)["error"]["message"]
