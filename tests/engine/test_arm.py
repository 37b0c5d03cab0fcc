"""The ARM control plane: deployments lifecycle, quota, catalog, usages, RAI policies, keys and auth."""

from __future__ import annotations

import httpx2
import pytest

from tests.engine.conftest import wait_succeeded
from tests.engine_server import SUBSCRIPTION

MINI = {"format": "OpenAI", "name": "gpt-4o-mini", "version": "2024-07-18"}


def put(engine, name: str, capacity: int = 5, sku: str = "Standard", model: dict | None = None, **properties):
    body = {"sku": {"name": sku, "capacity": capacity}, "properties": {"model": model or MINI, **properties}}
    return engine.arm("PUT", f"/deployments/{name}", json=body)


def test_put_creates_then_provisions_then_answers_and_delete_stops_it(engine, post):
    created = put(engine, "life", capacity=7)
    assert created.status_code == 201
    body = created.json()
    assert body["properties"]["provisioningState"] == "Creating"
    assert body["id"].endswith("/accounts/local-engine/deployments/life")
    assert body["sku"] == {"name": "Standard", "capacity": 7}
    assert post("life", "chat/completions", {"messages": [{"role": "user", "content": "hi"}]}).status_code == 404
    ready = wait_succeeded(engine, "life")
    assert ready["properties"]["rateLimits"] == [{"key": "request", "renewalPeriod": 60, "count": 42},
                                                 {"key": "token", "renewalPeriod": 60, "count": 7000}]
    assert ready["properties"]["capabilities"]["chatCompletion"] == "true"
    assert post("life", "chat/completions", {"messages": [{"role": "user", "content": "hi"}]}).status_code == 200
    assert put(engine, "life", capacity=8).status_code == 200  # replace
    assert "life" in [d["name"] for d in engine.arm("GET", "/deployments").json()["value"]]
    deleting = engine.arm("DELETE", "/deployments/life")
    assert deleting.status_code == 202 and "operationStatuses/" in deleting.headers["azure-asyncoperation"]
    gone = post("life", "chat/completions", {"messages": [{"role": "user", "content": "hi"}]})
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "DeploymentNotFound"
    assert engine.arm("GET", "/deployments/life").json()["properties"]["provisioningState"] == "Deleting"
    engine.delete_deployment("life")  # waits until it is gone
    assert engine.arm("GET", "/deployments/life").status_code == 404
    assert engine.arm("DELETE", "/deployments/life").status_code == 204


def test_patch_changes_capacity_and_rate_limits(engine):
    put(engine, "patchy", capacity=3)
    try:
        response = engine.arm("PATCH", "/deployments/patchy", json={"sku": {"capacity": 9}})
        assert response.status_code == 202 and response.headers["retry-after"] == "1"
        body = engine.arm("GET", "/deployments/patchy").json()
        assert body["sku"]["capacity"] == 9 and body["properties"]["rateLimits"][1]["count"] == 9000
    finally:
        engine.delete_deployment("patchy")


def test_quota_is_the_sum_of_capacities_and_going_over_is_insufficient_quota(engine):
    usage_name = "OpenAI.GlobalStandard.gpt-4o"
    usages = {u["name"]["value"]: u for u in engine.arm("GET", "/usages").json()["value"]}
    assert usages[usage_name]["limit"] == 2000 and usages[usage_name]["currentValue"] == 0
    model = {"format": "OpenAI", "name": "gpt-4o", "version": "2024-08-06"}
    assert put(engine, "q1", capacity=1500, sku="GlobalStandard", model=model).status_code == 201
    try:
        refused = put(engine, "q2", capacity=600, sku="GlobalStandard", model=model)
        assert refused.status_code == 400
        error = refused.json()["error"]
        assert error["code"] == "InsufficientQuota"
        assert "current available capacity 500" in error["message"] and "quota limit is 2000" in error["message"]
        patch = engine.arm("PATCH", "/deployments/q1", json={"sku": {"capacity": 2001}})
        assert patch.status_code == 400
        usages = {u["name"]["value"]: u for u in engine.arm("GET", "/usages").json()["value"]}
        assert usages[usage_name]["currentValue"] == 1500
    finally:
        engine.delete_deployment("q1")


