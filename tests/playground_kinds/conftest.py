"""The local engine over real HTTP (simulated backend), with a deployment of every kind the playgrounds call,
and the Studio resource and deployments that point at it."""

from __future__ import annotations

import json

import pytest

from studio.resources.models import Deployment, Resource
from studio.usage.records import pending_writes_flush
from tests.engine_server import ACCOUNT, RESOURCE_GROUP, SUBSCRIPTION, EngineServer

# name -> (model, version, Studio capability); "chat" and "embeddings" are the engine's own defaults.
DEPLOYMENTS = {
    "chat": ("gpt-4o-mini", "2024-07-18", "chat"),
    "embeddings": ("text-embedding-3-small", "1", "embeddings"),
    "instruct": ("gpt-35-turbo-instruct", "0914", "completions"),
    "painter": ("dall-e-3", "3.0", "images"),
    "whisper": ("whisper", "001", "audio"),
    "voice": ("tts", "001", "audio"),
}


@pytest.fixture(scope="module")
def engine():
    with EngineServer() as server:
        for name, (model, version, _capability) in DEPLOYMENTS.items():
            if name not in ("chat", "embeddings"):
                server.create_deployment(name, model, version, capacity=1)
        yield server


@pytest.fixture
def kinds(db, engine):
    """The engine as a Studio resource, and its deployments by name."""
    resource = Resource(name="Engine", kind=Resource.Kind.LOCAL_ENGINE, endpoint=engine.url, arm_endpoint=engine.url,
                        subscription_id=SUBSCRIPTION, resource_group=RESOURCE_GROUP, account_name=ACCOUNT,
                        allow_http_loopback=True)
    resource.set_api_key(engine.api_key)
    resource.save()
    return {name: Deployment.objects.create(resource=resource, name=name, model_name=model, model_version=version,
                                            capability=capability, sku_name="Standard", provisioning_state="Succeeded")
            for name, (model, version, capability) in DEPLOYMENTS.items()}


@pytest.fixture
def developer(client_as, developer_user):
    return client_as(developer_user)


def post_json(client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def flushed_usage():
    """The usage records, once the writer thread has written what was queued."""
    from studio.usage.models import UsageRecord

    def read():
        pending_writes_flush()
        return list(UsageRecord.objects.order_by("id"))

    return read
