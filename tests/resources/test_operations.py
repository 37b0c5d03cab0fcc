"""Creating, scaling and deleting deployments through ARM against the engine, run as the Celery task runs them."""

from __future__ import annotations

import pytest

from studio.audit.models import AuditEvent
from studio.resources import operations, sync
from studio.resources.models import Operation
from studio.upstream.dataplane import client_for, translated_errors
from studio.upstream.errors import UpstreamNotFound


def _request_and_run(resource, kind, target, body, user):
    operation = operations.operation_request(resource, kind=kind, target=target, body=body, user=user)
    finished = operations.operation_run(operation.pk)
    assert finished is not None
    return finished


def _chat(resource, deployment: str) -> str:
    with translated_errors(resource):
        answer = client_for(resource, max_retries=0).chat.completions.create(
            model=deployment, messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
    return answer.choices[0].message.content


def test_create_scale_and_delete_a_deployment(engine, engine_resource, admin_user):
    resource = engine_resource()
    sync.resource_sync(resource)
    body = operations.deployment_body(model="gpt-4o", version="2024-08-06", sku="GlobalStandard", capacity=5,
                                      upgrade="NoAutoUpgrade")
    created = _request_and_run(resource, Operation.Kind.DEPLOYMENT_CREATE, "support-bot", body, admin_user)
    assert (created.status, created.message) == ("succeeded", "support-bot is created.")
    deployment = resource.deployments.get(name="support-bot")
    assert (deployment.model_name, deployment.capacity, deployment.provisioning_state) == ("gpt-4o", 5, "Succeeded")
    assert deployment.created_by == admin_user and deployment.version_upgrade_option == "NoAutoUpgrade"
    assert _chat(resource, "support-bot")  # it answers

    scaled = _request_and_run(resource, Operation.Kind.DEPLOYMENT_UPDATE, "support-bot",
                              {"sku": {"name": "GlobalStandard", "capacity": 12}}, admin_user)
    assert scaled.status == "succeeded"
    deployment.refresh_from_db()
    assert deployment.capacity == 12 and deployment.tokens_per_minute == 12_000

    deleted = _request_and_run(resource, Operation.Kind.DEPLOYMENT_DELETE, "support-bot", {}, admin_user)
    assert deleted.status == "succeeded"
    deployment.refresh_from_db()
    assert deployment.is_gone
    with pytest.raises(UpstreamNotFound):
        _chat(resource, "support-bot")  # and stops answering
    actions = list(AuditEvent.objects.filter(target_name="support-bot").values_list("action", "outcome"))
    assert ("deployment.create", "succeeded") in actions and ("deployment.delete", "succeeded") in actions


def test_a_quota_refusal_ends_the_operation_with_arms_message(engine, engine_resource, admin_user):
    resource = engine_resource()
    body = operations.deployment_body(model="gpt-4o", version="2024-08-06", sku="GlobalStandard", capacity=1_000_000)
    failed = _request_and_run(resource, Operation.Kind.DEPLOYMENT_CREATE, "too-big", body, admin_user)
    assert failed.status == "failed"
    assert "capacity" in failed.message.lower()
    assert not resource.deployments.filter(name="too-big").exists()
    assert AuditEvent.objects.filter(target_name="too-big", outcome="failed").exists()


def test_an_invalid_sku_is_refused_with_arms_message(engine, engine_resource, admin_user):
    resource = engine_resource()
    body = operations.deployment_body(model="gpt-4o", version="2024-08-06", sku="NoSuchSku", capacity=1)
    failed = _request_and_run(resource, Operation.Kind.DEPLOYMENT_CREATE, "bad-sku", body, admin_user)
    assert failed.status == "failed" and "NoSuchSku" in failed.message


def test_an_operation_runs_once_however_often_its_task_is_delivered(engine, engine_resource, admin_user):
    resource = engine_resource()
    operation = operations.operation_request(resource, kind=Operation.Kind.DEPLOYMENT_UPDATE, target="chat",
                                             body={"sku": {"name": "GlobalStandard", "capacity": 30}}, user=admin_user)
    assert operations.operation_run(operation.pk) is not None
    assert operations.operation_run(operation.pk) is None  # a duplicate delivery finds it claimed


def test_a_run_left_by_a_killed_worker_is_resumed(engine, engine_resource, admin_user):
    from datetime import timedelta

    from django.utils import timezone

    resource = engine_resource()
    operation = operations.operation_request(resource, kind=Operation.Kind.DEPLOYMENT_UPDATE, target="chat",
                                             body={"sku": {"name": "GlobalStandard", "capacity": 30}}, user=admin_user)
    now = timezone.now()
    Operation.objects.filter(pk=operation.pk).update(status="running", started_at=now - timedelta(hours=1),
                                                     touched_at=now - timedelta(minutes=1))
    assert operations.operations_resume_stale() == []  # touched a minute ago: its worker is still at it
    Operation.objects.filter(pk=operation.pk).update(touched_at=now - timedelta(minutes=6))
    assert operations.operations_resume_stale() == [operation.pk]
    assert operations.operation_run(operation.pk).status == "succeeded"
