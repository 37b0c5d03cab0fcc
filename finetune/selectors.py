"""Reads that need care: the team's jobs by filter, a job's progress and chart series, deployments of its model."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from finetune.models import Job
from finetune.statuses import KNOWN
from studio.resources.models import Deployment

# The filter's words -> the rows they mean (the upstream status is kept verbatim, so several spellings each).
_UPSTREAM = {word: [s for s, (w, _) in KNOWN.items() if w == word] for word in {w for w, _ in KNOWN.values()}}
_BEFORE_SENDING = {
    "awaiting approval": Q(state=Job.State.AWAITING_APPROVAL), "declined": Q(state=Job.State.DECLINED),
    "submitting": Q(state__in=(Job.State.READY, Job.State.SUBMITTING)),
    "failed to submit": Q(state=Job.State.FAILED_TO_SUBMIT), "gone upstream": Q(state=Job.State.GONE),
}


def status_filter(word: str) -> Q:
    sent = Q(state__in=(Job.State.SUBMITTED, Job.State.FINISHED))
    if word in _BEFORE_SENDING:
        return _BEFORE_SENDING[word]
    if word == "cancelled":
        return Q(state=Job.State.CANCELLED) | (sent & Q(upstream_status__in=_UPSTREAM["cancelled"]))
    if word in _UPSTREAM:
        return sent & Q(upstream_status__in=_UPSTREAM[word])
    return Q(pk__in=[])


def jobs_filtered(*, status: str = "", submitter: str = "", base_model: str = "", resource: str = "") -> QuerySet:
    jobs = Job.objects.select_related("resource", "submitted_by", "training_dataset")
    if status:
        jobs = jobs.filter(status_filter(status))
    if submitter:
        jobs = jobs.filter(submitted_by__username=submitter)
    if base_model:
        jobs = jobs.filter(base_model=base_model)
    if resource:
        jobs = jobs.filter(resource_id=resource) if resource.isdigit() else jobs.none()
    return jobs


@dataclass(frozen=True)
class Progress:
    step: int
    total: int | None
    time_left: timedelta | None

    @property
    def percent(self) -> int:
        return min(100, self.step * 100 // self.total) if self.total else 0


def job_progress(job: Job) -> Progress:
    step = job.latest_step
    total = job.total_steps
    left = None
    now = timezone.now()
    if job.estimated_finish and job.estimated_finish > now:
        left = job.estimated_finish - now
    elif job.started_at and total and 0 < step < total and job.finished_at is None:
        per_step = (now - job.started_at) / step
        left = per_step * (total - step)
    return Progress(step, total, left)


def chart_series(job: Job) -> dict:
    """Four series by step, for the SVG line charts; None where a step has no value."""
    rows = list(job.metrics.values_list("step", "train_loss", "train_accuracy", "valid_loss", "valid_accuracy"))
    names = ("train_loss", "train_accuracy", "valid_loss", "valid_accuracy")
    return {name: [[row[0], row[i + 1]] for row in rows if row[i + 1] is not None] for i, name in enumerate(names)}


def timeline(job: Job) -> list[tuple[str, datetime | None]]:
    steps: list[tuple[str, datetime | None]] = [("Requested", job.created_at)]
    if job.decided_at:
        steps.append(("Approved" if job.state != Job.State.DECLINED else "Declined", job.decided_at))
    first = job.events.order_by("created_at").first()
    if job.upstream_id:
        steps.append(("Sent to the service", first.created_at if first else None))
    if job.started_at:
        steps.append(("Training started", job.started_at))
    if job.finished_at:
        steps.append((job.status.capitalize(), job.finished_at))
    return steps


def deployments_of(job: Job) -> list[Deployment]:
    if not job.fine_tuned_model:
        return []
    return list(Deployment.objects.active().filter(resource=job.resource,
                                                   model_name__startswith=job.fine_tuned_model))


def base_deployment(job: Job) -> Deployment | None:
    """A deployment of the base model on the same resource, to compare the fine-tune with."""
    name = job.base_model
    candidates = Deployment.objects.active().filter(resource=job.resource)
    for deployment in candidates:
        dated = f"{deployment.model_name}-{deployment.model_version}" if deployment.model_version else ""
        if deployment.model_name == name or dated == name:
            return deployment
    stem = re.sub(r"-(\d{4}-\d{2}-\d{2}|\d{4})$", "", name)  # gpt-4o-mini-2024-07-18 -> gpt-4o-mini
    return candidates.filter(model_name=stem).first()
