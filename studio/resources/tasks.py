"""Celery tasks of the deployments console: thin wrappers that load a row and call the service a view would."""

from __future__ import annotations

import logging

from celery import shared_task

from studio.core.queue import enqueue
from studio.resources import operations, sync
from studio.resources.models import Resource
from studio.upstream.errors import UpstreamError

log = logging.getLogger(__name__)


@shared_task
def run_operation(operation_id: int) -> str:
    operation = operations.operation_run(operation_id)
    return operation.status if operation else "not claimed"


@shared_task
def sync_resource(resource_id: int) -> str:
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        return "gone"
    try:
        return sync.resource_sync(resource).summary()
    except UpstreamError as error:
        log.warning("sync of resource %s failed: %s", resource.name, error.message)
        return f"failed: {error.message}"


@shared_task
def resume_operations() -> int:
    """Beat, every minute: send again the operations a killed worker left running or a lost message left queued."""
    resumed = operations.operations_resume_stale()
    for pk in resumed:
        enqueue(run_operation, pk)
    return len(resumed)


@shared_task
def sync_all_resources() -> int:
    """Beat's periodic sync: one task per resource, so one slow account does not hold up the others."""
    ids = list(Resource.objects.values_list("pk", flat=True))
    for pk in ids:
        enqueue(sync_resource, pk)
    return len(ids)
