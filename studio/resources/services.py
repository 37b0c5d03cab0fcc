"""Writes about resources; today the default "Local engine" resource that make run creates."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from studio.resources.models import Deployment, Resource

LOCAL_ENGINE_NAME = "Local engine"
# The engine seeds these two deployments on its first start (engine/default_config.json).
LOCAL_ENGINE_DEPLOYMENTS = (
    ("chat", "gpt-4o-mini", Deployment.Capability.CHAT, "GlobalStandard", 30),
    ("embeddings", "text-embedding-3-small", Deployment.Capability.EMBEDDINGS, "Standard", 30),
)


@dataclass(frozen=True)
class LocalEngineSecrets:
    """What runstack hands the engine through ENGINE_API_KEY and ENGINE_ARM_TOKEN."""

    api_key: str
    arm_token: str

    @classmethod
    def generate(cls) -> LocalEngineSecrets:
        # Azure keys are 32 hex characters; the same shape keeps clients' validators happy.
        return cls(api_key=secrets.token_hex(16), arm_token=secrets.token_urlsafe(32))


def local_engine_url() -> str:
    return f"http://{settings.ENGINE_HOST}:{settings.ENGINE_PORT}"


@transaction.atomic
def local_engine_resource_ensure(*, url: str | None = None, engine_secrets: LocalEngineSecrets | None = None
                                 ) -> Resource | None:
    """Create the Local engine resource and its two deployments when Studio has no resource at all.

    Studio owns the engine's secrets: they are made here, stored encrypted on the resource, and passed to the engine
    at start (local_engine_secrets), so Studio and the engine meet only over HTTP, as Studio and Azure do.
    """
    if Resource.objects.exists():
        return None
    engine_secrets = engine_secrets or LocalEngineSecrets.generate()
    url = url or local_engine_url()
    resource = Resource(
        name=LOCAL_ENGINE_NAME,
        kind=Resource.Kind.LOCAL_ENGINE,
        endpoint=url,
        arm_endpoint=url,
        subscription_id="00000000-0000-0000-0000-000000000000",
        resource_group="studio-local",
        account_name="local-engine",
    )
    resource.set_api_key(engine_secrets.api_key)
    resource.set_arm_token(engine_secrets.arm_token)
    resource.save()
    for name, model, capability, sku, capacity in LOCAL_ENGINE_DEPLOYMENTS:
        Deployment.objects.create(
            resource=resource, name=name, model_name=model, capability=capability, sku_name=sku, capacity=capacity
        )
    return resource


def local_engine_secrets(url: str | None = None) -> LocalEngineSecrets:
    """The secrets the engine at url must accept: those stored on its Local engine resource, or fresh ones.

    Fresh ones serve a run where no resource points at the engine (an Admin removed it): nobody holds them, so the
    engine is unreachable until a resource is added with the key the engine is then given.
    """
    url = (url or local_engine_url()).rstrip("/")
    for resource in Resource.objects.filter(kind=Resource.Kind.LOCAL_ENGINE).order_by("created_at"):
        if resource.endpoint.rstrip("/") == url and resource.api_key_encrypted:
            return LocalEngineSecrets(api_key=resource.get_api_key(), arm_token=resource.get_arm_token())
    return LocalEngineSecrets.generate()
