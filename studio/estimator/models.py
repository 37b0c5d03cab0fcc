"""The estimator's records: the price table it bills with, and files checked in the background."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from shared_rules import pricing

_PRICE = {"max_digits": 16, "decimal_places": 8, "null": True, "blank": True, "validators": [MinValueValidator(0)]}


class Price(models.Model):
    """A price in force from `effective_from` until a newer row of the same line; old rows stay as history."""

    class Kind(models.TextChoices):
        TOKENS = "tokens", "Tokens"
        TRAINING_TOKENS = "training_tokens", "Training tokens"
        HOSTING_HOUR = "hosting_hour", "Hosting hours"
        IMAGE = "image", "Generated images"
        AUDIO_SECONDS = "audio_seconds", "Audio seconds"
        CHARACTERS = "characters", "Speech characters"

    class DeploymentType(models.TextChoices):
        STANDARD = "Standard", "Standard"
        GLOBAL_STANDARD = "GlobalStandard", "Global Standard"
        DATA_ZONE = "DataZone", "Data Zone"
        BATCH = "Batch", "Batch"

    model = models.CharField(
        max_length=100, help_text="A model name or prefix: gpt-4o prices every gpt-4o version without a row of its own."
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.TOKENS)
    deployment_type = models.CharField(max_length=20, choices=DeploymentType, default=DeploymentType.GLOBAL_STANDARD)
    input_per_1m = models.DecimalField("input per 1M", **_PRICE)
    output_per_1m = models.DecimalField("output per 1M", **_PRICE)
    cached_input_per_1m = models.DecimalField("cached input per 1M", **_PRICE)
    unit_price = models.DecimalField("unit price", **_PRICE)
    size = models.CharField(max_length=20, blank=True, help_text="Generated images only, e.g. 1024x1024.")
    quality = models.CharField(max_length=20, blank=True, help_text="Generated images only: standard or hd.")
    currency = models.CharField(
        max_length=3, default="USD", validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter code such as USD.")]
    )
    effective_from = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["model", "kind", "deployment_type", "size", "quality", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "kind", "deployment_type", "size", "quality", "effective_from"],
                name="one_price_per_line_and_date",
                violation_error_message="This model, kind and deployment type has a price from that date already; "
                "edit that row instead.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.get_kind_display()} on {self.deployment_type} from {self.effective_from}"

    def as_row(self) -> pricing.PriceRow:
        """The pure rules' view of this row."""
        return pricing.PriceRow(
            model=self.model, kind=self.kind, input_per_1m=self.input_per_1m, output_per_1m=self.output_per_1m,
            unit_price=self.unit_price, size=self.size or None, quality=self.quality or None,
            deployment_type=self.deployment_type, currency=self.currency, effective_from=self.effective_from,
            cached_input_per_1m=self.cached_input_per_1m,
        )

    def line_filter(self) -> dict:
        """The fields that name this price line; rows sharing them are one line's history."""
        return {f: getattr(self, f) for f in ("model", "kind", "deployment_type", "size", "quality")}


class BackgroundValidation(models.Model):
    """A file checked by a Celery worker while its owner's page polls the progress; the report stays afterwards.

    Built for any upload that takes long to check: the estimator's dataset mode uses it, and so can fine-tuning.
    The uploaded file lives under STUDIO_UPLOAD_DIR, private to the user running Studio (see uploads.py).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Checking"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # in URLs: not guessable
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=40, default="dataset_estimate")
    file_name = models.CharField(max_length=255)  # as uploaded, for display
    file_path = models.CharField(max_length=1000)  # where the upload is stored
    file_size = models.BigIntegerField()
    keep_file = models.BooleanField(default=False)  # the estimator needs the file only until it is checked
    options = models.JSONField(default=dict)  # what the check needs besides the file (model, epochs...)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    lines_read = models.BigIntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        """How far through the file the check is, by bytes; 100 only once it is finished."""
        if self.finished:
            return 100
        return min(99, self.bytes_read * 100 // self.file_size) if self.file_size else 0
