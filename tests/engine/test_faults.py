"""Fault injection: the x-engine-faults header and the per-deployment admin endpoint."""

from __future__ import annotations

import json
import random
import time

import httpx2
import pytest

from tests.engine_server import API_VERSION

HELLO = {"messages": [{"role": "user", "content": "hi"}], "seed": 1}
FAULTS = "x-engine-faults"


def faulty(post, header: str, deployment: str = "mini-big", **body):
    return post(deployment, "chat/completions", {**HELLO, **body}, headers={FAULTS: header})


def test_latency_is_added_before_the_answer(post):
    began = time.monotonic()
    assert faulty(post, "latency_ms=300").status_code == 200
    assert time.monotonic() - began >= 0.3


@pytest.mark.parametrize(("status", "code"), [(500, "InternalServerError"), (503, "ServiceUnavailable")])
def test_injected_server_errors_have_azure_bodies(post, status, code):
    response = faulty(post, f"status={status}; retry_after=2")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.headers["retry-after"] == "2"


def test_injected_429_looks_like_a_real_throttle(post):
    response = faulty(post, "status=429; retry_after=3")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3" and response.headers["retry-after-ms"] == "3000"
    assert response.json()["error"]["code"] == "429"


def test_rate_with_a_fault_seed_gives_a_predictable_sequence(post, engine):
    engine.create_deployment("dice", "gpt-35-turbo", "0125", capacity=100)
    try:
        codes = [faulty(post, "status=503; rate=0.5; fault_seed=4242", "dice").status_code for _ in range(12)]
    finally:
        engine.delete_deployment("dice")
    rng = random.Random(4242)
    assert codes == [503 if rng.random() < 0.5 else 200 for _ in range(12)]
    assert 200 in codes and 503 in codes


def test_cut_stream_keeps_the_chunks_before_the_cut_and_never_sends_done(engine):
    lines = []
    with httpx2.Client(base_url=engine.url, timeout=10) as http, pytest.raises(httpx2.RemoteProtocolError):
        with http.stream("POST", "/openai/deployments/mini-big/chat/completions", params={"api-version": API_VERSION},
                         json={**HELLO, "stream": True}, headers={**engine.api_headers, FAULTS: "cut_after=3"}) as r:
            assert r.status_code == 200
            for line in r.iter_lines():
                lines.append(line)
    events = [line for line in lines if line.startswith("data: ")]
    assert len(events) == 3
    assert "data: [DONE]" not in lines
    assert [json.loads(e[6:])["object"] for e in events] == ["", "chat.completion.chunk", "chat.completion.chunk"]


def test_malformed_chunk_is_sent_after_n_chunks(post):
    response = faulty(post, "malformed_after=2", stream=True)
    events = [block[6:] for block in response.text.split("\n\n") if block]
    json.loads(events[0]) and json.loads(events[1])
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[2])
    assert events[-1] == "[DONE]"


def test_tokens_per_second_paces_the_stream(engine):
    body = {**HELLO, "stream": True, "max_tokens": 20}
    arrivals = []
    with httpx2.Client(base_url=engine.url, timeout=10) as http:
        began = time.monotonic()
        with http.stream("POST", "/openai/deployments/mini-big/chat/completions", params={"api-version": API_VERSION},
                         json=body, headers={**engine.api_headers, FAULTS: "tokens_per_second=100; ttft_ms=200"}) as r:
            for line in r.iter_lines():
                if '"content":"' in line and '"content":""' not in line:
                    arrivals.append(time.monotonic() - began)
    assert len(arrivals) == 20
    assert arrivals[0] >= 0.2  # time to first token
    assert arrivals[-1] - arrivals[0] >= 0.17  # 19 more tokens at 100 per second


@pytest.mark.parametrize(("header", "bad_key"), [
    ("latency_ms=abc", "latency_ms"), ("bogus=1", "bogus"), ("status=418", "status"), ("rate=2", "rate"),
    ("latency_ms", "latency_ms"), ("cut_after=1; cut_after=2", "cut_after"),
])
def test_a_bad_fault_header_is_400_naming_the_key(post, header, bad_key):
    response = faulty(post, header)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == bad_key
    assert response.json()["error"]["code"] == "InvalidFaultHeader"


def test_admin_endpoint_sets_reads_and_clears_a_deployments_faults(http, engine, post):
    engine.create_deployment("flaky", "gpt-35-turbo", "0125", capacity=100)
    url = "/engine/admin/deployments/flaky/faults"
    try:
        assert http.put(url, json={"status": 500}, headers={"authorization": "Bearer wrong"}).status_code == 401
        assert http.put(url, json={"status": 500}, headers=engine.arm_headers).json()["faults"] == {"status": 500}
        assert http.get(url, headers=engine.arm_headers).json()["faults"] == {"status": 500}
        assert post("flaky", "chat/completions", HELLO).status_code == 500
        # The request header overrides the deployment's setting key by key.
        assert faulty(post, "rate=0", "flaky").status_code == 200
        assert http.delete(url, headers=engine.arm_headers).json()["faults"] == {}
        assert post("flaky", "chat/completions", HELLO).status_code == 200
        assert http.put(url, json={"nope": 1}, headers=engine.arm_headers).status_code == 400
    finally:
        engine.delete_deployment("flaky")


def test_ttft_delays_a_non_streamed_answer_too(post):
    began = time.monotonic()
    assert faulty(post, "ttft_ms=250").status_code == 200
    assert time.monotonic() - began >= 0.25
