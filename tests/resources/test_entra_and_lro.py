"""Microsoft Entra ID with a credential the test controls (the engine knows its tokens and their roles), and ARM's
long-running operations: progress, and a failure that ends with ARM's own message."""

from __future__ import annotations

import time

import httpx2
import pytest
from azure.core.credentials import AccessToken

from studio.resources import operations, sync
from studio.resources.models import Operation, Resource
from studio.upstream import credentials, probe
from studio.upstream.dataplane import client_for, translated_errors
from studio.upstream.errors import UpstreamPermissionError

DATA_TOKEN, ARM_TOKEN = "data-token-for-studio-tests-0001", "arm-token-for-studio-tests-0001"
READER_DATA, READER_ARM = "data-token-without-a-data-role-01", "arm-token-that-only-reads-00001"


class RecordingCredential:
    """A TokenCredential as azure-identity's are: get_token(scope) -> AccessToken; it records the scopes asked."""

    def __init__(self, data_token: str, arm_token: str) -> None:
        self.tokens = {credentials.COGNITIVE_SERVICES_SCOPE: data_token, credentials.MANAGEMENT_SCOPE: arm_token}
        self.scopes: list[str] = []

    def get_token(self, *scopes, **kwargs) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken(self.tokens[scopes[0]], int(time.time()) + 3600)

    def get_token_info(self, *scopes, options=None):
        from azure.core.credentials import AccessTokenInfo

        token = self.get_token(*scopes)
        return AccessTokenInfo(token.token, token.expires_on)


@pytest.fixture(scope="module")
def registered(engine):
    for token, audience, roles in ((DATA_TOKEN, "data", ["Cognitive Services OpenAI User"]),
                                   (ARM_TOKEN, "arm", ["Cognitive Services Contributor"]),
                                   (READER_DATA, "data", ["Reader"]), (READER_ARM, "arm", ["Reader"])):
        response = httpx2.post(f"{engine.url}/engine/admin/entra/tokens", headers=engine.arm_headers,
                               json={"token": token, "audience": audience, "roles": roles})
        assert response.status_code in (200, 201), response.text
    return engine


@pytest.fixture
def entra_resource(db, registered):
    made: list[Resource] = []

    def make(credential) -> Resource:
        resource = Resource.objects.create(
            name=f"Entra {id(credential)}", kind="azure_openai", endpoint=registered.url, auth="entra_id",
            arm_endpoint=registered.url, subscription_id="00000000-0000-0000-0000-000000000000",
            resource_group="studio-local", account_name="local-engine", allow_http_loopback=True)
        credentials.install_credential(resource, credential)
        made.append(resource)
        return resource

    yield make
    for resource in made:  # ids are reused after a rolled-back test: leave no credential behind
        credentials.install_credential(resource, None)


def test_entra_tokens_reach_the_engine_with_the_right_scope_for_each_plane(entra_resource):
    credential = RecordingCredential(DATA_TOKEN, ARM_TOKEN)
    resource = entra_resource(credential)
    checks = probe.probe(resource)
    assert [c.ok for c in checks] == [True, True], [c.message for c in checks]
    with translated_errors(resource):
        answer = client_for(resource).chat.completions.create(
            model="chat", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
    assert answer.choices[0].message.content
    assert credentials.COGNITIVE_SERVICES_SCOPE in credential.scopes
    assert credentials.MANAGEMENT_SCOPE in credential.scopes
    sync.resource_sync(resource)
    assert resource.deployments.filter(name="chat").exists()


def test_a_missing_data_role_is_named(entra_resource):
    resource = entra_resource(RecordingCredential(READER_DATA, READER_ARM))
    with pytest.raises(UpstreamPermissionError, match="needs the role Cognitive Services OpenAI User"):
        with translated_errors(resource):
            client_for(resource, max_retries=0).chat.completions.create(
                model="chat", messages=[{"role": "user", "content": "Hi"}])


def test_a_missing_arm_role_fails_the_operation_and_names_the_role(entra_resource, admin_user):
    resource = entra_resource(RecordingCredential(DATA_TOKEN, READER_ARM))
    assert probe.probe(resource)[1].ok  # reading is allowed
    operation = operations.operation_request(resource, kind=Operation.Kind.DEPLOYMENT_UPDATE, target="chat",
                                             body={"sku": {"name": "GlobalStandard", "capacity": 31}}, user=admin_user)
    finished = operations.operation_run(operation.pk)
    assert finished.status == "failed"
    assert "AuthorizationFailed" in finished.message or "does not have authorization" in finished.message
    assert "Cognitive Services Contributor" in finished.message


def test_a_long_running_operation_that_fails_ends_with_arms_message(engine, engine_resource, admin_user):
    resource = engine_resource()
    states: list[str] = []
    original = operations._progress
    operations._progress = lambda operation, state: (states.append(state), original(operation, state))
    try:
        body = operations.deployment_body(model="text-embedding-3-small", version="1", sku="Standard", capacity=1)
        failed = operations.operation_request(resource, kind=Operation.Kind.DEPLOYMENT_CREATE,
                                              target="x-engine-test-fail-provisioning", body=body, user=admin_user)
        finished = operations.operation_run(failed.pk)
    finally:
        operations._progress = original
    assert finished.status == "failed"
    assert "the operation failed in the backend" in finished.message
    assert states[0] == "InProgress" and states[-1] == "Failed"
    assert "/operationStatuses/" in Operation.objects.get(pk=failed.pk).operation_url
