"""The default "Local engine" resource: created once, with the engine's own key, and usable over real HTTP."""

import pytest
from openai import AzureOpenAI

from studio.resources.models import Deployment, Resource
from studio.resources.services import local_engine_resource_ensure
from tests.engine_server import EngineServer


@pytest.fixture(scope="module")
def local_engine():
    with EngineServer() as server:
        yield server.start()


def test_the_default_resource_talks_to_the_engine_with_its_stored_key(db, local_engine):
    resource = local_engine_resource_ensure(url=local_engine.url, data_dir=local_engine.data_dir)
    assert resource.kind == Resource.Kind.LOCAL_ENGINE
    assert {d.name: d.model_name for d in resource.deployments.all()} == {
        "chat": "gpt-4o-mini", "embeddings": "text-embedding-3-small"}

    client = AzureOpenAI(azure_endpoint=resource.endpoint, api_key=resource.get_api_key(),
                         api_version=resource.api_version, max_retries=0)
    answer = client.chat.completions.create(
        model="chat", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}])
    assert answer.choices[0].message.content
    vectors = client.embeddings.create(model="embeddings", input=["one", "two"])
    assert len(vectors.data) == 2


def test_it_is_created_only_when_studio_has_no_resource(db, local_engine):
    assert local_engine_resource_ensure(url=local_engine.url, data_dir=local_engine.data_dir) is not None
    assert local_engine_resource_ensure(url=local_engine.url, data_dir=local_engine.data_dir) is None
    assert Resource.objects.count() == 1
    assert Deployment.objects.count() == 2


def test_it_is_not_added_beside_a_configured_cloud_resource(db, local_engine):
    Resource.objects.create(name="Contoso", endpoint="https://contoso.openai.azure.com")
    assert local_engine_resource_ensure(url=local_engine.url, data_dir=local_engine.data_dir) is None
    assert not Resource.objects.filter(kind=Resource.Kind.LOCAL_ENGINE).exists()
