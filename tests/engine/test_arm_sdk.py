"""The ARM surface through the official management SDK (azure-mgmt-cognitiveservices 14.x, api-version 2025-09-01)
and its long-running-operation pollers, as Studio and people's scripts drive it."""

from __future__ import annotations

import time

import httpx2
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (
    CustomBlocklistConfig,
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    PatchResourceTagsAndSku,
    RaiBlocklist,
    RaiBlocklistItem,
    RaiBlocklistItemBulkRequest,
    RaiBlocklistItemProperties,
    RaiBlocklistProperties,
    RaiPolicy,
    RaiPolicyContentFilter,
    RaiPolicyProperties,
    Sku,
)
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

from tests.engine_server import ACCOUNT, RESOURCE_GROUP, SUBSCRIPTION, EngineServer

ARM_SCOPE = "https://management.azure.com/.default"
MINI = DeploymentModel(format="OpenAI", name="gpt-4o-mini", version="2024-07-18")
HELLO = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}


class StaticCredential:
    """A TokenCredential handing out one token the engine knows; it records the scopes it was asked for."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


class LoopbackBearerPolicy(ARMChallengeAuthenticationPolicy):
    """azure-core refuses to send a bearer token over plain http; the engine listens on http on loopback, so these
    tests set azure-core's own per-request option `enforce_https=False` on every request (pollers and pagers too)."""

    def on_request(self, request):  # type: ignore[no-untyped-def]
        request.context.options["enforce_https"] = False
        super().on_request(request)


def management_client(engine: EngineServer, credential: StaticCredential) -> CognitiveServicesManagementClient:
    return CognitiveServicesManagementClient(
        credential, SUBSCRIPTION, base_url=engine.url,
        authentication_policy=LoopbackBearerPolicy(credential, ARM_SCOPE))


@pytest.fixture(scope="module")
def credential(engine: EngineServer) -> StaticCredential:
    return StaticCredential(engine.arm_token)


@pytest.fixture(scope="module")
def client(engine: EngineServer, credential: StaticCredential) -> CognitiveServicesManagementClient:
    return management_client(engine, credential)


def chat(post, deployment: str) -> httpx2.Response:
    return post(deployment, "chat/completions", HELLO)


def new_deployment(sku: str = "GlobalStandard", capacity: int = 5, model: DeploymentModel = MINI,
                   policy: str | None = None) -> Deployment:
    return Deployment(sku=Sku(name=sku, capacity=capacity),
                      properties=DeploymentProperties(model=model, rai_policy_name=policy))


def test_the_sdk_speaks_2025_09_01_with_the_management_scope(client, credential):
    assert client._config.api_version == "2025-09-01"
    account = client.accounts.get(RESOURCE_GROUP, ACCOUNT)
    assert account.kind == "OpenAI" and account.properties.provisioning_state == "Succeeded"
    assert credential.scopes and set(credential.scopes) == {ARM_SCOPE}


def test_create_scale_and_delete_with_the_sdks_pollers(client, engine, post):
    created = client.deployments.begin_create_or_update(RESOURCE_GROUP, ACCOUNT, "sdk-life",
                                                        new_deployment(capacity=5)).result()
    assert created.properties.provisioning_state == "Succeeded"
    assert created.sku.capacity == 5 and created.properties.model.name == "gpt-4o-mini"
    assert chat(post, "sdk-life").status_code == 200

    scaled = client.deployments.begin_update(RESOURCE_GROUP, ACCOUNT, "sdk-life", PatchResourceTagsAndSku(
        sku=Sku(name="GlobalStandard", capacity=9))).result()
    assert scaled.sku.capacity == 9 and scaled.properties.provisioning_state == "Succeeded"
    assert {r.key: r.count for r in scaled.properties.rate_limits} == {"request": 54, "token": 9000}
    answer = chat(post, "sdk-life")  # the data plane's limits follow the new capacity
    assert answer.status_code == 200 and int(answer.headers["x-ratelimit-remaining-tokens"]) > 5000

    client.deployments.begin_delete(RESOURCE_GROUP, ACCOUNT, "sdk-life").result()
    gone = chat(post, "sdk-life")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "DeploymentNotFound"
    assert "sdk-life" not in {d.name for d in client.deployments.list(RESOURCE_GROUP, ACCOUNT)}


