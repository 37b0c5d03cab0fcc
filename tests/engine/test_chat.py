"""Chat completions through the official SDK: shape, usage, determinism, length, stop, JSON, tools, streams."""

from __future__ import annotations

import asyncio
import base64
import json

from openai import AsyncAzureOpenAI

from shared_rules.tokens import count_chat_tokens, count_text_tokens
from tests.engine.conftest import png_bytes, sse_events
from tests.engine_server import API_VERSION

MESSAGES = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Tell me something about rivers and bridges."}]


def ask(sdk, **kwargs):
    kwargs.setdefault("model", "chat")
    kwargs.setdefault("messages", MESSAGES)
    return sdk.chat.completions.create(**kwargs)


def test_answer_has_azure_shape_and_usage_counted_like_studio(sdk):
    raw = sdk.chat.completions.with_raw_response.create(model="chat", messages=MESSAGES, seed=1)
    answer = raw.parse()
    assert raw.headers["x-engine-backend"] == "simulated"
    assert answer.id.startswith("chatcmpl-")
    assert answer.object == "chat.completion"
    assert answer.model == "gpt-4o-mini"
    assert answer.system_fingerprint
    prompt_filter = answer.model_extra["prompt_filter_results"]
    assert prompt_filter[0]["prompt_index"] == 0
    assert prompt_filter[0]["content_filter_results"]["jailbreak"] == {"filtered": False, "detected": False}
    choice = answer.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.model_extra["content_filter_results"]["hate"] == {"filtered": False, "severity": "safe"}
    assert choice.message.content.endswith(".")
    assert answer.usage.prompt_tokens == count_chat_tokens(MESSAGES, "gpt-4o-mini").prompt_tokens
    assert answer.usage.completion_tokens == count_text_tokens(choice.message.content, "gpt-4o-mini")
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens
    assert answer.usage.completion_tokens_details.reasoning_tokens == 0


def test_async_client_gets_the_same_seeded_answer(sdk, engine):
    async def run():
        async with AsyncAzureOpenAI(azure_endpoint=engine.url, api_key=engine.api_key, api_version=API_VERSION,
                                    max_retries=0) as async_client:
            return await async_client.chat.completions.create(model="chat", messages=MESSAGES, seed=99)

    answer = asyncio.run(run())
    assert answer.choices[0].message.content == ask(sdk, seed=99).choices[0].message.content


def test_same_seed_same_answer_and_other_seed_other_answer(sdk):
    first = ask(sdk, seed=7).choices[0].message.content
    assert ask(sdk, seed=7).choices[0].message.content == first
    assert ask(sdk, seed=8).choices[0].message.content != first


def test_max_tokens_cuts_the_answer_with_finish_reason_length(sdk):
    full = ask(sdk, seed=3, temperature=0.5).choices[0].message.content
    cut = ask(sdk, seed=3, temperature=0.5, max_tokens=5)
    assert cut.choices[0].finish_reason == "length"
    assert cut.usage.completion_tokens == 5
    assert full.startswith(cut.choices[0].message.content)


def test_max_completion_tokens_works_like_max_tokens(sdk):
    cut = ask(sdk, seed=3, max_completion_tokens=4)
    assert cut.choices[0].finish_reason == "length"
    assert cut.usage.completion_tokens == 4


def test_stop_sequence_ends_the_answer_before_it(sdk):
    full = ask(sdk, seed=11).choices[0].message.content
    stop_word = " " + full.split()[4]
    answer = ask(sdk, seed=11, stop=[stop_word, "zzz-never"])
    assert answer.choices[0].finish_reason == "stop"
    assert answer.choices[0].message.content == full[: full.index(stop_word)]
    assert answer.usage.completion_tokens == count_text_tokens(answer.choices[0].message.content, "gpt-4o-mini")


def test_length_asked_for_in_the_message_sets_a_long_natural_answer(sdk):
    messages = [{"role": "user", "content": "Write 300 words about the sea."}]
    answer = ask(sdk, messages=messages, seed=5)
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage.completion_tokens >= 280


def test_json_object_mode_returns_parseable_json(sdk):
    answer = ask(sdk, seed=2, response_format={"type": "json_object"},
                 messages=[{"role": "user", "content": "Reply in JSON about tea."}])
    data = json.loads(answer.choices[0].message.content)
    assert isinstance(data, dict) and data


def test_json_schema_mode_returns_json_that_satisfies_the_schema(sdk):
    schema = {"type": "object", "required": ["name", "age", "tags", "colour", "active", "address"],
              "properties": {
                  "name": {"type": "string"}, "age": {"type": "integer", "minimum": 18, "maximum": 99},
                  "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                  "colour": {"type": "string", "enum": ["red", "green", "blue"]}, "active": {"type": "boolean"},
                  "address": {"type": "object", "properties": {"city": {"type": "string"},
                                                               "zip": {"type": "number"}}},
              }, "additionalProperties": False}
    answer = ask(sdk, seed=4, response_format={"type": "json_schema",
                                                  "json_schema": {"name": "person", "schema": schema, "strict": True}})
    data = json.loads(answer.choices[0].message.content)
    assert set(data) == set(schema["properties"])
    assert isinstance(data["name"], str) and 18 <= data["age"] <= 99 and isinstance(data["age"], int)
    assert len(data["tags"]) >= 2 and all(isinstance(t, str) for t in data["tags"])
    assert data["colour"] in ("red", "green", "blue")
    assert isinstance(data["active"], bool)
    assert isinstance(data["address"]["city"], str) and isinstance(data["address"]["zip"], int | float)


WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather",
    "parameters": {"type": "object", "required": ["city", "unit"],
                   "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["C", "F"]}}}}}
TIME_TOOL = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}


def test_named_tool_choice_returns_a_tool_call(sdk):
    answer = ask(sdk, seed=1, tools=[WEATHER_TOOL, TIME_TOOL],
                 tool_choice={"type": "function", "function": {"name": "get_weather"}})
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.id.startswith("call_") and call.type == "function" and call.function.name == "get_weather"
    arguments = json.loads(call.function.arguments)
    assert isinstance(arguments["city"], str) and arguments["unit"] in ("C", "F")


def test_auto_tool_choice_calls_a_tool_only_when_the_message_names_it(sdk):
    tools = [WEATHER_TOOL, TIME_TOOL]
    named = ask(sdk, seed=1, tools=tools, messages=[{"role": "user", "content": "Use get_time please."}])
    assert named.choices[0].finish_reason == "tool_calls"
    assert [c.function.name for c in named.choices[0].message.tool_calls] == ["get_time"]
    plain = ask(sdk, seed=1, tools=tools, messages=[{"role": "user", "content": "Hello there."}])
    assert plain.choices[0].finish_reason == "stop" and plain.choices[0].message.tool_calls is None


def test_tool_result_round_trip_gets_a_text_answer(sdk):
    first = ask(sdk, seed=1, tools=[WEATHER_TOOL], tool_choice="required")
    call = first.choices[0].message.tool_calls[0]
    messages = [*MESSAGES, first.choices[0].message.model_dump(exclude_none=True),
                {"role": "tool", "tool_call_id": call.id, "content": '{"temp": 21}'}]
    second = ask(sdk, seed=1, tools=[WEATHER_TOOL], messages=messages)
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content


def test_n_2_returns_two_different_choices(sdk):
    answer = ask(sdk, seed=21, n=2)
    assert [c.index for c in answer.choices] == [0, 1]
    assert answer.choices[0].message.content != answer.choices[1].message.content
    assert answer.usage.completion_tokens == sum(count_text_tokens(c.message.content, "gpt-4o-mini")
                                                 for c in answer.choices)


def test_logprobs_come_per_token_with_top_alternatives(sdk):
    answer = ask(sdk, seed=5, max_tokens=6, logprobs=True, top_logprobs=3)
    content = answer.choices[0].logprobs.content
    assert "".join(t.token for t in content) == answer.choices[0].message.content
    assert all(t.logprob <= 0 and len(t.top_logprobs) == 3 for t in content)


def test_image_input_is_counted_with_the_estimators_image_rule(sdk):
    url = "data:image/png;base64," + base64.b64encode(png_bytes(512, 512)).decode()
    messages = [{"role": "user", "content": [{"type": "text", "text": "What is in this picture?"},
                                             {"type": "image_url", "image_url": {"url": url, "detail": "high"}}]}]
    answer = ask(sdk, messages=messages, seed=1)
    expected = count_chat_tokens(messages, "gpt-4o-mini")
    assert expected.image_tokens == 2833 + 5667  # gpt-4o-mini's rule for one 512 px tile
    assert answer.usage.prompt_tokens == expected.prompt_tokens


def test_stream_has_azure_chunks_and_a_usage_chunk(sdk):
    chunks = list(ask(sdk, seed=13, stream=True, stream_options={"include_usage": True}))
    first, role, *rest = chunks
    assert first.choices == [] and first.id == ""
    assert first.model_extra["prompt_filter_results"][0]["content_filter_results"]["hate"]["severity"] == "safe"
    assert role.choices[0].delta.role == "assistant"
    usage_chunk = rest[-1]
    assert usage_chunk.choices == [] and usage_chunk.usage is not None
    assert all(c.usage is None for c in chunks[:-1])
    final = rest[-2]
    assert final.choices[0].finish_reason == "stop"
    content_chunks = rest[:-2]
    assert len(content_chunks) > 5  # one token-sized piece per chunk
    text = "".join(c.choices[0].delta.content for c in content_chunks)
    assert text == ask(sdk, seed=13).choices[0].message.content
    assert usage_chunk.usage.completion_tokens == count_text_tokens(text, "gpt-4o-mini") == len(content_chunks)
    assert usage_chunk.usage.prompt_tokens == count_chat_tokens(MESSAGES, "gpt-4o-mini").prompt_tokens


def test_streamed_tool_call_arrives_in_fragments(sdk):
    chunks = list(ask(sdk, seed=1, stream=True, tools=[WEATHER_TOOL], tool_choice="required"))
    fragments = [c.choices[0].delta.tool_calls[0] for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert fragments[0].id.startswith("call_") and fragments[0].function.name == "get_weather"
    arguments = json.loads("".join(f.function.arguments or "" for f in fragments))
    assert set(arguments) == {"city", "unit"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_raw_stream_is_server_sent_events_ending_with_done(post):
    response = post("chat", "chat/completions", {"messages": MESSAGES, "stream": True, "seed": 1})
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    assert all(json.loads(e)["object"] in ("", "chat.completion.chunk") for e in events[:-1])
    assert "usage" not in json.loads(events[1])  # without include_usage no chunk carries usage


def test_stream_of_1000_tokens_is_complete(post):
    body = {"messages": [{"role": "user", "content": "Write 2000 words."}], "max_tokens": 1000, "stream": True,
            "seed": 1, "stream_options": {"include_usage": True}}
    response = post("mini-big", "chat/completions", body)
    events = sse_events(response.text)
    usage = json.loads(events[-2])["usage"]
    assert usage["completion_tokens"] == 1000
    assert json.loads(events[-3])["choices"][0]["finish_reason"] == "length"
