"""Changes sent to ARM: asked for by an Admin (a row and an audit event), run by a Celery task, followed to the end.

`operation_request` writes the Operation row and enqueues the task after the commit. `operation_run` (the task's
body) claims the row with a compare-and-set, so a duplicated or retried task never sends the change twice; ARM's
PUT, PATCH and DELETE are idempotent, so a run resumed after a killed worker repeats the call safely.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from studio.audit.services import audit_record
from studio.core.queue import enqueue_on_commit
from studio.resources import sync
from studio.resources.models import Deployment, Operation, Resource
from studio.upstream.arm import ArmClient
from studio.upstream.errors import UpstreamError

# Longer than the slowest single ARM call with its retries; the running task touches the row more often than this.
STALE_AFTER = timedelta(minutes=5)
QUEUED_TOO_LONG = timedelta(minutes=2)
AUDIT_ACTIONS = {
    Operation.Kind.DEPLOYMENT_CREATE: ("deployment.create", "deployment"),
    Operation.Kind.DEPLOYMENT_UPDATE: ("deployment.update", "deployment"),
    Operation.Kind.DEPLOYMENT_DELETE: ("deployment.delete", "deployment"),
    Operation.Kind.POLICY_SAVE: ("content_filter.save", "content_filter"),
    Operation.Kind.POLICY_DELETE: ("content_filter.delete", "content_filter"),
    Operation.Kind.BLOCKLIST_SAVE: ("blocklist.save", "blocklist"),
    Operation.Kind.BLOCKLIST_DELETE: ("blocklist.delete", "blocklist"),
}


def deployment_body(*, model: str, version: str, sku: str, capacity: int, rai_policy: str = "",
                    upgrade: str = "") -> dict[str, Any]:
    """ARM's deployment body (wire reference section 13)."""
    properties: dict[str, Any] = {"model": {"format": "OpenAI", "name": model}}
    if version:
        properties["model"]["version"] = version
    if rai_policy:
        properties["raiPolicyName"] = rai_policy
    if upgrade:
        properties["versionUpgradeOption"] = upgrade
    return {"sku": {"name": sku, "capacity": capacity}, "properties": properties}


def deployment_snapshot(deployment: Deployment | None) -> dict[str, Any] | None:
    if deployment is None:
        return None
    return {"model": deployment.model_name, "version": deployment.model_version, "sku": deployment.sku_name,
            "capacity": deployment.capacity, "content_filter": deployment.rai_policy_name,
            "upgrade": deployment.version_upgrade_option}