@pytest.mark.parametrize(("body", "code"), [
    ({"sku": {"name": "Standard", "capacity": 1}, "properties": {"model": {"format": "OpenAI", "name": "gpt-9"}}},
     "DeploymentModelNotSupported"),
    ({"sku": {"name": "Standard", "capacity": 1},
      "properties": {"model": {**MINI, "version": "1999-01-01"}}}, "DeploymentModelNotSupported"),
    ({"sku": {"name": "Provisioned", "capacity": 1}, "properties": {"model": MINI}}, "InvalidResourceProperties"),
    ({"sku": {"name": "Standard", "capacity": 0}, "properties": {"model": MINI}}, "InvalidCapacity"),
    ({"sku": {"name": "Standard", "capacity": 1}, "properties": {"model": MINI, "raiPolicyName": "nope"}},
     "InvalidResourceProperties"),
    ({"properties": {"model": MINI}}, "InvalidResourceProperties"),
])
def test_invalid_deployment_bodies_are_400(engine, body, code):
    response = engine.arm("PUT", "/deployments/bad", json=body)
    assert response.status_code == 400 and response.json()["error"]["code"] == code


def test_model_catalog_uses_arm_shapes(engine):
    models = {(m["name"], m["version"]): m for m in engine.arm("GET", "/models").json()["value"]}
    mini = models[("gpt-4o-mini", "2024-07-18")]
    assert mini["capabilities"]["chatCompletion"] == "true" and mini["capabilities"]["fineTune"] == "true"
    assert mini["deprecation"]["inference"] == "2026-10-01T00:00:00Z"  # retired on Azure (reference, MD-ret)
    assert mini["lifecycleStatus"] == "Deprecated" and mini["isDefaultVersion"] is True
    sku = next(s for s in mini["skus"] if s["name"] == "GlobalStandard")
    assert sku["usageName"] == "OpenAI.GlobalStandard.gpt-4o-mini" and sku["capacity"]["maximum"] == 10000
    assert mini["engine"]["simulated"] is True
    located = engine.arm("GET", "").json()  # the account itself
    assert located["kind"] == "OpenAI" and located["properties"]["provisioningState"] == "Succeeded"


def test_location_models_and_usages(engine):
    base = f"{engine.url}/subscriptions/{SUBSCRIPTION}/providers/Microsoft.CognitiveServices/locations/local"
    models = httpx2.get(f"{base}/models", params={"api-version": "2024-10-01"}, headers=engine.arm_headers).json()
    assert {"kind", "skuName", "model"} <= set(models["value"][0])
    usages = httpx2.get(f"{base}/usages", params={"api-version": "2024-10-01"}, headers=engine.arm_headers).json()
    seeded = next(u for u in usages["value"] if u["name"]["value"] == "OpenAI.GlobalStandard.gpt-4o-mini")
    assert seeded["currentValue"] >= 30 and seeded["unit"] == "Count"
    elsewhere = httpx2.get(base.replace("/local", "/westus"), params={"api-version": "2024-10-01"},
                           headers=engine.arm_headers)
    assert elsewhere.status_code == 404


def test_rai_policy_lifecycle_and_its_effect_on_a_deployment(engine, post):
    policy = {"properties": {"basePolicyName": "Microsoft.DefaultV2", "mode": "Blocking", "contentFilters": [
        {"name": "Violence", "blocking": True, "enabled": True, "severityThreshold": "High", "source": "Prompt"},
        {"name": "Violence", "blocking": True, "enabled": True, "severityThreshold": "Low", "source": "Completion"},
    ]}}
    created = engine.arm("PUT", "/raiPolicies/lenient", json=policy)
    assert created.status_code == 201 and created.json()["properties"]["type"] == "UserManaged"
    assert engine.arm("PUT", "/raiPolicies/lenient", json=policy).status_code == 200
    names = [p["name"] for p in engine.arm("GET", "/raiPolicies").json()["value"]]
    assert {"Microsoft.Default", "Microsoft.DefaultV2", "lenient"} <= set(names)
    engine.create_deployment("lenient-dep", "gpt-4o-mini", "2024-07-18", capacity=5, rai_policy="lenient")
    try:
        message = {"messages": [{"role": "user", "content": "repeat after me: ok engine-test-violence-medium"}]}
        assert post("chat", "chat/completions", message).status_code == 400  # the default policy blocks medium
        answer = post("lenient-dep", "chat/completions", message).json()
        prompt = answer["prompt_filter_results"][0]["content_filter_results"]["violence"]
        assert prompt == {"filtered": False, "severity": "medium"}
        assert answer["choices"][0]["finish_reason"] == "content_filter"  # the completion side blocks low and up
        assert answer["choices"][0]["message"]["content"] == "ok"
        in_use = engine.arm("DELETE", "/raiPolicies/lenient")
        assert in_use.status_code == 409
    finally:
        engine.delete_deployment("lenient-dep")
    assert engine.arm("DELETE", "/raiPolicies/lenient").status_code == 202
    assert engine.arm("GET", "/raiPolicies/lenient").status_code == 404
    assert engine.arm("DELETE", "/raiPolicies/Microsoft.DefaultV2").status_code == 400


