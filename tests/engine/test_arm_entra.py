"""Microsoft Entra ID tokens: registered with roles, accepted on the data plane and ARM, refused as Azure refuses."""

from __future__ import annotations

import io
import json
import time
import uuid

import httpx2
import openai
import pytest
from openai import AzureOpenAI

from engine.entra import principal_for
from engine.settings import EngineSettings, SettingsError
from tests.engine_server import API_VERSION, EngineServer

USER, CONTRIBUTOR = "Cognitive Services OpenAI User", "Cognitive Services OpenAI Contributor"
TOKEN_INVALID = {"statusCode": 401, "message": "Unauthorized. Access token is missing, invalid, audience is incorrect "
                 "(https://cognitiveservices.azure.com), or have expired."}
HELLO = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}


def register(engine: EngineServer, roles: list[str], audience: str = "data", **extra) -> str:
    token = f"test-{audience}-{uuid.uuid4().hex}"
    response = httpx2.post(f"{engine.url}/engine/admin/entra/tokens", headers=engine.arm_headers,
                           json={"token": token, "audience": audience, "roles": roles, **extra})
    assert response.status_code == 201, response.text
    return token


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def chat(http: httpx2.Client, token: str, deployment: str = "chat") -> httpx2.Response:
    return http.post(f"/openai/deployments/{deployment}/chat/completions", params={"api-version": API_VERSION},
                     json=HELLO, headers=bearer(token))


def test_the_openai_sdk_with_a_token_provider_reaches_the_deployment(engine):
    token = register(engine, [USER])
    calls = []

    def provider() -> str:
        calls.append(1)
        return token

    client = AzureOpenAI(azure_endpoint=engine.url, azure_ad_token_provider=provider, api_version=API_VERSION,
                         max_retries=0)
    answer = client.chat.completions.create(model="chat", messages=HELLO["messages"], max_tokens=5)
    assert answer.choices[0].message.content and calls  # the SDK asked the provider and the engine took its token


def test_a_token_without_an_openai_role_is_401_permission_denied_naming_the_data_action(engine, http):
    token = register(engine, ["Reader"], principal="11111111-2222-3333-4444-555555555555")
    response = chat(http, token)
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "PermissionDenied", "message": (
        "The principal `11111111-2222-3333-4444-555555555555` lacks the required data action "
        "`Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to perform "
        "`POST /openai/deployments/{deployment-id}/chat/completions` operation.")}}


def test_openai_user_may_infer_and_read_but_only_a_contributor_may_upload(engine, http):
    user, contributor = register(engine, [USER]), register(engine, [CONTRIBUTOR])
    assert chat(http, user).status_code == 200
    assert http.get("/openai/models", params={"api-version": API_VERSION}, headers=bearer(user)).status_code == 200
    files = {"purpose": (None, "fine-tune"), "file": ("t.jsonl", io.BytesIO(b'{"messages": []}\n'))}
    refused = http.post("/openai/files", params={"api-version": API_VERSION}, files=files, headers=bearer(user))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "PermissionDenied"
    assert "`Microsoft.CognitiveServices/accounts/OpenAI/files/import/action`" in refused.json()["error"]["message"]
    files["file"] = ("t.jsonl", io.BytesIO(b'{"messages": []}\n'))
    uploaded = http.post("/openai/files", params={"api-version": API_VERSION}, files=files,
                         headers=bearer(contributor))
    assert uploaded.status_code == 201


@pytest.mark.parametrize("case", ["expired", "arm audience", "unknown jwt"])
def test_unusable_tokens_get_azures_401_token_body(engine, http, case):
    if case == "expired":
        token = register(engine, [USER], expires_on=int(time.time()) - 10)
    elif case == "arm audience":
        token = register(engine, ["Cognitive Services Contributor"], audience="arm")
    else:
        token = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2lnbmF0dXJl"
    response = chat(http, token)
    assert response.status_code == 401 and response.json() == TOKEN_INVALID


def test_api_key_still_works_beside_entra(engine, http):
    response = http.post("/openai/deployments/chat/chat/completions", params={"api-version": API_VERSION},
                         json=HELLO, headers=engine.api_headers)
    assert response.status_code == 200


def test_arm_reader_may_read_but_writing_is_403_authorization_failed(engine):
    reader = register(engine, ["Reader"], audience="arm")
    url = f"{engine.arm_base}/deployments/entra-dep"
    params = {"api-version": "2025-09-01"}
    assert httpx2.get(f"{engine.arm_base}/deployments", params=params, headers=bearer(reader)).status_code == 200
    body = {"sku": {"name": "Standard", "capacity": 1}, "properties": {"model": {"format": "OpenAI",
                                                                              "name": "gpt-4o-mini"}}}
    refused = httpx2.put(url, params=params, json=body, headers=bearer(reader))
    assert refused.status_code == 403
    error = refused.json()["error"]
    principal = principal_for(reader)
    assert error["code"] == "AuthorizationFailed"
    assert error["message"].startswith(
        f"The client '{principal}' with object id '{principal}' does not have authorization to perform action "
        "'Microsoft.CognitiveServices/accounts/deployments/write' over scope '/subscriptions/")
    keys = httpx2.post(f"{engine.arm_base}/listKeys", params=params, headers=bearer(reader))
    assert keys.status_code == 403 and "'Microsoft.CognitiveServices/accounts/listKeys/action'" in keys.text


