"""The streaming backend interface: the engine's rules over a backend's pieces; a client leaving stops generation."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import replace

import httpx2

from engine.app import create_app
from engine.backends import textgen
from engine.backends.base import Finish, TextDelta, ToolCallDelta, Usage
from engine.dataplane.generate import Pieces, collect
from engine.dataplane.sse import EventStream, respond
from engine.faults import NONE
from engine.settings import EngineSettings
from engine.state import build_engine


class EndlessBackend:
    """A backend that would never stop on its own; records how far it got and whether it was closed."""

    def __init__(self, delay: float = 0.0) -> None:
        self.produced = 0
        self.closed = False
        self.delay = delay

    async def chat(self, choices: int = 1):
        try:
            while True:
                for c in range(choices):
                    if self.delay:
                        await asyncio.sleep(self.delay)
                    self.produced += 1
                    yield TextDelta(c, " word")
        finally:
            self.closed = True


def run(coro):
    return asyncio.run(coro)


def test_generation_stops_at_max_tokens_and_the_backend_is_closed():
    backend = EndlessBackend()
    generations, usage = run(collect(Pieces(backend.chat(), 1, 5)))
    assert generations[0].text == " word" * 5
    assert generations[0].finish_reason == "length"
    assert usage.completion_tokens == 5
    assert backend.closed and backend.produced <= 6  # at most the one read that looks for a Usage


def test_each_choice_stops_at_its_own_max_tokens():
    backend = EndlessBackend()
    generations, usage = run(collect(Pieces(backend.chat(choices=3), 3, 4)))
    assert [g.completion_tokens for g in generations] == [4, 4, 4]
    assert usage.completion_tokens == 12 and backend.closed


def test_whole_answer_is_assembled_from_tool_call_deltas_and_backend_usage_wins():
    async def backend():
        yield ToolCallDelta(0, 0, "", "call_1", "get_weather", tokens=2)
        yield ToolCallDelta(0, 0, '{"city":', tokens=3)
        yield ToolCallDelta(0, 0, ' "Oslo"}', tokens=3)
        yield Finish(0, "tool_calls")
        yield Usage(prompt_tokens=11, completion_tokens=9)

    generations, usage = run(collect(Pieces(backend(), 1, None)))
    call = generations[0].tool_calls[0]
    assert (call.id, call.name, json.loads(call.arguments)) == ("call_1", "get_weather", {"city": "Oslo"})
    assert generations[0].finish_reason == "tool_calls"
    assert (usage.prompt_tokens, usage.completion_tokens) == (11, 9)


def test_a_choice_left_open_is_finished_and_stray_pieces_are_dropped():
    async def backend():
        yield TextDelta(0, "Hi", tokens=1)
        yield TextDelta(7, "no such choice")

    generations, usage = run(collect(Pieces(backend(), 1, None)))
    assert (generations[0].text, generations[0].finish_reason, usage.completion_tokens) == ("Hi", "stop", 1)


def test_a_client_that_goes_away_stops_an_unpaced_stream_and_its_generation():
    backend = EndlessBackend(delay=0.001)

    async def events():
        async for piece in Pieces(backend.chat(), 1, None):
            if isinstance(piece, TextDelta):
                yield b'{"t":1}', True

    async def scenario() -> tuple[int, list[bytes]]:
        sent: list[bytes] = []
        stream = await respond(events(), NONE, 0.0, {}, paced=False)
        assert isinstance(stream, EventStream)

        async def receive():
            await asyncio.sleep(0.05)
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message.get("body", b""))

        await asyncio.wait_for(stream({"type": "http"}, receive, send), 2)
        produced = backend.produced
        await asyncio.sleep(0.05)
        assert backend.produced == produced, "generation went on after the client left"
        return produced, sent

    produced, sent = run(scenario())
    assert backend.closed
    assert 5 < produced < 1000
    assert all(b"[DONE]" not in body for body in sent)  # never finished: cut off when the client left


def test_an_unpaced_backend_streams_each_piece_as_it_comes():
    async def slow():
        for _ in range(3):
            await asyncio.sleep(0.03)
            yield b'{"t":1}', True

    async def scenario() -> list[float]:
        stream = await respond(slow(), NONE, 0.0, {}, paced=False)
        loop = asyncio.get_running_loop()
        start, times = loop.time(), []

        async def receive():
            await asyncio.sleep(10)
            return {"type": "http.disconnect"}

        async def send(message):
            if message.get("body"):
                times.append(loop.time() - start)

        await stream({"type": "http"}, receive, send)
        return times

    times = run(scenario())
    assert len(times) == 4  # three token events and [DONE], each its own write
    assert times[0] < 0.06 and times[2] >= 0.085


def test_a_many_token_piece_is_cut_at_max_tokens_by_its_token_texts():
    async def backend():
        yield TextDelta(0, "one two three four", tokens=4, token_texts=["one", " two", " three", " four"])
        yield Finish(0, "stop")

    generations, usage = run(collect(Pieces(backend(), 1, 2)))
    assert (generations[0].text, generations[0].finish_reason, usage.completion_tokens) == ("one two", "length", 2)


def test_the_backend_names_itself_in_the_header_models_list_and_health(tmp_path):
    engine = build_engine(EngineSettings.from_env({"ENGINE_DATA_DIR": str(tmp_path), "ENGINE_TOKENS_PER_SECOND": "0",
                                                  "ENGINE_REAL_MODELS": "off"}))
    engine.backends["simulated"] = replace(engine.backend("simulated"), name="llama.cpp")
    app = create_app(engine=engine)

    async def scenario():
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://engine") as client:
            key = {"api-key": engine.keys.api_key}
            chat = await client.post("/openai/deployments/chat/chat/completions?api-version=2024-10-21", headers=key,
                                     json={"messages": [{"role": "user", "content": "hi"}]})
            models = await client.get("/openai/models?api-version=2024-10-21", headers=key)
            health = await client.get("/engine/health")
            return chat, models, health

    try:
        chat, models, health = run(scenario())
    finally:
        engine.close()
    assert chat.headers["x-engine-backend"] == "llama.cpp"
    assert chat.json()["system_fingerprint"] == "fp_engine_llama_cpp"
    assert {m["engine"]["backend"] for m in models.json()["data"]} == {"llama.cpp"}
    assert not any(m["engine"]["simulated"] for m in models.json()["data"])
    assert health.json()["backends"] == ["llama.cpp"]


class BrokenChat:
    """A model backend that fails after its first token, as a crashed model would."""

    async def chat(self, request):
        yield TextDelta(0, "Hello")
        raise RuntimeError("the model crashed")


def test_a_backend_that_fails_gives_azures_500_body_or_an_error_event(tmp_path):
    engine = build_engine(EngineSettings.from_env({"ENGINE_DATA_DIR": str(tmp_path), "ENGINE_TOKENS_PER_SECOND": "0",
                                                  "ENGINE_REAL_MODELS": "off"}))
    engine.backends["simulated"] = replace(engine.backend("simulated"), chat=BrokenChat(), paced_by_engine=False)
    app = create_app(engine=engine)
    body = {"messages": [{"role": "user", "content": "hi"}]}

    async def scenario():
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://engine") as client:
            url = "/openai/deployments/chat/chat/completions?api-version=2024-10-21"
            key = {"api-key": engine.keys.api_key}
            whole = await client.post(url, headers=key, json=body)
            streamed = await client.post(url, headers=key, json={**body, "stream": True})
            return whole, streamed

    try:
        whole, streamed = run(scenario())
    finally:
        engine.close()
    assert whole.status_code == 500
    assert whole.json()["error"]["code"] == "InternalServerError"
    events = streamed.text.split("\n\n")
    assert json.loads(events[-2].removeprefix("data: "))["error"]["code"] == "InternalServerError"
    assert "[DONE]" not in streamed.text and '"role":"assistant"' in streamed.text  # it had begun


def test_the_simulated_model_writes_only_what_max_tokens_keeps():
    # "Write 1000 words" with max_tokens 16: about 17 words are written, and they begin the unlimited answer.
    limited = textgen.paragraph(random.Random(5), 1000, limit=17)
    full = textgen.paragraph(random.Random(5), 1000)
    assert full.startswith(limited)
    assert 17 <= len(limited.split()) < 17 + 15  # stops within the sentence that passes the limit
    assert len(full.split()) >= 1000
