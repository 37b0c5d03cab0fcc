"""The estimator's records: the price table it bills with, models an Admin added, files checked in the background."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from shared_rules import image_rules, pricing
from shared_rules.models import Lifecycle, ModelInfo

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
        TRAINING_HOUR = "training_hour", "Training hours (reinforcement)"
        IMAGE_TOKENS = "image_tokens", "Image tokens"
        AUDIO_TOKENS = "audio_tokens", "Audio tokens"

    class DeploymentType(models.TextChoices):
        STANDARD = "Standard", "Standard"
        GLOBAL_STANDARD = "GlobalStandard", "Global Standard"
        DATA_ZONE = "DataZone", "Data Zone"
        BATCH = "Batch", "Batch"
        DEVELOPER = "Developer", "Developer (fine-tuning)"

    class Tier(models.TextChoices):
        STANDARD = "", "Standard"
        LONG_CONTEXT = "long_context", f"Long context (input over {pricing.LONG_CONTEXT_TOKENS:,} tokens)"
        PRIORITY = "priority", "Priority processing"

    model = models.CharField(
        max_length=100, help_text="A model name or prefix: gpt-4o prices every gpt-4o version without a row of its own."
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.TOKENS)
    deployment_type = models.CharField(max_length=20, choices=DeploymentType, default=DeploymentType.GLOBAL_STANDARD)
    input_per_1m = models.DecimalField("input per 1M", **_PRICE)
    output_per_1m = models.DecimalField("output per 1M", **_PRICE)
    cached_input_per_1m = models.DecimalField("cached input per 1M", **_PRICE)
    unit_price = models.DecimalField("unit price", **_PRICE)
    cache_write_per_1m = models.DecimalField("cache write per 1M", **_PRICE)
    tier = models.CharField(max_length=20, choices=Tier, default=Tier.STANDARD, blank=True,
                            help_text="Token rows only: which rate this is.")
    size = models.CharField(max_length=20, blank=True, help_text="Generated images only, e.g. 1024x1024.")
    quality = models.CharField(max_length=20, blank=True, help_text="Generated images only: standard or hd.")
    currency = models.CharField(
        max_length=3, default="USD", validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter code such as USD.")]
    )
    effective_from = models.DateField(default=timezone.localdate)
    source = models.CharField(max_length=300, default="",
                              help_text="Where the figures come from: a price page, a meter, a quote.")
    source_date = models.DateField(null=True, blank=True, help_text="The date that source states.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["model", "kind", "deployment_type", "tier", "size", "quality", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "kind", "deployment_type", "tier", "size", "quality", "effective_from"],
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
            cached_input_per_1m=self.cached_input_per_1m, source=self.source, source_date=self.source_date,
            tier=self.tier, cache_write_per_1m=self.cache_write_per_1m,
        )

    def line_filter(self) -> dict:
        """The fields that name this price line; rows sharing them are one line's history."""
        return {f: getattr(self, f) for f in ("model", "kind", "deployment_type", "tier", "size", "quality")}


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


class CustomModel(models.Model):
    """A model an Admin added from the UI, so a model released this month is estimated without a new release.

    It becomes a registry entry (shared_rules.models.ModelInfo) with the same fields and checks as the shipped ones;
    an entry of the same name replaces the shipped one. Its prices are rows of the price table like any other.
    """

    class Encoding(models.TextChoices):
        O200K = "o200k_base", "o200k_base (GPT-4o and later)"
        CL100K = "cl100k_base", "cl100k_base (GPT-4, GPT-3.5, embeddings)"

    class ImageRuleKind(models.TextChoices):
        NONE = "", "No image input"
        TILE = "tile", "Tiles of 512 px (base + per tile)"
        PATCH = "patch", "Patches of 32 px (times a multiplier)"

    class Status(models.TextChoices):
        GA = "ga", "Generally available"
        PREVIEW = "preview", "Preview"
        DEPRECATED = "deprecated", "Deprecated"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=100, unique=True, validators=[RegexValidator(
        r"^[a-z0-9][a-z0-9._-]*$", "Lower-case letters, digits, dots and dashes, as Azure names models.")],
        help_text="The model name; dated versions (name-2026-11-01) and fine-tunes of it resolve to it.")
    family = models.CharField(max_length=40, help_text="What pickers and the price table group it under: gpt-5...")
    kind = models.CharField(max_length=20, default="chat", choices=[(k, k) for k in ("chat", "responses",
                                                                                     "embeddings", "completions")])
    encoding = models.CharField(max_length=20, choices=Encoding, default=Encoding.O200K)
    tokenizer_published = models.BooleanField(default=True, help_text="Untick when the model's tokenizer is not "
                                              "published: estimates then say the count is approximate.")
    context = models.PositiveIntegerField(validators=[MinValueValidator(1)], help_text="Context window, in tokens.")
    max_output = models.PositiveIntegerField(validators=[MinValueValidator(1)], help_text="Maximum output tokens.")
    image_rule = models.CharField(max_length=10, choices=ImageRuleKind, blank=True, default="")
    tile_base = models.PositiveIntegerField(null=True, blank=True, help_text="Tile rule: tokens of every image.")
    tile_tokens = models.PositiveIntegerField(null=True, blank=True, help_text="Tile rule: tokens per 512-px tile.")
    patch_multiplier = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True,
                                           validators=[MinValueValidator(Decimal("0.001"))],
                                           help_text="Patch rule: billed tokens per 32-px patch.")
    patch_budget = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)],
                                               help_text="Patch rule: most patches at high detail (1,536 usually).")
    status = models.CharField(max_length=12, choices=Status, default=Status.GA)
    retires_on = models.DateField(null=True, blank=True)
    successor = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=300, help_text="Where these figures come from, and its date.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["family", "name"]

    def __str__(self) -> str:
        return self.name

    def as_info(self) -> ModelInfo:
        """The registry entry this row describes."""
        rule = None
        if self.image_rule == self.ImageRuleKind.TILE:
            rule = image_rules.TileRule(self.tile_base, self.tile_tokens, source=self.source)
        elif self.image_rule == self.ImageRuleKind.PATCH:
            rule = image_rules.PatchRule(self.patch_multiplier, f"added by an Admin ({self.source})",
                                         budgets={"high": image_rules.PatchBudget(self.patch_budget)})
        note = "" if self.tokenizer_published else (
            f"{self.name}'s tokenizer is not published: counted with {self.encoding} (approximate)")
        return ModelInfo(
            name=self.name, family=self.family, kind=self.kind, encoding=self.encoding, tokenizer_note=note,
            context=self.context, max_output=self.max_output, vision=rule is not None, image_rule=rule,
            lifecycle=Lifecycle(self.status, self.retires_on, self.successor or None, self.source),
            source=f"{self.source} (added by an Admin)",
        )