def test_the_operation_status_resource_moves_from_in_progress_to_succeeded(engine):
    response = engine.arm("PUT", "/deployments/op-watch", json={
        "sku": {"name": "Standard", "capacity": 2}, "properties": {"model": {"format": "OpenAI",
                                                                             "name": "gpt-4o-mini"}}})
    try:
        assert response.status_code == 201 and response.json()["properties"]["provisioningState"] == "Creating"
        assert response.headers["retry-after"] == "1"
        status_url, result_url = response.headers["azure-asyncoperation"], response.headers["location"]
        headers = engine.arm_headers
        running = httpx2.get(status_url, headers=headers).json()
        assert running["status"] == "InProgress" and "endTime" not in running and running["startTime"]
        assert httpx2.get(result_url, headers=headers).status_code == 202
        time.sleep(0.6)  # the session engine provisions in 0.5 s
        done = httpx2.get(status_url, headers=headers).json()
        assert done["status"] == "Succeeded" and done["endTime"] >= done["startTime"]
        assert done["name"] in status_url and done["id"].endswith(f"/operationStatuses/{done['name']}")
        final = httpx2.get(result_url, headers=headers)
        assert final.status_code == 200 and final.json()["properties"]["provisioningState"] == "Succeeded"
    finally:
        engine.delete_deployment("op-watch")


def test_an_injected_failure_ends_the_create_operation_failed_with_the_engines_message(client, engine, post):
    poller = client.deployments.begin_create_or_update(RESOURCE_GROUP, ACCOUNT, "sdk-doomed", new_deployment(),
                                                       headers={"x-engine-faults": "lro_fail=1"})
    with pytest.raises(HttpResponseError) as failed:
        poller.result()
    assert "Failed to create deployment 'sdk-doomed'" in failed.value.message
    assert failed.value.error.code == "InternalServerError"
    assert poller.status() == "Failed"
    stored = client.deployments.get(RESOURCE_GROUP, ACCOUNT, "sdk-doomed")
    assert stored.properties.provisioning_state == "Failed"
    assert chat(post, "sdk-doomed").status_code == 404  # a failed deployment never answers
    client.deployments.begin_delete(RESOURCE_GROUP, ACCOUNT, "sdk-doomed").result()


def test_a_name_with_the_failure_trigger_fails_provisioning_without_any_header(client):
    with pytest.raises(HttpResponseError, match="Failed to create deployment"):
        client.deployments.begin_create_or_update(RESOURCE_GROUP, ACCOUNT, "engine-test-fail-provisioning-1",
                                                  new_deployment()).result()
    client.deployments.begin_delete(RESOURCE_GROUP, ACCOUNT, "engine-test-fail-provisioning-1").result()


def test_admin_faults_fail_a_scale_and_a_delete_and_change_nothing(client, engine, post):
    client.deployments.begin_create_or_update(RESOURCE_GROUP, ACCOUNT, "sdk-sturdy",
                                              new_deployment(capacity=4)).result()
    admin = f"{engine.url}/engine/admin/deployments/sdk-sturdy/faults"
    assert httpx2.put(admin, json={"lro_fail": 1}, headers=engine.arm_headers).status_code == 200
    try:
        with pytest.raises(HttpResponseError, match="Failed to update deployment 'sdk-sturdy'"):
            client.deployments.begin_update(RESOURCE_GROUP, ACCOUNT, "sdk-sturdy", PatchResourceTagsAndSku(
                sku=Sku(name="GlobalStandard", capacity=8))).result()
        with pytest.raises(HttpResponseError, match="Failed to delete deployment 'sdk-sturdy'"):
            client.deployments.begin_delete(RESOURCE_GROUP, ACCOUNT, "sdk-sturdy").result()
        kept = client.deployments.get(RESOURCE_GROUP, ACCOUNT, "sdk-sturdy")
        assert kept.sku.capacity == 4 and kept.properties.provisioning_state == "Succeeded"
        assert chat(post, "sdk-sturdy").status_code == 200
    finally:
        httpx2.delete(admin, headers=engine.arm_headers)
        client.deployments.begin_delete(RESOURCE_GROUP, ACCOUNT, "sdk-sturdy").result()


