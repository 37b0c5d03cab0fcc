"""Core records: the heartbeat that shows the Celery worker and beat are alive."""

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """One row per worker host name, touched by a beat-scheduled task; the dashboard reads it."""

    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"

    @property
    def is_recent(self) -> bool:
        # Beat schedules the heartbeat every minute; three missed beats mean something is down.
        return (timezone.now() - self.seen_at).total_seconds() < 180