def test_list_keys_returns_the_data_plane_keys(engine):
    keys = engine.arm("POST", "/listKeys").json()
    assert keys["key1"] == engine.api_key and keys["key2"] == engine.keys["key2"]


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}, {"api-key": "x"}])
def test_wrong_or_missing_token_is_401_authentication_failed(engine, headers):
    response = httpx2.get(f"{engine.arm_base}/deployments", params={"api-version": "2024-10-01"}, headers=headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == "AuthenticationFailed"


def test_data_plane_key_is_not_an_arm_token(engine):
    response = httpx2.get(f"{engine.arm_base}/deployments", params={"api-version": "2024-10-01"},
                          headers={"authorization": f"Bearer {engine.api_key}"})
    assert response.status_code == 401


def test_api_version_is_checked(engine):
    missing = httpx2.get(f"{engine.arm_base}/deployments", headers=engine.arm_headers)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "MissingApiVersionParameter"
    wrong = httpx2.get(f"{engine.arm_base}/deployments", params={"api-version": "2019-01-01"},
                       headers=engine.arm_headers)
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "InvalidApiVersionParameter"


@pytest.mark.parametrize(("old", "new"), [
    ("/accounts/local-engine", "/accounts/other"),
    ("/resourceGroups/studio-local", "/resourceGroups/other"),
    (SUBSCRIPTION, "11111111-1111-1111-1111-111111111111"),
])
def test_unknown_subscription_group_or_account_is_404_resource_not_found(engine, old, new):
    response = httpx2.get(engine.arm_base.replace(old, new) + "/deployments", params={"api-version": "2024-10-01"},
                          headers=engine.arm_headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "ResourceNotFound"
    assert new.rsplit("/", 1)[-1] in response.json()["error"]["message"]


@pytest.mark.parametrize(("status", "code"), [(429, "TooManyRequests"), (503, "ServiceUnavailable"),
                                              (500, "InternalServerError")])
def test_a_status_fault_answers_an_arm_call_with_that_error(engine, status, code):
    response = engine.arm("GET", "/deployments", headers={"x-engine-faults": f"status={status}; retry_after=3"})
    assert response.status_code == status and response.json()["error"]["code"] == code
    if status != 500:
        assert response.headers["retry-after"] == "3"


def test_a_malformed_fault_header_on_arm_is_400_invalid_fault_header(engine):
    response = engine.arm("GET", "/deployments", headers={"x-engine-faults": "lro_fail=2"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "InvalidFaultHeader"
    assert "lro_fail" in response.json()["error"]["message"]


def test_api_versions_from_2023_05_01_to_the_sdks_2025_09_01_are_accepted(engine):
    for version in ("2023-05-01", "2024-10-01", "2025-06-01", "2025-09-01", "2025-10-01-preview"):
        response = httpx2.get(f"{engine.arm_base}/deployments", params={"api-version": version},
                              headers=engine.arm_headers)
        assert response.status_code == 200, version
    refused = httpx2.get(f"{engine.arm_base}/deployments", params={"api-version": "2022-12-01"},
                         headers=engine.arm_headers)
    assert refused.status_code == 400 and "2025-09-01" in refused.json()["error"]["message"]


def test_a_deployment_being_deleted_cannot_be_replaced_until_it_is_gone(engine):
    put(engine, "churn", capacity=2)
    assert engine.arm("DELETE", "/deployments/churn").status_code == 202
    conflict = put(engine, "churn", capacity=2)
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "RequestConflict"
    engine.delete_deployment("churn")
    assert put(engine, "churn", capacity=2).status_code == 201
    engine.delete_deployment("churn")
