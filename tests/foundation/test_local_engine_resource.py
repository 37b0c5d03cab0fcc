"""The default "Local engine" resource: created once, with secrets Studio makes and hands the engine at start."""

import pytest
from openai import AzureOpenAI

from studio.resources.models import Resource
from studio.resources.services import LocalEngineSecrets, local_engine_resource_ensure, local_engine_secrets
from studio.resources.sync import resource_sync
from tests.engine_server import EngineServer

SECRETS = LocalEngineSecrets.generate()


@pytest.fixture(scope="module")
def local_engine():
    # As runstack does: the engine learns its keys from the environment, never from a file Studio reads.
    with EngineServer(env={"ENGINE_API_KEY": SECRETS.api_key, "ENGINE_ARM_TOKEN": SECRETS.arm_token}) as server:
        yield server.start()


def test_the_default_resource_talks_to_the_engine_with_its_stored_key(db, local_engine):
    resource = local_engine_resource_ensure(url=local_engine.url, engine_secrets=SECRETS)
    assert resource.kind == Resource.Kind.LOCAL_ENGINE and not resource.deployments.exists()
    resource_sync(resource)  # as runstack does once the engine answers: the engine says what it serves
    assert {d.name: d.model_name for d in resource.deployments.all()} == {
        "chat": "gpt-4o-mini", "embeddings": "text-embedding-3-small"}
    assert SECRETS.api_key not in resource.api_key_encrypted  # stored encrypted

    client = AzureOpenAI(azure_endpoint=resource.endpoint, api_key=resource.get_api_key(),
                         api_version=resource.api_version, max_retries=0)
    answer = client.chat.completions.create(
        model="chat", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}])
    assert answer.choices[0].message.content
    vectors = client.embeddings.create(model="embeddings", input=["one", "two"])
    assert len(vectors.data) == 2


def test_the_engine_is_started_with_the_secrets_its_resource_holds(db):
    resource = local_engine_resource_ensure(url="http://127.0.0.1:8765")
    again = local_engine_secrets("http://127.0.0.1:8765/")
    assert again == LocalEngineSecrets(api_key=resource.get_api_key(), arm_token=resource.get_arm_token())
    assert local_engine_secrets("http://127.0.0.1:9999") != again  # no resource there: fresh, unshared secrets


def test_it_is_created_only_when_studio_has_no_resource(db, local_engine):
    assert local_engine_resource_ensure(url=local_engine.url) is not None
    assert local_engine_resource_ensure(url=local_engine.url) is None
    assert Resource.objects.count() == 1


def test_it_is_not_added_beside_a_configured_cloud_resource(db, local_engine):
    Resource.objects.create(name="Contoso", endpoint="https://contoso.openai.azure.com")
    assert local_engine_resource_ensure(url=local_engine.url) is None
    assert not Resource.objects.filter(kind=Resource.Kind.LOCAL_ENGINE).exists()
