"""One row per upstream call Studio makes: who, where, how much, how fast. Nothing about prompts is kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UsageRecord(models.Model):
    class Kind(models.TextChoices):
        CHAT = "chat", "Chat"
        COMPLETIONS = "completions", "Completions"
        EMBEDDINGS = "embeddings", "Embeddings"
        IMAGES = "images", "Images"
        TRANSCRIPTION = "transcription", "Transcription"
        TRANSLATION = "translation", "Translation"
        SPEECH = "speech", "Text to speech"
        FINE_TUNING = "fine_tuning", "Fine-tuning"

    class Status(models.TextChoices):
        OK = "ok", "Succeeded"
        PARTIAL = "partial", "Stream broke"
        CANCELLED = "cancelled", "Stopped"
        FILTERED = "filtered", "Content filtered"
        RATE_LIMITED = "rate_limited", "Rate limited"
        ERROR = "error", "Failed"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             related_name="usage_records")
    resource = models.ForeignKey("resources.Resource", null=True, on_delete=models.SET_NULL, related_name="+")
    deployment = models.ForeignKey("resources.Deployment", null=True, on_delete=models.SET_NULL,
                                   related_name="usage_records")
    # Names as they were at the call, so the ledger still reads after a deployment is deleted.
    resource_name = models.CharField(max_length=100, blank=True)
    deployment_name = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=20, default="playground", help_text="which part of Studio made the call")
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    total_tokens = models.PositiveIntegerField(null=True, blank=True)
    audio_seconds = models.FloatField(null=True, blank=True)
    characters = models.PositiveIntegerField(null=True, blank=True)
    images = models.PositiveIntegerField(null=True, blank=True)
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True,
                               help_text="from the price table at the time of the call; empty when no price is known")
    currency = models.CharField(max_length=3, default="USD")
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    first_token_ms = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OK)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    finish_reason = models.CharField(max_length=40, blank=True)
    upstream_request_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["deployment", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.deployment_name or '?'} by {self.user_id} ({self.status})"

    @property
    def quantity(self) -> str:
        """What was consumed, in the unit the kind is billed by."""
        if self.kind == self.Kind.IMAGES and self.images is not None:
            return f"{self.images} image{'s' if self.images != 1 else ''}"
        if self.kind in (self.Kind.TRANSCRIPTION, self.Kind.TRANSLATION) and self.audio_seconds is not None:
            return f"{self.audio_seconds:.1f} s of audio"
        if self.kind == self.Kind.SPEECH and self.characters is not None:
            return f"{self.characters} characters"
        if self.total_tokens is not None:
            return f"{self.total_tokens} tokens"
        return "—"
