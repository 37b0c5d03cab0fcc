"""Writes about resources; today the default "Local engine" resource that make run creates."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from studio.resources.models import Deployment, Resource

LOCAL_ENGINE_NAME = "Local engine"
# The engine seeds these two deployments on its first start (engine/default_config.json).
LOCAL_ENGINE_DEPLOYMENTS = (
    ("chat", "gpt-4o-mini", Deployment.Capability.CHAT, "GlobalStandard", 30),
    ("embeddings", "text-embedding-3-small", Deployment.Capability.EMBEDDINGS, "Standard", 30),
)


@transaction.atomic
def local_engine_resource_ensure(*, url: str | None = None, data_dir: Path | None = None) -> Resource | None:
    """Create the Local engine resource and its two deployments when Studio has no resource at all."""
    if Resource.objects.exists():
        return None
    from engine.keys import load_or_create_keys  # light module: reads or creates the engine's keys file

    keys = load_or_create_keys(Path(data_dir or settings.ENGINE_DATA_DIR))
    url = url or f"http://{settings.ENGINE_HOST}:{settings.ENGINE_PORT}"
    resource = Resource(
        name=LOCAL_ENGINE_NAME,
        kind=Resource.Kind.LOCAL_ENGINE,
        endpoint=url,
        arm_endpoint=url,
        subscription_id="00000000-0000-0000-0000-000000000000",
        resource_group="studio-local",
        account_name="local-engine",
    )
    resource.set_api_key(keys.api_key)
    resource.set_arm_token(keys.arm_token)
    resource.save()
    for name, model, capability, sku, capacity in LOCAL_ENGINE_DEPLOYMENTS:
        Deployment.objects.create(
            resource=resource, name=name, model_name=model, capability=capability, sku_name=sku, capacity=capacity
        )
    return resource
