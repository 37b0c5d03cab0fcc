"""Sending an approved job: upload its files (waiting until processed), then create the upstream job.

The job row is a state machine claimed with a compare-and-set (READY -> SUBMITTING), so a duplicated or retried
task does nothing. Each upstream id is stored as soon as it exists; a run resumed after a killed worker first looks
for what the dead run made (a file by its job-specific name, a job by its training file) and never makes it twice.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from finetune import conf
from finetune.models import Dataset, Job
from finetune.notifications import notify
from studio.upstream import finetuning as upstream
from studio.upstream.errors import RateLimited, UpstreamError

log = logging.getLogger(__name__)


def job_submit(job_id: int) -> Job | None:
    """Claim and send one job; None when another run has it, or it is gone, or not ready."""
    now = timezone.now()
    ready = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = Job.objects.filter(ready, pk=job_id, state=Job.State.READY).update(
        state=Job.State.SUBMITTING, touched_at=now, attempts=F("attempts") + 1, progress="Starting")
    if claimed != 1:
        return None
    job = Job.objects.select_related("resource", "training_dataset", "validation_dataset").get(pk=job_id)
    try:
        _send(job)
    except UpstreamError as error:
        _after_error(job, error)
    job.refresh_from_db()
    return job


def _touch(job: Job, progress: str, **fields) -> None:
    Job.objects.filter(pk=job.pk, state=Job.State.SUBMITTING).update(touched_at=timezone.now(), progress=progress,
                                                                    **fields)
    for name, value in fields.items():
        setattr(job, name, value)


def _file_name(job: Job, dataset: Dataset, role: str) -> str:
    return f"studio-{job.submission_key.hex}-{role}.jsonl"


def _upload(job: Job, dataset: Dataset, role: str) -> str:
    """The file's upstream id: the one a killed run already uploaded, or a new upload."""
    name = _file_name(job, dataset, role)
    for item in upstream.files_named(job.resource, name):
        if item.get("status") not in upstream.FILE_FAILED:
            return item["id"]
    _touch(job, f"Uploading the {role} file")
    return upstream.file_upload(job.resource, dataset.file_path, name)["id"]


def _wait(job: Job, file_id: str, role: str) -> None:
    def sleep(seconds: float) -> None:
        _touch(job, f"Waiting for the service to process the {role} file")
        time.sleep(seconds)

    upstream.file_wait_processed(job.resource, file_id, timeout=conf.FILE_WAIT_SECONDS,
                                 interval=conf.FILE_POLL_SECONDS, sleep=sleep)


def _send(job: Job) -> None:
    if not job.training_file_id:
        _touch(job, "Uploading the training file", training_file_id=_upload(job, job.training_dataset, "training"))
    if job.validation_dataset and not job.validation_file_id:
        _touch(job, "Uploading the validation file",
               validation_file_id=_upload(job, job.validation_dataset, "validation"))
    _wait(job, job.training_file_id, "training")
    if job.validation_file_id:
        _wait(job, job.validation_file_id, "validation")
    _touch(job, "Creating the job")
    made = upstream.jobs_using_file(job.resource, job.training_file_id)
    created = made[0] if made else upstream.job_create(
        job.resource, model=job.base_model, training_file=job.training_file_id,
        validation_file=job.validation_file_id or None, hyperparameters=job.hyperparameters or None,
        suffix=job.suffix or None, seed=job.seed, method=_method(job))
    now = timezone.now()
    Job.objects.filter(pk=job.pk, state=Job.State.SUBMITTING).update(
        state=Job.State.SUBMITTED, upstream_id=created["id"], upstream_status=created.get("status") or "",
        progress="", problem="", next_poll_at=now, poll_interval=conf.POLL_SECONDS, touched_at=now)
    job.refresh_from_db()
    if job.cancel_requested:  # asked while the job was being sent: now the service has it, cancel it there
        try:
            answer = upstream.job_cancel(job.resource, job.upstream_id)
            Job.objects.filter(pk=job.pk).update(upstream_status=answer.get("status", ""))
        except UpstreamError as error:
            log.warning("cancel of job %s after submission failed: %s", job.pk, error)


def _method(job: Job) -> dict | None:
    if job.method != Job.Method.DPO:
        return None
    dpo = {"hyperparameters": {"beta": job.beta}} if job.beta is not None else {}
    return {"type": "dpo", "dpo": dpo}


def retry_delay(attempt: int, error: UpstreamError) -> float:
    """Backoff: 10 s, 20 s, 40 s... at most 10 minutes; never sooner than the service's retry-after."""
    delay = min(600.0, 10.0 * 2 ** max(0, attempt - 1))
    if isinstance(error, RateLimited) and error.retry_after:
        delay = max(delay, error.retry_after)
    return delay


def _after_error(job: Job, error: UpstreamError) -> None:
    job.refresh_from_db()
    if error.retryable and job.attempts < conf.SUBMIT_MAX_ATTEMPTS:
        delay = retry_delay(job.attempts, error)
        Job.objects.filter(pk=job.pk, state=Job.State.SUBMITTING).update(
            state=Job.State.READY, next_attempt_at=timezone.now() + timedelta(seconds=delay), touched_at=None,
            progress="",
            problem=f"Attempt {job.attempts} failed: {error.message} Next try in {delay:.0f} s.")
        return
    Job.objects.filter(pk=job.pk, state=Job.State.SUBMITTING).update(
        state=Job.State.FAILED_TO_SUBMIT, progress="", problem=error.message, finished_at=timezone.now())
    notify(job.submitted_by, job, f"Your fine-tuning job {job.pk} ({job.base_model}) could not be sent: "
                                  f"{error.message}")


def submissions_to_resume() -> list[int]:
    """Jobs to hand to a worker again: submissions whose worker died (untouched too long) go back to READY, and
    READY jobs whose retry time has come or whose message was lost."""
    now = timezone.now()
    stale = Job.objects.filter(state=Job.State.SUBMITTING,
                               touched_at__lt=now - timedelta(seconds=conf.SUBMIT_STALE_SECONDS))
    for pk in list(stale.values_list("pk", flat=True)):
        Job.objects.filter(pk=pk, state=Job.State.SUBMITTING).update(
            state=Job.State.READY, next_attempt_at=None, touched_at=None, progress="Resumed after an interrupted run")
    waited = Q(touched_at__isnull=True) | Q(touched_at__lt=now - timedelta(seconds=conf.RESEND_SECONDS))
    due = Q(next_attempt_at__lte=now) | (Q(next_attempt_at__isnull=True) & waited)
    ids = list(Job.objects.filter(due, state=Job.State.READY).values_list("pk", flat=True))
    # Sent now: the next copy only if this one is lost too (RESEND_SECONDS later).
    Job.objects.filter(pk__in=ids, state=Job.State.READY).update(next_attempt_at=None, touched_at=now)
    return ids
