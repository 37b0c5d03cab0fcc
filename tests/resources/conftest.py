"""A local engine for the console's tests, and resources that point at it over real HTTP."""

from __future__ import annotations

import pytest

from studio.resources.models import Resource
from tests.engine_server import ACCOUNT, RESOURCE_GROUP, SUBSCRIPTION, EngineServer


@pytest.fixture(scope="module")
def engine():
    with EngineServer() as server:
        yield server


@pytest.fixture
def engine_resource(db, engine):
    """A resource for the engine, as an Admin would add the Local engine: key, ARM coordinates, http to loopback."""

    def make(name: str = "Engine", **fields) -> Resource:
        values = {"kind": Resource.Kind.LOCAL_ENGINE, "endpoint": engine.url, "arm_endpoint": engine.url,
                  "subscription_id": SUBSCRIPTION, "resource_group": RESOURCE_GROUP, "account_name": ACCOUNT,
                  "allow_http_loopback": True, **fields}
        api_key = values.pop("api_key", engine.api_key)
        arm_token = values.pop("arm_token", engine.arm_token)
        resource = Resource(name=name, **values)
        resource.set_api_key(api_key)
        if arm_token:
            resource.set_arm_token(arm_token)
        resource.save()
        return resource

    return make