def test_quota_refusal_is_synchronous_400_insufficient_quota(client):
    model = DeploymentModel(format="OpenAI", name="gpt-4.1", version="2025-04-14")
    client.deployments.begin_create_or_update(RESOURCE_GROUP, ACCOUNT, "sdk-hog",
                                              new_deployment(capacity=900, model=model)).result()
    try:
        with pytest.raises(HttpResponseError) as refused:
            client.deployments.begin_create_or_update(RESOURCE_GROUP, ACCOUNT, "sdk-greedy",
                                                      new_deployment(capacity=150, model=model))
        assert refused.value.status_code == 400 and refused.value.error.code == "InsufficientQuota"
        assert refused.value.error.message.startswith(
            "This operation require 150 new capacity in quota Tokens Per Minute (thousands) - gpt-4.1 - "
            "GlobalStandard, which is bigger than the current available capacity 100.")
        with pytest.raises(HttpResponseError, match="InsufficientQuota"):  # scaling up is checked the same way
            client.deployments.begin_update(RESOURCE_GROUP, ACCOUNT, "sdk-hog", PatchResourceTagsAndSku(
                sku=Sku(name="GlobalStandard", capacity=1001)))
    finally:
        client.deployments.begin_delete(RESOURCE_GROUP, ACCOUNT, "sdk-hog").result()


@pytest.mark.parametrize(("sku", "capacity", "model", "code", "words"), [
    ("GlobalStandard", 5, DeploymentModel(format="OpenAI", name="gpt-9"), "DeploymentModelNotSupported",
     "Name:gpt-9"),
    ("DeveloperTier", 5, MINI, "InvalidResourceProperties", "Supported SKUs"),
    ("GlobalProvisionedManaged", 17, DeploymentModel(format="OpenAI", name="gpt-5", version="2025-08-07"),
     "InvalidCapacity", "from 15 to 1000 in steps of 5"),
])
def test_bad_model_sku_or_capacity_is_400_with_a_clear_message(client, sku, capacity, model, code, words):
    with pytest.raises(HttpResponseError) as refused:
        client.deployments.begin_create_or_update(RESOURCE_GROUP, ACCOUNT, "sdk-bad", new_deployment(
            sku=sku, capacity=capacity, model=model))
    assert refused.value.status_code == 400 and refused.value.error.code == code
    assert words in refused.value.message


def test_catalogs_and_usages_through_the_sdk(client):
    account_models = {(m.name, m.version): m for m in client.accounts.list_models(RESOURCE_GROUP, ACCOUNT)}
    gpt5 = account_models[("gpt-5", "2025-08-07")]
    assert gpt5.capabilities["chatCompletion"] == "true" and gpt5.lifecycle_status == "GenerallyAvailable"
    assert gpt5.deprecation.inference == "2027-02-06T00:00:00Z"
    assert {s.name for s in gpt5.skus} >= {"GlobalStandard", "DataZoneStandard", "GlobalProvisionedManaged"}
    regional = {(m.model.name, m.model.version) for m in client.models.list("local")}
    assert ("gpt-5.4-mini", "2026-03-17") in regional and ("gpt-4o-mini", "2024-07-18") in regional
    usages = {u.name.value: u for u in client.accounts.list_usages(RESOURCE_GROUP, ACCOUNT).value}
    assert usages["OpenAI.GlobalStandard.gpt-4o-mini"].current_value >= 30  # the seeded `chat` deployment
    located = {u.name.value: u for u in client.usages.list("local")}
    assert located["OpenAI.GlobalStandard.gpt-5"].limit == 1000


def test_usages_follow_deployed_capacity(client):
    def used() -> float:
        usages = client.accounts.list_usages(RESOURCE_GROUP, ACCOUNT).value
        return next(u.current_value for u in usages if u.name.value == "OpenAI.GlobalStandard.gpt-5-nano")

    before = used()
    model = DeploymentModel(format="OpenAI", name="gpt-5-nano", version="2025-08-07")
    client.deployments.begin_create_or_update(RESOURCE_GROUP, ACCOUNT, "sdk-nano",
                                              new_deployment(capacity=70, model=model)).result()
    assert used() == before + 70
    client.deployments.begin_delete(RESOURCE_GROUP, ACCOUNT, "sdk-nano").result()
    assert used() == before


