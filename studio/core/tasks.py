"""Background tasks of the core: the worker heartbeat."""

import socket

from celery import shared_task
from django.utils import timezone

from studio.core.models import WorkerHeartbeat


@shared_task
def record_heartbeat(worker: str | None = None) -> str:
    """Touch this worker's heartbeat row; running it twice only moves the time forward."""
    name = worker or socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(worker=name, defaults={"seen_at": timezone.now()})
    return name
