"""Background tasks of the core: the worker heartbeat."""

from __future__ import annotations

import socket

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from studio.core.models import WorkerHeartbeat


def heartbeat_record(worker: str) -> None:
    """Touch this worker's heartbeat row; running it twice only moves the time forward."""
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": timezone.now()})


@shared_task(bind=True)
def record_heartbeat(self, worker: str | None = None) -> str:
    """Beat sends this through the queue, so a fresh row proves broker, beat and a worker all work."""
    name = worker or self.request.hostname or socket.gethostname()
    heartbeat_record(name)
    return name


@worker_ready.connect
def record_heartbeat_at_start(sender=None, **kwargs) -> None:
    """The first heartbeat comes when the worker is ready, not a beat interval later."""
    heartbeat_record(getattr(sender, "hostname", None) or socket.gethostname())
