"""Bad input gets Azure's 400 in JSON, never a 500: the classes issue 20 found, each at its mechanism."""

from __future__ import annotations

import json

import pytest

from tests.engine_server import API_VERSION

USER = [{"role": "user", "content": "hello"}]
WEATHER = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
JSON_ENDPOINTS = [("chat", "chat/completions"), ("instruct", "completions"), ("embeddings", "embeddings"),
                  ("dalle", "images/generations"), ("tts", "audio/speech")]


def raw_post(http, engine, deployment: str, operation: str, body: bytes):
    return http.post(f"/openai/deployments/{deployment}/{operation}", params={"api-version": API_VERSION},
                     content=body, headers={**engine.api_headers, "content-type": "application/json"})


def assert_400(response, param: str | None = None, code: str | None = "invalid_value") -> dict:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    if param is not None:
        assert error["param"] == param
    assert error["code"] == code
    return error


@pytest.mark.parametrize(("deployment", "operation"), JSON_ENDPOINTS)
def test_json_nested_a_thousand_levels_is_400_on_every_endpoint(http, engine, deployment, operation):
    body = b'{"messages": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    error = assert_400(raw_post(http, engine, deployment, operation, body), code=None)
    assert "nested more than 64 levels" in error["message"]


@pytest.mark.parametrize("name", ["temperature", "top_p", "presence_penalty", "frequency_penalty"])
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_json_number_literals_are_refused(http, engine, name, literal):
    body = f'{{"messages": {json.dumps(USER)}, "{name}": {literal}}}'.encode()
    error = assert_400(raw_post(http, engine, "chat", "chat/completions", body), code=None)
    assert f"{literal.lstrip('-')} is not a JSON number" in error["message"]


def test_lone_surrogate_asked_back_is_400_not_500(http, engine):
    body = b'{"messages": [{"role": "user", "content": "repeat after me: \\ud800"}]}'
    error = assert_400(raw_post(http, engine, "chat", "chat/completions", body), code=None)
    assert "surrogate" in error["message"]
    echoed = b'{"prompt": "x\\udfff", "echo": true, "max_tokens": 2}'
    assert_400(raw_post(http, engine, "instruct", "completions", echoed), code=None)


def test_a_proper_surrogate_pair_is_fine(http, engine):
    body = b'{"messages": [{"role": "user", "content": "repeat after me: \\ud83d\\ude00"}], "seed": 1}'
    response = raw_post(http, engine, "chat", "chat/completions", body)
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "\U0001F600"


@pytest.mark.parametrize("function", ["get_weather", 7, ["get_weather"], None])
def test_tool_choice_function_that_is_not_an_object_is_400(post, function):
    body = {"messages": USER, "tools": WEATHER, "tool_choice": {"type": "function", "function": function}}
    assert_400(post("chat", "chat/completions", body), "tool_choice")


@pytest.mark.parametrize("name", [None, False, 0, "", "has space", "x" * 65])
def test_tool_names_that_are_not_valid_strings_are_400(post, name):
    tools = [{"type": "function", "function": {"name": name}}]
    assert_400(post("chat", "chat/completions", {"messages": USER, "tools": tools}), "tools[0].function.name")


def test_prompt_beyond_the_context_window_is_400_without_max_tokens(post):
    # gpt-4o-mini's window is 128,000 tokens; " hello" is one token.
    messages = [{"role": "user", "content": " hello" * 400_000}]
    error = assert_400(post("chat", "chat/completions", {"messages": messages}), "messages",
                       "context_length_exceeded")
    assert "maximum context length is 128000 tokens" in error["message"]
    assert "400007 tokens" in error["message"]  # 400,000 words, 3 per message, 1 for the role, 3 priming the reply


def test_completions_prompt_beyond_the_window_is_400(post):
    error = assert_400(post("instruct", "completions", {"prompt": " hello" * 5000, "max_tokens": 10}), "prompt",
                       "context_length_exceeded")
    assert "maximum context length is 4097 tokens" in error["message"]


@pytest.mark.parametrize("field", ["data_sources", "functions", "function_call"])
def test_parameters_the_engine_does_not_honour_are_a_clear_400(post, field):
    value = {"data_sources": [{"type": "azure_search", "parameters": {}}], "functions": [{"name": "f"}],
             "function_call": "auto"}[field]
    error = assert_400(post("chat", "chat/completions", {"messages": USER, field: value}), field,
                       "unsupported_parameter")
    assert "not supported by this local engine" in error["message"]


MISSING, WRONG, EMPTY = "missing_required_parameter", "invalid_value", "empty_array"


@pytest.mark.parametrize(("messages", "param", "code"), [
    ([{"role": "user", "content": "hi", "name": 5}], "messages[0].name", WRONG),
    ([{"role": "user", "content": []}], "messages[0].content", EMPTY),
    ([{"role": "user", "content": [{"type": "text"}]}], "messages[0].content[0].text", MISSING),
    ([{"role": "user", "content": [{"type": "text", "text": 3}]}], "messages[0].content[0].text", WRONG),
    ([{"role": "assistant", "content": None, "tool_calls": "call"}], "messages[0].tool_calls", WRONG),
    ([{"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]}],
     "messages[0].tool_calls[0].function", MISSING),
    ([{"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}]}],
     "messages[0].tool_calls[0].function.arguments", WRONG),
    ([{"role": "assistant", "content": None, "tool_calls": [
        {"id": 1, "type": "function", "function": {"name": "f", "arguments": "{}"}}]}],
     "messages[0].tool_calls[0].id", WRONG),
    ([{"role": "function", "content": None}], "messages[0].name", MISSING),
])
def test_message_fields_are_type_checked(post, messages, param, code):
    assert_400(post("chat", "chat/completions", {"messages": messages}), param, code)


@pytest.mark.parametrize(("extra", "param"), [
    ({"seed": 2**64}, "seed"),
    ({"seed": -(2**63) - 1}, "seed"),
    ({"stop": []}, "stop"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": None, "schema": {}}}},
     "response_format.json_schema.name"),
])
def test_values_azure_refuses_are_refused(post, extra, param):
    response = post("chat", "chat/completions", {"messages": USER, **extra})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


def test_largest_64_bit_seed_is_accepted(post):
    assert post("chat", "chat/completions", {"messages": USER, "seed": 2**63 - 1}).status_code == 200


def test_assistant_refusal_part_and_function_message_without_content_are_accepted(post):
    messages = [
        {"role": "user", "content": "Do something bad."},
        {"role": "assistant", "content": [{"type": "refusal", "refusal": "I can't help with that."}]},
        {"role": "function", "name": "lookup", "content": None},
        {"role": "user", "content": "Fine, tell me about rivers."},
    ]
    response = post("chat", "chat/completions", {"messages": messages})
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["prompt_tokens"] > 20


def test_body_over_the_size_limit_is_413_before_parsing(http, engine):
    body = b'{"prompt": "' + b"a" * (16 * 1024 * 1024) + b'"}'
    response = raw_post(http, engine, "instruct", "completions", body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
