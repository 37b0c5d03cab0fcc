"""Syncing a resource mirrors its deployments, catalog, quota and content filters; pages never wait on ARM."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from studio.resources import sync
from studio.resources.models import Deployment, Resource


def test_a_sync_mirrors_what_the_engine_holds(engine, engine_resource):
    resource = engine_resource()
    report = sync.resource_sync(resource)
    names = set(resource.deployments.values_list("name", flat=True))
    assert {"chat", "embeddings"} <= names and set(report.created) == names
    chat = resource.deployments.get(name="chat")
    assert (chat.model_name, chat.capability, chat.provisioning_state) == ("gpt-4o-mini", "chat", "Succeeded")
    assert chat.tokens_per_minute == chat.capacity * 1000 and chat.requests_per_minute
    assert resource.deployments.get(name="embeddings").capability == "embeddings"
    assert resource.catalog.filter(name="gpt-4o-mini", is_default_version=True).exists()
    entry = resource.catalog.get(name="gpt-4o-mini", version="2024-07-18")
    assert entry.sku("GlobalStandard")["capacity"]["maximum"] >= 1 and entry.inference_retires_at is not None
    usage = resource.quota.get(name="OpenAI.GlobalStandard.gpt-4o-mini")
    assert usage.current_value >= chat.capacity and usage.limit > usage.current_value
    assert resource.content_filters.filter(name="Microsoft.DefaultV2", is_system=True).exists()
    resource.refresh_from_db()
    assert resource.last_synced_at and resource.sync_error == "" and resource.location == "local"


def test_a_deployment_removed_upstream_is_marked_gone_not_deleted(engine, engine_resource):
    resource = engine_resource()
    engine.create_deployment("short-lived", "gpt-4o-mini", capacity=1)
    sync.resource_sync(resource)
    assert not resource.deployments.get(name="short-lived").is_gone
    engine.delete_deployment("short-lived")
    report = sync.resource_sync(resource)
    assert report.gone == ["short-lived"]
    assert resource.deployments.get(name="short-lived").is_gone
    engine.create_deployment("short-lived", "gpt-4o-mini", capacity=1)
    sync.resource_sync(resource)
    assert not resource.deployments.get(name="short-lived").is_gone  # back upstream, back in the list
    engine.delete_deployment("short-lived")


def test_a_failed_sync_is_kept_on_the_resource(engine, engine_resource):
    resource = engine_resource(arm_token="not-the-token")
    try:
        sync.resource_sync(resource)
    except Exception as error:  # noqa: BLE001 - the type is asserted below
        assert type(error).__name__ == "UpstreamAuthError"
    resource.refresh_from_db()
    assert "did not accept the local engine's ARM token" in resource.sync_error


def _arm_items(count: int) -> list[dict]:
    return [{"name": f"dep-{n:03d}", "sku": {"name": "Standard", "capacity": 10},
             "properties": {"model": {"name": "gpt-4o", "version": "2024-08-06"}, "provisioningState": "Succeeded",
                            "rateLimits": [{"key": "token", "count": 10000}, {"key": "request", "count": 60}]}}
            for n in range(count)]


def test_a_sync_of_500_deployments_is_a_bulk_write(db):
    resource = Resource.objects.create(name="Big", endpoint="https://big.openai.azure.com")
    with CaptureQueriesContext(connection) as first:
        sync.deployments_write(resource, _arm_items(500))
    assert Deployment.objects.filter(resource=resource).count() == 500
    changed = _arm_items(500)
    for item in changed[:250]:
        item["sku"]["capacity"] = 20
    with CaptureQueriesContext(connection) as second:
        report = sync.deployments_write(resource, changed[:400])  # 100 gone, 250 scaled
    assert len(report.updated) == 250 and len(report.gone) == 100
    # Bulk statements, not one per deployment: PostgreSQL takes each in one statement; SQLite splits them at its
    # limit on query parameters (about 20 rows of this table per 999 parameters on older builds).
    for captured in (first, second):
        statements = [q["sql"].split()[0] for q in captured.captured_queries]
        assert len(statements) <= 40, statements
        assert statements.count("INSERT") + statements.count("UPDATE") <= 32
    assert Deployment.objects.filter(resource=resource, capacity=20).count() == 250


def test_the_list_page_takes_a_constant_number_of_queries(client_as, admin_user, django_assert_max_num_queries):
    for r in range(10):
        resource = Resource.objects.create(name=f"R{r}", endpoint=f"https://r{r}.openai.azure.com")
        sync.deployments_write(resource, _arm_items(50))
    client = client_as(admin_user)
    with django_assert_max_num_queries(8):  # session, user, permissions, resources, deployments
        response = client.get("/deployments/")
    assert response.content.decode().count(">dep-049<") == 10
