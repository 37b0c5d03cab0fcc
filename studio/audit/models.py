"""The audit trail: who changed what, when, with the values before and after (secrets redacted). Append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("audit events cannot be changed")


class AuditEvent(models.Model):
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(max_length=150, help_text="Kept when the account is later removed.")
    action = models.CharField(max_length=60, db_index=True, help_text="e.g. resource.create, deployment.scale")
    target_type = models.CharField(max_length=40, db_index=True)
    target_name = models.CharField(max_length=200)
    resource_name = models.CharField(max_length=100, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    outcome = models.CharField(max_length=20, default="requested", help_text="requested, succeeded or failed")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.target_name} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit events cannot be deleted")

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field that differs, for the audit page."""
        before, after = self.before or {}, self.after or {}
        return [(key, before.get(key), after.get(key)) for key in sorted({*before, *after})
                if before.get(key) != after.get(key)]
