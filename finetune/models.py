"""Fine-tuning's records: datasets (by content hash), jobs and their state machine, what the upstream job reported
(events, checkpoints, metrics by step), the approval threshold, and in-app notifications."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from studio.estimator.models import BackgroundValidation
from studio.resources.models import Resource


class Dataset(models.Model):
    """A JSONL file kept once per content: the same bytes uploaded again are this dataset."""

    class Format(models.TextChoices):
        CHAT = "chat", "Chat (messages)"
        PROMPT_COMPLETION = "prompt_completion", "Prompt / completion (babbage-002, davinci-002)"
        PREFERENCE = "preference", "Preference pairs (DPO)"

    class CheckState(models.TextChoices):
        CHECKING = "checking", "checking"
        USABLE = "usable", "valid"
        BROKEN = "broken", "has errors"
        TOO_FEW = "too_few", "too few examples"
        FAILED = "failed", "check failed"

    content_hash = models.CharField(max_length=64, unique=True)  # sha256 of the bytes
    name = models.CharField(max_length=255)
    format = models.CharField(max_length=20, choices=Format, default=Format.CHAT)
    checked_for = models.CharField(max_length=100, help_text="The model whose rules and tokenizer checked it.")
    file_path = models.CharField(max_length=1000)
    size = models.BigIntegerField()
    validation = models.ForeignKey(BackgroundValidation, null=True, on_delete=models.SET_NULL, related_name="+")
    profile = models.JSONField(default=dict)  # messages per example, learned turns (dataset_shapes)
    # The report's headline, kept here when the check ends so that lists and forms never load whole reports.
    check_state = models.CharField(max_length=10, choices=CheckState, default=CheckState.CHECKING)
    examples = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def checked(self) -> bool:
        return self.validation is not None and self.validation.status == BackgroundValidation.Status.DONE

    @property
    def summary(self) -> dict:
        """The validator's full report as stored (empty until the check is done); lists use the fields below."""
        if not self.checked:
            return {}
        return self.validation.result["report"]

    @property
    def usable(self) -> bool:
        """Checked, without a broken line, with enough examples: the only kind a job may train on."""
        return self.check_state == self.CheckState.USABLE

    @property
    def state_label(self) -> str:
        if self.check_state == self.CheckState.BROKEN:
            return f"{self.error_count:,} error{'s' if self.error_count != 1 else ''}"
        if self.check_state == self.CheckState.USABLE and self.warnings:
            return "valid, with warnings"
        return self.get_check_state_display()


class FineTuningSettings(models.Model):
    """The team's fine-tuning settings; one row (pk 1)."""

    approval_threshold = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("50.00"), validators=[MinValueValidator(0)],
        help_text="Jobs whose estimated training cost is above this (USD) wait for an Admin's approval.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"approval above {self.approval_threshold} USD"

    @classmethod
    def current(cls) -> FineTuningSettings:
        return cls.objects.get_or_create(pk=1)[0]


