"""SmolLM2 through llama.cpp behind the chat and completions APIs, with the official SDK over HTTP."""

from __future__ import annotations

import json
import math
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest

from tests.engine_server import API_VERSION

pytestmark = [pytest.mark.slow, pytest.mark.models]
ASK = [{"role": "user", "content": "Write three sentences about the sea."}]


def test_a_real_chat_reply_streams_token_by_token(real_sdk):
    arrivals, pieces = [], []
    stream = real_sdk.chat.completions.create(model="chat", messages=ASK, max_tokens=40, stream=True, seed=1,
                                              stream_options={"include_usage": True})
    usage = None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
                arrivals.append(time.monotonic())
    assert len(pieces) >= 10, pieces
    # Token by token as decoded: the pieces arrive spread over the generation, not in one write at the end.
    assert arrivals[-1] - arrivals[0] > 0.05
    assert len("".join(pieces).split()) >= 5
    assert usage is not None and 0 < usage.completion_tokens <= 40


def test_the_backend_says_it_is_llama_cpp_in_the_models_list(real_engine):
    models = httpx2.get(f"{real_engine.url}/openai/models", params={"api-version": API_VERSION},
                        headers=real_engine.api_headers).json()["data"]
    by_id = {m["id"]: m for m in models}
    assert by_id["SmolLM2-135M-Instruct"]["engine"] == {"backend": "llama.cpp", "simulated": False}
    assert by_id["gpt-4o-mini-2024-07-18"]["engine"]["simulated"] is True
    health = httpx2.get(f"{real_engine.url}/engine/health").json()
    assert "llama.cpp" in health["real_backends"] and health["real_models"] == "on"
    answer = httpx2.post(f"{real_engine.url}/openai/deployments/chat/chat/completions",
                         params={"api-version": API_VERSION}, headers=real_engine.api_headers, timeout=60,
                         json={"messages": ASK, "max_tokens": 2})
    assert answer.headers["x-engine-backend"] == "llama.cpp"


def test_json_mode_returns_valid_json(real_sdk):
    reply = real_sdk.chat.completions.create(
        model="chat", max_tokens=80, seed=3, response_format={"type": "json_object"},
        messages=[{"role": "user", "content": "Describe a cat with a name and an age."}])
    content = reply.choices[0].message.content
    if reply.choices[0].finish_reason == "stop":
        assert isinstance(json.loads(content), dict)
    else:  # cut by max_tokens: still JSON so far, by the grammar
        assert content.lstrip().startswith("{")


def test_json_schema_output_follows_the_schema(real_sdk):
    schema = {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20},
                                               "population": {"type": "integer"}},
              "required": ["city", "population"], "additionalProperties": False}
    reply = real_sdk.chat.completions.create(
        model="chat", max_tokens=60, seed=5, messages=[{"role": "user", "content": "Name a big city."}],
        response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": schema}})
    data = json.loads(reply.choices[0].message.content)
    assert set(data) == {"city", "population"}
    assert isinstance(data["city"], str) and isinstance(data["population"], int)


def test_the_same_seed_gives_the_same_answer_and_max_tokens_stops_it(real_sdk):
    def ask(seed):
        return real_sdk.chat.completions.create(model="chat", messages=ASK, max_tokens=12, seed=seed,
                                                temperature=1.0)

    first, again = ask(7), ask(7)
    assert first.choices[0].message.content == again.choices[0].message.content
    assert first.choices[0].finish_reason == "length" and first.usage.completion_tokens <= 12


def test_a_stop_sequence_ends_the_answer_before_it(real_sdk):
    reply = real_sdk.chat.completions.create(
        model="chat", max_tokens=60, temperature=0, stop=["3"],
        messages=[{"role": "user", "content": "Count from 1 to 10, separated by commas."}])
    assert "3" not in reply.choices[0].message.content
    assert reply.choices[0].finish_reason == "stop"


WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city",
                                          "parameters": {"type": "object", "properties": {
                                              "city": {"type": "string", "maxLength": 30}},
                                              "required": ["city"], "additionalProperties": False}}}
CLOCK = {"type": "function", "function": {"name": "get_time", "description": "Get the current time in a city",
                                        "parameters": {"type": "object", "properties": {
                                            "city": {"type": "string", "maxLength": 30}},
                                            "required": ["city"], "additionalProperties": False}}}


def test_a_forced_tool_call_has_arguments_in_the_functions_shape(real_sdk):
    reply = real_sdk.chat.completions.create(
        model="chat", max_tokens=40, seed=2, tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        messages=[{"role": "user", "content": "What is the weather in Paris?"}])
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert isinstance(json.loads(call.function.arguments)["city"], str)


