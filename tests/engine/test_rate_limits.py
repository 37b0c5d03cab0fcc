"""Rate limits from capacity: 6 requests and 1,000 tokens per minute per capacity unit, Azure's 429 shape."""

from __future__ import annotations

import time

import pytest

HELLO = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 10}


@pytest.fixture
def tiny(engine):
    """A capacity-1 deployment: 6 requests and 1,000 tokens per minute."""
    engine.create_deployment("tiny", "gpt-35-turbo", "0125", capacity=1)
    yield "tiny"
    engine.delete_deployment("tiny")


def test_the_request_past_the_per_minute_allowance_is_429_with_retry_headers(post, tiny):
    answers = [post(tiny, "chat/completions", HELLO) for _ in range(7)]
    assert [a.status_code for a in answers] == [200] * 6 + [429]
    assert [int(a.headers["x-ratelimit-remaining-requests"]) for a in answers[:6]] == [5, 4, 3, 2, 1, 0]
    throttled = answers[-1]
    retry_after = int(throttled.headers["retry-after"])
    retry_after_ms = int(throttled.headers["retry-after-ms"])
    assert 1 <= retry_after <= 10 and retry_after_ms <= retry_after * 1000
    error = throttled.json()["error"]
    assert error["code"] == "429"
    assert "ChatCompletions_Create" in error["message"] and "Please retry after" in error["message"]


def test_tokens_are_charged_at_arrival_on_prompt_plus_max_tokens(post, tiny):
    first = post(tiny, "chat/completions", {**HELLO, "max_tokens": 900})
    assert first.status_code == 200
    assert int(first.headers["x-ratelimit-remaining-tokens"]) < 100  # 1,000 minus prompt and the 900 asked for
    second = post(tiny, "chat/completions", {**HELLO, "max_tokens": 500})
    assert second.status_code == 429
    assert "token rate limit" in second.json()["error"]["message"]


def test_rate_limit_can_be_switched_off_per_deployment(post, tiny, http, engine):
    response = http.put(f"/engine/admin/deployments/{tiny}/settings", json={"rate_limit": False},
                        headers=engine.arm_headers)
    assert response.json()["settings"]["rate_limit"] is False
    assert all(post(tiny, "chat/completions", HELLO).status_code == 200 for _ in range(10))


def test_the_allowance_refills_over_the_minute(post, engine):
    engine.create_deployment("refill", "gpt-35-turbo", "0125", capacity=10)  # 60 RPM: one more per second
    try:
        codes = [post("refill", "chat/completions", HELLO).status_code for _ in range(61)]
        assert codes[-1] == 429
        time.sleep(1.1)
        assert post("refill", "chat/completions", HELLO).status_code == 200
    finally:
        engine.delete_deployment("refill")
