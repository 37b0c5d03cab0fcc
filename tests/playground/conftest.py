"""The playground's tests: a local engine over real HTTP (simulated backend) and Studio's deployments of it."""

from __future__ import annotations

import httpx2
import pytest

from studio.resources.models import Deployment, Resource
from studio.usage.records import pending_writes_flush
from tests.engine_server import ACCOUNT, RESOURCE_GROUP, SUBSCRIPTION, EngineServer


@pytest.fixture(scope="module")
def engine():
    with EngineServer() as server:
        yield server


@pytest.fixture
def engine_admin(engine):
    """The engine's admin API (faults, settings), cleared after each test."""
    client = httpx2.Client(base_url=engine.url, headers={"Authorization": f"Bearer {engine.arm_token}"}, timeout=10)
    touched: list[str] = []

    class Admin:
        def faults(self, deployment: str, **faults) -> None:
            touched.append(deployment)
            client.put(f"/engine/admin/deployments/{deployment}/faults", json=faults).raise_for_status()

        def settings(self, deployment: str, **values) -> None:
            touched.append(deployment)
            client.put(f"/engine/admin/deployments/{deployment}/settings", json=values).raise_for_status()

    yield Admin()
    for name in set(touched):
        client.delete(f"/engine/admin/deployments/{name}/faults")
        client.put(f"/engine/admin/deployments/{name}/settings", json={"tokens_per_second": 0, "rate_limit": True})
    client.close()


@pytest.fixture
def resource(db, engine) -> Resource:
    resource = Resource(name="Engine", kind=Resource.Kind.LOCAL_ENGINE, endpoint=engine.url, arm_endpoint=engine.url,
                        subscription_id=SUBSCRIPTION, resource_group=RESOURCE_GROUP, account_name=ACCOUNT,
                        allow_http_loopback=True)
    resource.set_api_key(engine.api_key)
    resource.set_arm_token(engine.arm_token)
    resource.save()
    return resource


@pytest.fixture
def chat_deployment(resource, seeded_prices) -> Deployment:
    return Deployment.objects.create(resource=resource, name="chat", model_name="gpt-4o-mini",
                                     model_version="2024-07-18", capability="chat", sku_name="GlobalStandard",
                                     capacity=1000)


@pytest.fixture
def flushed_usage():
    """Wait for the usage writer, so a test reads the records its calls queued."""
    def flush():
        pending_writes_flush()
    return flush
