"""Every error shape the data plane gives, byte for byte where Azure's wording is known."""

from __future__ import annotations

import pytest

from tests.engine_server import API_VERSION

ACCESS_DENIED = {"error": {"code": "401", "message": (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an "
    "active subscription and use a correct regional API endpoint for your resource.")}}
DEPLOYMENT_NOT_FOUND = {"error": {"code": "DeploymentNotFound", "message": (
    "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, "
    "please wait a moment and try again.")}}
HELLO = {"messages": [{"role": "user", "content": "hello"}]}
CHAT = "/openai/deployments/chat/chat/completions"


@pytest.mark.parametrize("headers", [{}, {"api-key": "wrong"}, {"authorization": "Bearer wrong"}])
def test_missing_or_wrong_key_is_401_with_azures_body(http, headers):
    response = http.post(CHAT, params={"api-version": API_VERSION}, json=HELLO, headers=headers)
    assert response.status_code == 401
    assert response.json() == ACCESS_DENIED


def test_bearer_key_is_accepted_like_api_key(http, engine):
    response = http.post(CHAT, params={"api-version": API_VERSION}, json=HELLO,
                         headers={"authorization": f"Bearer {engine.api_key}"})
    assert response.status_code == 200


def test_second_key_works_too(http, engine):
    response = http.post(CHAT, params={"api-version": API_VERSION}, json=HELLO,
                         headers={"api-key": engine.keys["key2"]})
    assert response.status_code == 200


def test_unknown_deployment_is_404_deployment_not_found(post):
    response = post("gpt-4o-mini", "chat/completions", HELLO)  # the model name instead of the deployment name
    assert response.status_code == 404
    assert response.json() == DEPLOYMENT_NOT_FOUND


def test_missing_api_version_is_404_and_unknown_one_is_400(http, engine, post):
    missing = http.post(CHAT, json=HELLO, headers=engine.api_headers)
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "404", "message": "Resource not found"}}
    unknown = post("chat", "chat/completions", HELLO, version="2099-01-01")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "BadRequest"
    assert "2099-01-01" in unknown.json()["error"]["message"]


@pytest.mark.parametrize("version", ["2024-06-01", "2024-10-21", "2025-04-01-preview"])
def test_supported_api_versions_answer(post, version):
    assert post("chat", "chat/completions", HELLO, version=version).status_code == 200


@pytest.mark.parametrize(("extra", "param"), [
    ({"temperature": 2.5}, "temperature"),
    ({"temperature": "hot"}, "temperature"),
    ({"top_p": 1.5}, "top_p"),
    ({"n": 0}, "n"),
    ({"n": 129}, "n"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"presence_penalty": -3}, "presence_penalty"),
    ({"frequency_penalty": 2.1}, "frequency_penalty"),
    ({"logit_bias": {"50256": 200}}, "logit_bias"),
    ({"top_logprobs": 3}, "top_logprobs"),
    ({"max_tokens": 10, "max_completion_tokens": 10}, "max_tokens"),
    ({"max_tokens": 100000}, "max_tokens"),
    ({"stream_options": {"include_usage": True}}, "stream_options"),
    ({"response_format": {"type": "yaml"}}, "response_format.type"),
    ({"tool_choice": "auto"}, "tool_choice"),
    ({"seed": "x"}, "seed"),
])
def test_invalid_parameters_are_400_naming_the_param(post, extra, param):
    response = post("chat", "chat/completions", {**HELLO, **extra})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param
    assert error["type"] == "invalid_request_error"
    assert error["message"]


def test_missing_messages_and_bad_json_are_400(post, http, engine):
    response = post("chat", "chat/completions", {})
    assert response.status_code == 400 and response.json()["error"]["param"] == "messages"
    garbage = http.post(CHAT, params={"api-version": API_VERSION}, content=b"{not json",
                        headers={**engine.api_headers, "content-type": "application/json"})
    assert garbage.status_code == 400
    assert "could not parse the JSON body" in garbage.json()["error"]["message"]


def test_json_schema_is_refused_by_a_model_without_structured_outputs(post):
    body = {**HELLO, "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}}
    response = post("gpt35", "chat/completions", body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "response_format"


def test_image_part_is_refused_by_a_model_without_vision(post):
    body = {"messages": [{"role": "user", "content": [{"type": "image_url",
                                                       "image_url": {"url": "data:image/png;base64,AAAA"}}]}]}
    response = post("gpt35", "chat/completions", body)
    assert response.status_code == 400
    assert "image_url is only supported by certain models" in response.json()["error"]["message"]


def test_operation_the_model_cannot_do_is_400_operation_not_supported(post):
    response = post("chat", "embeddings", {"input": "hello"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "OperationNotSupported"
    assert "embeddings operation does not work with the specified model, gpt-4o-mini" in error["message"]


def test_every_answer_carries_request_ids_and_rate_limit_headers(post):
    response = post("chat", "chat/completions", HELLO)
    assert response.headers["apim-request-id"] == response.headers["x-request-id"]
    assert int(response.headers["x-ratelimit-remaining-requests"]) >= 0
    assert int(response.headers["x-ratelimit-remaining-tokens"]) >= 0
    assert response.headers["x-engine-backend"] == "simulated"
    failed = post("nope", "chat/completions", HELLO)
    # No deployment, so no backend answered: the engine itself did.
    assert failed.headers["apim-request-id"] and failed.headers["x-engine-backend"] == "engine"


def test_unknown_path_is_azures_404(http):
    response = http.get("/openai/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "404", "message": "Resource not found"}}