def test_blocklists_made_through_arm_block_prompts_of_deployments_whose_policy_names_them(client, engine, post):
    client.rai_blocklists.create_or_update(RESOURCE_GROUP, ACCOUNT, "sdk-words", RaiBlocklist(
        properties=RaiBlocklistProperties(description="terms our lawyers dislike")))
    client.rai_blocklist_items.create_or_update(RESOURCE_GROUP, ACCOUNT, "sdk-words", "plain", RaiBlocklistItem(
        properties=RaiBlocklistItemProperties(pattern="frobnicator", is_regex=False)))
    client.rai_blocklist_items.batch_add(RESOURCE_GROUP, ACCOUNT, "sdk-words", [RaiBlocklistItemBulkRequest(
        name="codes", properties=RaiBlocklistItemProperties(pattern=r"project-\d{3}", is_regex=True))])
    items = {i.name: i.properties.pattern for i in client.rai_blocklist_items.list(RESOURCE_GROUP, ACCOUNT,
                                                                                   "sdk-words")}
    assert items == {"plain": "frobnicator", "codes": r"project-\d{3}"}
    client.rai_policies.create_or_update(RESOURCE_GROUP, ACCOUNT, "sdk-strict", RaiPolicy(
        properties=RaiPolicyProperties(base_policy_name="Microsoft.DefaultV2", mode="Blocking", content_filters=[
            RaiPolicyContentFilter(name="Hate", enabled=True, blocking=True, severity_threshold="Medium",
                                   source="Prompt")],
            custom_blocklists=[CustomBlocklistConfig(blocklist_name="sdk-words", blocking=True, source="Prompt")])))
    client.deployments.begin_create_or_update(RESOURCE_GROUP, ACCOUNT, "sdk-guarded", new_deployment()).result()
    try:
        said = {"messages": [{"role": "user", "content": "Tell me about Project-042 please"}], "max_tokens": 5}
        assert post("sdk-guarded", "chat/completions", said).status_code == 200  # DefaultV2 knows no such list
        client.deployments.begin_update(RESOURCE_GROUP, ACCOUNT, "sdk-guarded", PatchResourceTagsAndSku(
            sku=Sku(name="GlobalStandard", capacity=5))).result()
        engine.arm("PATCH", "/deployments/sdk-guarded", json={"properties": {"raiPolicyName": "sdk-strict"}})
        blocked = post("sdk-guarded", "chat/completions", said)
        assert blocked.status_code == 400 and blocked.json()["error"]["code"] == "content_filter"
        lists = blocked.json()["error"]["innererror"]["content_filter_result"]["custom_blocklists"]
        assert lists == [{"id": "sdk-words", "filtered": True}]
        client.rai_blocklist_items.batch_delete(RESOURCE_GROUP, ACCOUNT, "sdk-words", ["codes"])
        assert post("sdk-guarded", "chat/completions", said).status_code == 200  # the item is gone at once
    finally:
        client.deployments.begin_delete(RESOURCE_GROUP, ACCOUNT, "sdk-guarded").result()
    with pytest.raises(HttpResponseError) as in_use:
        client.rai_blocklists.begin_delete(RESOURCE_GROUP, ACCOUNT, "sdk-words").result()
    assert in_use.value.status_code == 409
    client.rai_policies.begin_delete(RESOURCE_GROUP, ACCOUNT, "sdk-strict").result()
    client.rai_blocklist_items.begin_delete(RESOURCE_GROUP, ACCOUNT, "sdk-words", "plain").result()
    client.rai_blocklists.begin_delete(RESOURCE_GROUP, ACCOUNT, "sdk-words").result()
    assert "sdk-words" not in {b.name for b in client.rai_blocklists.list(RESOURCE_GROUP, ACCOUNT)}


@pytest.mark.slow
def test_deployments_list_pages_through_next_link():
    with EngineServer() as engine:
        with httpx2.Client(timeout=30) as http:
            for i in range(250):
                http.put(f"{engine.arm_base}/deployments/page-{i:03d}", params={"api-version": "2025-09-01"},
                         headers=engine.arm_headers, json={"sku": {"name": "GlobalStandard", "capacity": 1},
                                                           "properties": {"model": {"format": "OpenAI",
                                                                                    "name": "gpt-5-nano"}}},
                         ).raise_for_status()
        client = management_client(engine, StaticCredential(engine.arm_token))
        pages = [list(page) for page in client.deployments.list(RESOURCE_GROUP, ACCOUNT).by_page()]
        assert [len(p) for p in pages] == [100, 100, 52]  # 250 plus the two seeded ones
        names = [d.name for page in pages for d in page]
        assert len(set(names)) == 252 and names[-1] == "page-249"