def operation_request(resource: Resource, *, kind: str, target: str, body: dict[str, Any], user,
                      before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> Operation:
    """Record the change and hand it to a worker once the transaction commits."""
    from studio.resources.tasks import run_operation

    with transaction.atomic():
        operation = Operation.objects.create(resource=resource, kind=kind, target=target, body=body,
                                             requested_by=user)
        action, target_type = AUDIT_ACTIONS[kind]
        audit_record(actor=user, action=action, target_type=target_type, target_name=target,
                     resource_name=resource.name, before=before, after=after if after is not None else body)
        enqueue_on_commit(run_operation, operation.pk)
    return operation


def operation_run(operation_id: int) -> Operation | None:
    """Claim and run one operation; returns it finished, or None when another run has it or it is gone."""
    now = timezone.now()
    claimed = Operation.objects.filter(pk=operation_id, status=Operation.Status.QUEUED).update(
        status=Operation.Status.RUNNING, started_at=now, touched_at=now, progress="Sending to ARM")
    if claimed != 1:
        return None
    operation = Operation.objects.select_related("resource", "requested_by").get(pk=operation_id)
    try:
        message = _execute(operation)
    except UpstreamError as error:
        _finish(operation, Operation.Status.FAILED, error.message)
    else:
        _finish(operation, Operation.Status.SUCCEEDED, message)
    return operation


def _progress(operation: Operation, state: str) -> None:
    Operation.objects.filter(pk=operation.pk).update(progress=f"ARM reports: {state}"[:200],
                                                     touched_at=timezone.now())


def _execute(operation: Operation) -> str:
    client = ArmClient(operation.resource)
    kind, name, body = operation.kind, operation.target, operation.body
    deleting = kind in (Operation.Kind.DEPLOYMENT_DELETE, Operation.Kind.POLICY_DELETE,
                        Operation.Kind.BLOCKLIST_DELETE)
    if kind == Operation.Kind.DEPLOYMENT_CREATE:
        accepted, path = client.put_deployment(name, body), f"/deployments/{name}"
    elif kind == Operation.Kind.DEPLOYMENT_UPDATE:
        accepted, path = client.patch_deployment(name, body), f"/deployments/{name}"
    elif kind == Operation.Kind.DEPLOYMENT_DELETE:
        accepted, path = client.delete_deployment(name), f"/deployments/{name}"
    elif kind == Operation.Kind.POLICY_SAVE:
        accepted, path = client.put_rai_policy(name, body), f"/raiPolicies/{name}"
    elif kind == Operation.Kind.POLICY_DELETE:
        accepted, path = client.delete_rai_policy(name), f"/raiPolicies/{name}"
    elif kind == Operation.Kind.BLOCKLIST_SAVE:
        accepted = client.put_blocklist(name, {"properties": {"description": body.get("description", "")}})
        existing = {i["name"] for i in client.blocklist_items(name)}
        wanted = {item["name"]: item for item in body.get("items", [])}
        for item_name, item in wanted.items():
            client.put_blocklist_item(name, item_name, {"properties": {"pattern": item["pattern"],
                                                                       "isRegex": bool(item.get("isRegex"))}})
        for item_name in existing - set(wanted):
            client.delete_blocklist_item(name, item_name)
        path = f"/raiBlocklists/{name}"
    elif kind == Operation.Kind.BLOCKLIST_DELETE:
        accepted, path = client.delete_blocklist(name), f"/raiBlocklists/{name}"
    else:
        raise UpstreamError(f"Unknown operation {kind}")
    Operation.objects.filter(pk=operation.pk).update(operation_url=(accepted.operation_url or "")[:1000])
    state = client.wait(accepted, path, deleting=deleting, on_progress=lambda s: _progress(operation, s))
    if not state.succeeded:
        raise UpstreamError(state.error or f"ARM ended the operation as {state.status}.")
    _after_success(operation, client)
    return _success_message(operation)


def _after_success(operation: Operation, client: ArmClient) -> None:
    """Bring the mirror up to date with what changed, so the page shows it at once."""
    resource = operation.resource
    if operation.kind in (Operation.Kind.DEPLOYMENT_CREATE, Operation.Kind.DEPLOYMENT_UPDATE):
        item = client.deployment(operation.target)
        values = sync.deployment_values(item, timezone.now())
        deployment, created = Deployment.objects.update_or_create(
            resource=resource, name=operation.target,
            defaults={**values, "updated_at": timezone.now(), "updated_by": operation.requested_by})
        if created or operation.kind == Operation.Kind.DEPLOYMENT_CREATE:
            Deployment.objects.filter(pk=deployment.pk, created_by__isnull=True).update(
                created_by=operation.requested_by)
    elif operation.kind == Operation.Kind.DEPLOYMENT_DELETE:
        Deployment.objects.filter(resource=resource, name=operation.target).update(
            removed_upstream_at=timezone.now(), provisioning_state="Deleted", updated_by=operation.requested_by)
    try:  # quota and content filters move with deployments; a failed refresh waits for the next sync
        sync.resource_sync(resource)
    except UpstreamError:
        pass


def _success_message(operation: Operation) -> str:
    verbs = {Operation.Kind.DEPLOYMENT_CREATE: "is created", Operation.Kind.DEPLOYMENT_UPDATE: "is updated",
             Operation.Kind.DEPLOYMENT_DELETE: "is deleted", Operation.Kind.POLICY_SAVE: "is saved",
             Operation.Kind.POLICY_DELETE: "is deleted", Operation.Kind.BLOCKLIST_SAVE: "is saved",
             Operation.Kind.BLOCKLIST_DELETE: "is deleted"}
    return f"{operation.target} {verbs[operation.kind]}."


def _finish(operation: Operation, status: str, message: str) -> None:
    Operation.objects.filter(pk=operation.pk).update(status=status, message=message[:4000], finished_at=timezone.now(),
                                                     progress="")
    operation.status, operation.message = status, message
    action, target_type = AUDIT_ACTIONS[operation.kind]
    audit_record(actor=operation.requested_by, action=action, target_type=target_type, target_name=operation.target,
                 resource_name=operation.resource.name, outcome=status, message=message)


def operations_resume_stale() -> list[int]:
    """Operations to send to a worker again: those whose worker died mid-run (running, untouched for longer than any
    ARM call takes) and those whose message never reached a worker (queued for minutes). Returns their ids."""
    now = timezone.now()
    stale = list(Operation.objects.filter(status=Operation.Status.RUNNING,
                                          touched_at__lt=now - STALE_AFTER).values_list("pk", flat=True))
    resumed = []
    for pk in stale:
        if Operation.objects.filter(pk=pk, status=Operation.Status.RUNNING).update(
                status=Operation.Status.QUEUED, progress="Resumed after an interrupted run") == 1:
            resumed.append(pk)
    waiting = Operation.objects.filter(status=Operation.Status.QUEUED, created_at__lt=now - QUEUED_TOO_LONG)
    return resumed + [pk for pk in waiting.values_list("pk", flat=True) if pk not in resumed]