class Job(models.Model):
    """A fine-tuning job as the team sees it: Studio's own state machine, and the upstream job once it exists.

    `state` says what Studio does next and is changed only by compare-and-set updates; `upstream_status` is what the
    service last said, kept verbatim (an unknown value is shown, never a crash).
    """

    class State(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Waiting for approval"
        DECLINED = "declined", "Declined"
        READY = "ready", "Waiting for a worker"
        SUBMITTING = "submitting", "Submitting"
        SUBMITTED = "submitted", "Sent"
        FINISHED = "finished", "Finished"
        FAILED_TO_SUBMIT = "failed_to_submit", "Could not be sent"
        CANCELLED = "cancelled", "Cancelled before sending"
        GONE = "gone", "Gone upstream"

    class Method(models.TextChoices):
        SUPERVISED = "supervised", "Supervised"
        DPO = "dpo", "Direct preference optimization (DPO)"

    class TrainingType(models.TextChoices):
        STANDARD = "Standard", "Standard (regional)"
        GLOBAL = "GlobalStandard", "Global"
        DEVELOPER = "Developer", "Developer (cheaper, pre-emptible)"

    OPEN_STATES = (State.AWAITING_APPROVAL, State.READY, State.SUBMITTING, State.SUBMITTED)

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="fine_tuning_jobs")
    base_model = models.CharField(max_length=100)  # as the service names it, e.g. gpt-4o-mini-2024-07-18
    method = models.CharField(max_length=12, choices=Method, default=Method.SUPERVISED)
    training_type = models.CharField(max_length=20, choices=TrainingType, default=TrainingType.STANDARD)
    training_dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="training_jobs")
    validation_dataset = models.ForeignKey(Dataset, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="validation_jobs")
    hyperparameters = models.JSONField(default=dict)  # n_epochs, batch_size, learning_rate_multiplier (absent: auto)
    beta = models.FloatField(null=True, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    suffix = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="fine_tuning_jobs")
    created_at = models.DateTimeField(default=timezone.now)
    estimated_tokens = models.BigIntegerField(default=0)
    estimated_epochs = models.PositiveIntegerField(default=0)
    estimated_cost = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")

    state = models.CharField(max_length=20, choices=State, default=State.READY)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    # Submission: each upstream id is stored before the next step, so a resumed run continues from here.
    # The key names this job's uploads upstream: unique across Studio installs sharing a resource (a pk is not).
    submission_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    training_file_id = models.CharField(max_length=100, blank=True)
    validation_file_id = models.CharField(max_length=100, blank=True)
    upstream_id = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    touched_at = models.DateTimeField(null=True, blank=True)  # a running worker bumps it; beat resumes stale ones
    progress = models.CharField(max_length=200, blank=True)
    problem = models.TextField(blank=True)  # the last error, in words

    # Monitoring
    upstream_status = models.CharField(max_length=40, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    poll_interval = models.FloatField(default=0)
    poll_lease_until = models.DateTimeField(null=True, blank=True)
    last_event_id = models.CharField(max_length=100, blank=True)
    last_checkpoint_id = models.CharField(max_length=100, blank=True)
    fine_tuned_model = models.CharField(max_length=200, blank=True)
    trained_tokens = models.BigIntegerField(null=True, blank=True)
    total_steps = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    estimated_finish = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result_file_id = models.CharField(max_length=100, blank=True)
    results_loaded = models.BooleanField(default=False)
    final_cost = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_poll_at"])]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.base_model})"

    @property
    def status(self) -> str:
        """One word for lists and filters: Studio's state until the job is sent, then the service's status."""
        from finetune.statuses import display_status

        return display_status(self)

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def latest_step(self) -> int:
        return self.metrics.aggregate(models.Max("step"))["step__max"] or 0


class JobEvent(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    upstream_id = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    level = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    data = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["job", "upstream_id"], name="one_event_per_upstream_id")]

    def __str__(self) -> str:
        return self.message


class JobCheckpoint(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="checkpoints")
    upstream_id = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    step_number = models.PositiveIntegerField(default=0)
    model_name = models.CharField(max_length=250)  # fine_tuned_model_checkpoint: deployable
    metrics = models.JSONField(default=dict)

    class Meta:
        ordering = ["-step_number"]
        constraints = [models.UniqueConstraint(fields=["job", "upstream_id"], name="one_checkpoint_per_upstream_id")]

    def __str__(self) -> str:
        return self.model_name


class JobMetric(models.Model):
    """One training step's figures: from metrics events while the job runs, from results.csv at the end."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="metrics")
    step = models.PositiveIntegerField()
    train_loss = models.FloatField(null=True)
    train_accuracy = models.FloatField(null=True)
    valid_loss = models.FloatField(null=True)
    valid_accuracy = models.FloatField(null=True)
    full_valid_loss = models.FloatField(null=True)
    full_valid_accuracy = models.FloatField(null=True)

    class Meta:
        ordering = ["step"]
        constraints = [models.UniqueConstraint(fields=["job", "step"], name="one_metric_row_per_step")]

    def __str__(self) -> str:
        return f"step {self.step}"


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    job = models.ForeignKey(Job, null=True, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message
