"""The event loop stays free: a huge prompt being tokenized does not hold up other requests."""

from __future__ import annotations

import json
import threading
import time

import httpx2

from tests.engine_server import API_VERSION


def health_delays_during(engine, path: str, body: dict) -> list[float]:
    """How long each /engine/health call took while `body` was being answered (it must take a while)."""
    done = threading.Event()
    answers = []
    # Serialised up front: json.dumps of megabytes in this process would hold its GIL and delay the health calls
    # measured here, which is the test's own noise, not the engine's.
    content = json.dumps(body).encode()
    headers = {**engine.api_headers, "content-type": "application/json"}

    def big_request() -> None:
        with httpx2.Client(base_url=engine.url, timeout=120) as client:
            answers.append(client.post(path, params={"api-version": API_VERSION}, content=content, headers=headers))
        done.set()

    with httpx2.Client(base_url=engine.url, timeout=10) as client:
        client.get("/engine/health")  # a warm connection, so only the server's delay is measured
        worker = threading.Thread(target=big_request)
        worker.start()
        delays = []
        while not done.is_set():
            start = time.perf_counter()
            assert client.get("/engine/health").status_code == 200
            delays.append(time.perf_counter() - start)
            time.sleep(0.01)
        worker.join()
    assert answers and answers[0].status_code < 500
    assert len(delays) >= 10, "the large request finished too fast to measure anything"
    return delays


def assert_loop_stayed_free(delays: list[float]) -> None:
    """Every health call within 100 ms but the single worst, and that one within 500 ms: reading a 90 MB answer
    in this process now and then holds up the measuring thread itself. A blocked loop holds every call for the
    whole request, seconds."""
    worst, second = sorted(delays)[-1], sorted(delays)[-2]
    assert second < 0.1, f"health waited {second * 1000:.0f} ms (worst {worst * 1000:.0f} ms)"
    assert worst < 0.5, f"health waited {worst * 1000:.0f} ms"


def test_health_answers_within_100_ms_while_a_large_prompt_is_tokenized(engine):
    # About a million tokens (4 MB): tiktoken needs about half a second for it, off the loop.
    messages = [{"role": "user", "content": " hello there, river" * 220_000}]
    delays = health_delays_during(engine, "/openai/deployments/chat/chat/completions", {"messages": messages})
    assert max(delays) < 0.1, f"health waited {max(delays) * 1000:.0f} ms"


def test_health_answers_within_100_ms_while_a_huge_answer_is_written(engine):
    # Eight choices of 16,000 tokens each, streamed: over a hundred thousand chunks to write.
    body = {"messages": [{"role": "user", "content": "Write 20000 words about rivers."}], "max_tokens": 16000,
            "n": 8, "stream": True}
    delays = health_delays_during(engine, "/openai/deployments/mini-big/chat/completions", body)
    assert_loop_stayed_free(delays)