def test_with_tool_choice_auto_the_model_decides_between_a_call_and_a_text_answer(real_sdk):
    def ask(question):
        return real_sdk.chat.completions.create(model="chat", max_tokens=40, seed=1, temperature=0,
                                                tools=[WEATHER, CLOCK], tool_choice="auto",
                                                messages=[{"role": "user", "content": question}]).choices[0]

    called = ask("What is the weather in Paris?")
    assert called.finish_reason == "tool_calls" and called.message.content is None
    [call] = called.message.tool_calls
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    assert call.id.startswith("call_")
    # The same tools, a question none of them serves: the model writes an empty list of calls, then text.
    answered = ask("Tell me a joke about cats.")
    assert answered.finish_reason == "stop" and not answered.message.tool_calls
    assert "cat" in answered.message.content.lower()


def test_tool_choice_required_streams_a_call_the_model_chose(real_sdk):
    stream = real_sdk.chat.completions.create(
        model="chat", max_tokens=60, seed=1, temperature=0, tools=[CLOCK, WEATHER], tool_choice="required",
        stream=True, messages=[{"role": "user", "content": "Is it raining in London right now?"}])
    calls: dict[int, dict[str, str]] = {}
    reasons = []
    for chunk in stream:
        for choice in chunk.choices:
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"name": "", "arguments": ""})
                call["name"] += delta.function.name or ""
                call["arguments"] += delta.function.arguments or ""
            reasons += [choice.finish_reason] if choice.finish_reason else []
    # The grammar forces calls to the listed tools; which ones, and how many, the model chooses (the build's
    # arithmetic can tip a 135M model between one call and two parallel ones).
    assert reasons == ["tool_calls"] and calls and {c["name"] for c in calls.values()} <= {"get_time", "get_weather"}
    weather = [json.loads(c["arguments"]) for c in calls.values() if c["name"] == "get_weather"]
    assert weather and weather[0]["city"] == "London"


def test_logprobs_come_per_token_whole_and_streamed_in_azures_shape(real_sdk):
    ask = {"model": "chat", "max_tokens": 8, "temperature": 0, "logprobs": True, "top_logprobs": 3,
           "messages": [{"role": "user", "content": "Say hello to the world."}]}
    whole = real_sdk.chat.completions.create(**ask)
    entries = whole.choices[0].logprobs.content
    assert len(entries) == whole.usage.completion_tokens == 8
    assert "".join(e.token for e in entries) == whole.choices[0].message.content
    for e in entries:
        assert e.logprob <= 0 and e.bytes == list(e.token.encode())
        assert len(e.top_logprobs) == 3
        tops = [t.logprob for t in e.top_logprobs]
        assert tops == sorted(tops, reverse=True) and sum(math.exp(t) for t in tops) <= 1.0001
        assert e.top_logprobs[0].token == e.token  # temperature 0 takes the most likely token
    streamed = []
    for chunk in real_sdk.chat.completions.create(**ask, stream=True):
        for choice in chunk.choices:
            if choice.delta.content:
                assert len(choice.logprobs.content) == 1 and choice.logprobs.content[0].token == choice.delta.content
                streamed.append(choice.logprobs.content[0])
    assert [(e.token, round(e.logprob, 6)) for e in streamed] == [(e.token, round(e.logprob, 6)) for e in entries]
    plain = real_sdk.chat.completions.create(**{**ask, "logprobs": False, "top_logprobs": None})
    assert plain.choices[0].logprobs is None


def test_legacy_completions_give_logprobs_in_their_own_shape(real_sdk):
    reply = real_sdk.completions.create(model="chat", prompt="The capital of France is", max_tokens=5,
                                        temperature=0, logprobs=2)
    logprobs = reply.choices[0].logprobs
    assert len(logprobs.tokens) == len(logprobs.token_logprobs) == reply.usage.completion_tokens
    assert "".join(logprobs.tokens) == reply.choices[0].text
    assert all(p <= 0 for p in logprobs.token_logprobs)
    assert all(len(top) <= 2 and token in top for token, top in zip(logprobs.tokens, logprobs.top_logprobs,
                                                                    strict=True))


def test_legacy_completions_continue_the_prompt(real_sdk):
    reply = real_sdk.completions.create(model="chat", prompt="The capital of France is", max_tokens=8,
                                        temperature=0)
    assert reply.choices[0].text.strip()
    assert reply.usage.completion_tokens <= 8


def test_requests_past_the_queue_bound_get_429_with_retry_after(real_engine):
    # The session engine lets 3 requests wait for a model; ten at once overflow it.
    def send(_):
        return httpx2.post(f"{real_engine.url}/openai/deployments/chat/chat/completions",
                           params={"api-version": API_VERSION}, headers=real_engine.api_headers, timeout=120,
                           json={"messages": ASK, "max_tokens": 24})

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(send, range(10)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(200) >= 4 and 429 in statuses, statuses
    busy = next(a for a in answers if a.status_code == 429)
    assert int(busy.headers["retry-after"]) >= 1 and busy.json()["error"]["code"] == "429"
