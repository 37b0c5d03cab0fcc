"""The local engine with a deployment of every kind the playgrounds call, and the Studio rows that point at it
(shared by these tests and the browser tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from studio.resources.models import Deployment, Resource
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


@contextmanager
def engine_with_kinds() -> Iterator[EngineServer]:
    with EngineServer() as server:
        for name, (model, version, _capability) in DEPLOYMENTS.items():
            if name not in ("chat", "embeddings"):
                server.create_deployment(name, model, version, capacity=1)
        yield server


def studio_deployments(engine: EngineServer) -> dict[str, Deployment]:
    resource = Resource(name="Engine", kind=Resource.Kind.LOCAL_ENGINE, endpoint=engine.url, arm_endpoint=engine.url,
                        subscription_id=SUBSCRIPTION, resource_group=RESOURCE_GROUP, account_name=ACCOUNT,
                        allow_http_loopback=True)
    resource.set_api_key(engine.api_key)
    resource.save()
    return {name: Deployment.objects.create(resource=resource, name=name, model_name=model, model_version=version,
                                            capability=capability, sku_name="Standard", provisioning_state="Succeeded")
            for name, (model, version, capability) in DEPLOYMENTS.items()}