def test_arm_contributor_deploys_and_other_tokens_are_refused_as_arm_refuses(engine):
    contributor = register(engine, ["Cognitive Services Contributor"], audience="arm")
    params = {"api-version": "2025-09-01"}
    body = {"sku": {"name": "Standard", "capacity": 1}, "properties": {"model": {"format": "OpenAI",
                                                                              "name": "gpt-4o-mini"}}}
    created = httpx2.put(f"{engine.arm_base}/deployments/entra-ok", params=params, json=body,
                         headers=bearer(contributor))
    assert created.status_code == 201
    engine.delete_deployment("entra-ok")
    data_token = register(engine, [USER])
    wrong = httpx2.get(f"{engine.arm_base}/deployments", params=params, headers=bearer(data_token))
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"
    expired = register(engine, ["Owner"], audience="arm", expires_on=int(time.time()) - 60)
    late = httpx2.get(f"{engine.arm_base}/deployments", params=params, headers=bearer(expired))
    assert late.status_code == 401 and late.json()["error"]["code"] == "ExpiredAuthenticationToken"


def test_only_the_engines_own_arm_token_may_use_the_admin_api(engine):
    owner = register(engine, ["Owner"], audience="arm")
    url = f"{engine.url}/engine/admin/entra/tokens"
    assert httpx2.get(url, headers=bearer(owner)).status_code == 401
    listed = httpx2.get(url, headers=engine.arm_headers).json()["tokens"]
    assert {"token_end": owner[-4:], "audience": "arm", "roles": ["Owner"], "principal": principal_for(owner),
            "expires_on": None} in listed
    assert all("token" not in t for t in listed)  # the admin API never shows a token again


@pytest.mark.parametrize(("body", "words"), [
    ({"token": "short", "roles": [USER]}, "at least 8"),
    ({"token": "long-enough-token", "roles": ["Cognitive Services Wizard"]}, "unknown role"),
    ({"token": "long-enough-token", "roles": [USER], "audience": "graph"}, "audience"),
    ({"token": "long-enough-token", "roles": USER}, "list of roles"),
    ({"token": "long-enough-token", "roles": [USER], "scope": "x"}, "Unknown field 'scope'"),
])
def test_bad_token_registrations_are_400(engine, body, words):
    response = httpx2.post(f"{engine.url}/engine/admin/entra/tokens", headers=engine.arm_headers, json=body)
    assert response.status_code == 400 and words in response.json()["error"]["message"]


def test_removing_a_token_stops_it_at_once(engine, http):
    token = register(engine, [USER])
    assert chat(http, token).status_code == 200
    removed = httpx2.request("DELETE", f"{engine.url}/engine/admin/entra/tokens", headers=engine.arm_headers,
                             json={"token": token})
    assert removed.status_code == 204
    assert chat(http, token).status_code == 401


def test_tokens_from_the_environment_are_accepted_from_the_first_request():
    tokens = {"env-data-token-1": [USER], "env-data-token-2": {"roles": ["Reader"], "principal": "p-1"}}
    arm_tokens = {"env-arm-token-1": ["Cognitive Services Contributor"]}
    env = {"ENGINE_ENTRA_TOKENS": json.dumps(tokens), "ENGINE_ARM_TOKENS": json.dumps(arm_tokens)}
    with EngineServer(env=env) as engine, httpx2.Client(base_url=engine.url, timeout=30) as http:
        assert chat(http, "env-data-token-1").status_code == 200
        assert chat(http, "env-data-token-2").json()["error"]["code"] == "PermissionDenied"
        deployments = httpx2.get(f"{engine.arm_base}/deployments", params={"api-version": "2025-09-01"},
                                 headers=bearer("env-arm-token-1"))
        assert {d["name"] for d in deployments.json()["value"]} == {"chat", "embeddings"}


@pytest.mark.parametrize(("name", "value", "words"), [
    ("ENGINE_ENTRA_TOKENS", "not json", "ENGINE_ENTRA_TOKENS must be a JSON object"),
    ("ENGINE_ARM_TOKENS", '{"a-long-token": "Owner"}', "ENGINE_ARM_TOKENS each token needs a list of roles"),
    ("ENGINE_ENTRA_TOKENS", '{"a-long-token": ["Cognitive Services Wizard"]}', "unknown role"),
])
def test_malformed_token_settings_stop_the_engine_with_a_message(name, value, words):
    with pytest.raises(SettingsError, match=words):
        EngineSettings.from_env({name: value})


def test_a_key_refusal_is_not_mistaken_for_a_token_refusal(sdk, engine):
    client = AzureOpenAI(azure_endpoint=engine.url, api_key="0" * 32, api_version=API_VERSION, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as refused:
        client.chat.completions.create(model="chat", messages=HELLO["messages"])
    assert refused.value.body["code"] == "401"
