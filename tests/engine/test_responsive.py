"""The event loop stays free: a huge prompt being tokenized does not hold up other requests."""

from __future__ import annotations

import threading
import time

import httpx2

from tests.engine_server import API_VERSION


def test_health_answers_within_100_ms_while_a_large_prompt_is_tokenized(engine):
    # About 1.7 million tokens: tiktoken needs the better part of a second for it, off the loop.
    messages = [{"role": "user", "content": " hello there, river" * 400_000}]
    done = threading.Event()
    answers = []

    def big_request() -> None:
        with httpx2.Client(base_url=engine.url, timeout=60) as client:
            answers.append(client.post("/openai/deployments/chat/chat/completions", params={"api-version": API_VERSION},
                                       json={"messages": messages}, headers=engine.api_headers))
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
    assert answers[0].status_code == 400
    assert answers[0].json()["error"]["code"] == "context_length_exceeded"
    assert len(delays) >= 10, "the large request finished too fast to measure anything"
    assert max(delays) < 0.1, f"health waited {max(delays) * 1000:.0f} ms"
