"""Fine-tuning's Celery tasks: thin wrappers that call the services a view would (see submission and monitoring)."""

from __future__ import annotations

from celery import shared_task

from finetune import datasets, monitoring, submission
from finetune.models import Job
from studio.core.queue import enqueue


@shared_task
def submit_job(job_id: int) -> str:
    job = submission.job_submit(job_id)
    return job.state if job else "not claimed"


@shared_task
def poll_job(job_id: int) -> str:
    job = monitoring.job_poll(job_id)
    return job.status if job else "not polled"


@shared_task
def monitor_jobs() -> dict:
    """Beat: resend submissions that are due or were interrupted, and poll the sent jobs whose time has come."""
    submit = submission.submissions_to_resume()
    for pk in submit:
        enqueue(submit_job, pk)
    polls = monitoring.jobs_due_for_poll()
    for pk in polls:
        if not enqueue(poll_job, pk):  # the broker is down: free the lease so the next beat tries again
            Job.objects.filter(pk=pk).update(poll_lease_until=None)
    return {"submit": len(submit), "poll": len(polls)}


@shared_task
def check_dataset(validation_id: str) -> None:
    """Check a big dataset file; a second delivery finds the check claimed or finished and does nothing new."""
    datasets.dataset_check(validation_id)
