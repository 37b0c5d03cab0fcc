"""The local engine over real HTTP (simulated backend), with a deployment of every kind the playgrounds call,
and the Studio resource and deployments that point at it."""

from __future__ import annotations

import json

import pytest

from studio.usage.records import pending_writes_flush
from tests.playground_kinds.engine_kinds import engine_with_kinds, studio_deployments


@pytest.fixture(scope="module")
def engine():
    with engine_with_kinds() as server:
        yield server


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Stored images go under this test's own folder, not the developer's var/."""
    settings.VAR_DIR = tmp_path


@pytest.fixture
def kinds(db, engine):
    """The engine as a Studio resource, and its deployments by name."""
    return studio_deployments(engine)


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
