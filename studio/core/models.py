"""Core records: the heartbeat that shows the Celery worker and beat are alive."""

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """One row per worker node name, touched when the worker starts and by beat; the dashboard reads it."""

    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"

    # Beat schedules the heartbeat every HEARTBEAT_SECONDS; three missed beats mean something is down.
    HEARTBEAT_SECONDS = 30
    SILENT_AFTER_SECONDS = 3 * HEARTBEAT_SECONDS

    @property
    def is_recent(self) -> bool:
        return (timezone.now() - self.seen_at).total_seconds() < self.SILENT_AFTER_SECONDS
