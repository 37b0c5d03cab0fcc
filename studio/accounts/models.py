"""Accounts: the site-wide permissions behind the roles, and requests for access."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Access(models.Model):
    """Holds no rows; it only carries the permissions that the roles are made of."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_studio", "Can read Studio's pages"),
            ("use_tools", "Can use the playground, fine-tuning and the estimator"),
            ("manage_studio", "Can manage resources, deployments, users and prices"),
        ]

    def __str__(self) -> str:
        return "Studio access"


class AccessRequest(models.Model):
    """A person asking for an account, and an Admin's answer (as the service Studio mirrors does)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_request")
    intended_use = models.TextField()
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class FailedSignIn(models.Model):
    """A wrong password for a username; recent ones throttle further tries (kept in the database, so every
    web replica sees the same count)."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.CharField(max_length=64, db_index=True, default="unknown")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A personal token for the JSON API. Only its SHA-256 hash is kept; the full token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the script that uses it.")
    prefix = models.CharField(max_length=16, help_text="The token's first characters, to tell tokens apart.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RateLimitHit(models.Model):
    """One request counted against a limit (an access request from an address, say), in the database so every
    web replica counts together. Rows older than the limit's window are dropped as new ones arrive."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} at {self.created_at:%Y-%m-%d %H:%M:%S}"
