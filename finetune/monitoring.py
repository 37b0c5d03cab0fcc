"""Following sent jobs: beat claims the jobs due for a poll (a lease, so two workers never poll one job at once and
a killed worker's job is freed when the lease ends); a poll reads the job, stores new events and checkpoints
(unique by upstream id, so nothing is stored twice), and at the end loads results.csv by its header names."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from finetune import conf
from finetune.models import Job, JobCheckpoint, JobEvent, JobMetric
from finetune.notifications import notify
from finetune.statuses import is_terminal, is_waiting, status_word
from shared_rules import pricing
from studio.estimator.selectors import price_book
from studio.upstream import finetuning as upstream
from studio.upstream.errors import RateLimited, UpstreamError, UpstreamNotFound

log = logging.getLogger(__name__)

# results.csv columns by header name -> JobMetric field; older files spell some differently.
RESULT_COLUMNS = {
    "train_loss": "train_loss", "training_loss": "train_loss",
    "train_mean_token_accuracy": "train_accuracy", "training_accuracy": "train_accuracy",
    "valid_loss": "valid_loss", "validation_loss": "valid_loss",
    "valid_mean_token_accuracy": "valid_accuracy", "validation_mean_token_accuracy": "valid_accuracy",
    "validation_accuracy": "valid_accuracy",
    "full_valid_loss": "full_valid_loss", "full_valid_mean_token_accuracy": "full_valid_accuracy",
}


def jobs_due_for_poll() -> list[int]:
    """Claim the sent jobs whose poll time has come and whose lease is free."""
    now = timezone.now()
    free = Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now)
    due = Job.objects.filter(free, state=Job.State.SUBMITTED).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
    claimed = []
    for pk in list(due.values_list("pk", flat=True)):
        lease = now + timedelta(seconds=conf.POLL_LEASE_SECONDS)
        if Job.objects.filter(free, pk=pk, state=Job.State.SUBMITTED).update(poll_lease_until=lease) == 1:
            claimed.append(pk)
    return claimed


def _when(seconds) -> datetime | None:
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None


def _number(value) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def metric_fields(values: dict) -> dict:
    fields = {}
    for column, field in RESULT_COLUMNS.items():
        if column in values and field not in fields:
            fields[field] = _number(values[column])
    return fields


def parse_results_csv(text: str) -> list[tuple[int, dict]]:
    """(step, fields) per row, by header name; blank cells are None, rows without a step are skipped."""
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        step = _number(row.get("step"))
        if step is None:
            continue
        rows.append((int(step), metric_fields(row)))
    return rows


def _store_metrics(job: Job, rows: list[tuple[int, dict]]) -> None:
    for step, fields in rows:
        JobMetric.objects.update_or_create(job=job, step=step, defaults=fields)


def _store_events(job: Job, events: list[dict]) -> None:
    if not events:
        return
    with transaction.atomic():
        JobEvent.objects.bulk_create([
            JobEvent(job=job, upstream_id=e["id"], created_at=_when(e.get("created_at")) or timezone.now(),
                     level=e.get("level") or "", kind=e.get("type") or "", message=e.get("message") or "",
                     data=e.get("data")) for e in events], ignore_conflicts=True)
        metrics = [(int(e["data"]["step"]), metric_fields(e["data"])) for e in events
                   if e.get("type") == "metrics" and isinstance(e.get("data"), dict) and "step" in e["data"]]
        _store_metrics(job, metrics)
        Job.objects.filter(pk=job.pk).update(last_event_id=events[-1]["id"])
    job.last_event_id = events[-1]["id"]


def _store_checkpoints(job: Job, checkpoints: list[dict]) -> None:
    if not checkpoints:
        return
    with transaction.atomic():
        JobCheckpoint.objects.bulk_create([
            JobCheckpoint(job=job, upstream_id=c["id"], created_at=_when(c.get("created_at")) or timezone.now(),
                          step_number=c.get("step_number") or 0, model_name=c.get("fine_tuned_model_checkpoint") or "",
                          metrics=c.get("metrics") or {}) for c in checkpoints], ignore_conflicts=True)
        Job.objects.filter(pk=job.pk).update(last_checkpoint_id=checkpoints[-1]["id"])
    job.last_checkpoint_id = checkpoints[-1]["id"]


def _next_interval(job: Job, status: str) -> float:
    """Running: every POLL_SECONDS. Waiting in the queue: back off, doubling up to POLL_MAX_SECONDS."""
    if is_waiting(status):
        return min(conf.POLL_MAX_SECONDS, max(conf.POLL_SECONDS, (job.poll_interval or conf.POLL_SECONDS) * 2))
    return conf.POLL_SECONDS


def _total_steps(job: Job, item: dict) -> int | None:
    """Steps the job will take: from the events' metrics when the service says so, else from the estimate."""
    hyper = item.get("hyperparameters") or {}
    epochs, batch = hyper.get("n_epochs"), hyper.get("batch_size")
    examples = job.training_dataset.examples
    if isinstance(epochs, int) and isinstance(batch, int) and epochs > 0 and batch > 0 and examples:
        return -(-examples // batch) * epochs
    return job.total_steps


def final_cost(job: Job, trained_tokens: int | None) -> Decimal | None:
    if not trained_tokens:
        return None
    row = price_book().quote(job.base_model, job.training_type, "training_tokens").row
    return pricing.training_cost(trained_tokens, row).total if row else None


def job_poll(job_id: int) -> Job | None:
    """One poll of one sent job; the lease is released at the end whatever happens."""
    job = Job.objects.select_related("resource", "training_dataset").filter(pk=job_id,
                                                                             state=Job.State.SUBMITTED).first()
    if job is None:
        return None
    fields: dict = {}
    try:
        item = upstream.job_retrieve(job.resource, job.upstream_id)
        _store_events(job, upstream.job_events_since(job.resource, job.upstream_id, job.last_event_id or None))
        _store_checkpoints(job, upstream.job_checkpoints_since(job.resource, job.upstream_id,
                                                               job.last_checkpoint_id or None))
        status = str(item.get("status") or "")
        fields.update(upstream_status=status, problem="", fine_tuned_model=item.get("fine_tuned_model") or "",
                      trained_tokens=item.get("trained_tokens"), total_steps=_total_steps(job, item),
                      estimated_finish=_when(item.get("estimated_finish")))
        if status_word(status) == "running" and job.started_at is None:
            fields["started_at"] = timezone.now()
        if is_terminal(status):
            _finish(job, item, fields)
        else:
            interval = _next_interval(job, status)
            fields.update(poll_interval=interval, next_poll_at=timezone.now() + timedelta(seconds=interval))
    except UpstreamNotFound as error:
        fields.update(state=Job.State.GONE, finished_at=timezone.now(),
                      problem=f"The service no longer has this job (404): it was deleted outside Studio, or the "
                              f"resource changed. {error.message}")
        notify(job.submitted_by, job, f"Your fine-tuning job {job.pk} ({job.base_model}) is gone from "
                                      f"{job.resource.name}.")
    except UpstreamError as error:
        # 429, 5xx, timeouts: try again later, sooner or later by the service's retry-after; other errors (a key
        # revoked) are shown on the page and retried slowly, since an Admin may fix the resource.
        wait = conf.POLL_MAX_SECONDS if not error.retryable else min(
            conf.POLL_MAX_SECONDS, max(conf.POLL_SECONDS, (job.poll_interval or conf.POLL_SECONDS) * 2))
        if isinstance(error, RateLimited) and error.retry_after:
            wait = max(wait, error.retry_after)
        fields.update(problem=f"Last poll failed: {error.message}", poll_interval=wait,
                      next_poll_at=timezone.now() + timedelta(seconds=wait))
    finally:
        fields["poll_lease_until"] = None
        Job.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def _finish(job: Job, item: dict, fields: dict) -> None:
    status = fields["upstream_status"]
    result_files = item.get("result_files") or []
    if result_files and not job.results_loaded:
        text = upstream.file_content(job.resource, result_files[0]).decode("utf-8-sig", errors="replace")
        with transaction.atomic():
            _store_metrics(job, parse_results_csv(text))
        fields.update(result_file_id=result_files[0], results_loaded=True)
    error = item.get("error") or {}
    fields.update(state=Job.State.FINISHED, finished_at=_when(item.get("finished_at")) or timezone.now(),
                  final_cost=final_cost(job, item.get("trained_tokens")),
                  problem=(error.get("message") or "") if status_word(status) == "failed" else "")
    word = status_word(status)
    tail = {"succeeded": f": {item.get('fine_tuned_model')} is ready to deploy.",
            "failed": f": {error.get('message') or 'no reason given'}"}.get(word, ".")
    notify(job.submitted_by, job, f"Your fine-tuning job {job.pk} ({job.base_model}) {word}{tail}")
