"""Upstream faults: 429 with retry-after, 5xx, timeouts and a lost answer retry with backoff and never make a second
job; a job deleted upstream (404) is marked gone; an engine that goes away and comes back is followed to the end.
The engine has no fault injection on files and jobs, so a proxy in front of it injects them (fault_proxy.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from finetune import monitoring, submission
from finetune.models import Job, Notification
from studio.upstream import finetuning as upstream
from tests.finetune.conftest import poll_until_finished
from tests.finetune.fault_proxy import FaultProxy


@pytest.fixture
def proxy(engine):
    with FaultProxy(engine.url) as running:
        yield running


@pytest.fixture
def ready_job(proxy, synced_resource, make_dataset, request_job, django_capture_on_commit_callbacks):
    resource = synced_resource("Through the proxy", endpoint=proxy.url)
    with django_capture_on_commit_callbacks():
        return request_job(resource, make_dataset())


def retry_now(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_5xx_on_upload_is_retried_later_with_backoff(proxy, ready_job):
    proxy.add("POST", "/openai/files", status=503)
    before = timezone.now()
    job = submission.job_submit(ready_job.pk)
    assert job.state == Job.State.READY and job.attempts == 1 and "503" in job.problem
    assert job.next_attempt_at >= before + timedelta(seconds=10)
    assert submission.job_submit(job.pk) is None  # not before its time
    retry_now(job)
    job = submission.job_submit(job.pk)
    assert job.state == Job.State.SUBMITTED and job.attempts == 2


def test_a_429_waits_at_least_the_services_retry_after(proxy, ready_job):
    proxy.add("POST", "/fine_tuning/jobs", status=429, retry_after=90)
    before = timezone.now()
    job = submission.job_submit(ready_job.pk)
    assert job.state == Job.State.READY and "Rate limited" in job.problem, proxy.seen
    assert job.next_attempt_at >= before + timedelta(seconds=90)


def test_a_create_whose_answer_was_lost_is_found_not_made_again(proxy, ready_job):
    proxy.add("POST", "/fine_tuning/jobs", status=504, forward_then=True)  # the engine made it; the answer is lost
    job = submission.job_submit(ready_job.pk)
    assert job.state == Job.State.READY and not job.upstream_id
    retry_now(job)
    job = submission.job_submit(job.pk)
    made = upstream.jobs_using_file(job.resource, job.training_file_id)
    assert job.state == Job.State.SUBMITTED and [j["id"] for j in made] == [job.upstream_id]
    uploads = [s for s in proxy.seen if s[0] == "POST" and s[1].startswith("/openai/files")]
    assert len(uploads) == 1  # the file uploaded by the first attempt was reused


def test_a_timeout_is_retried(proxy, ready_job, monkeypatch):
    monkeypatch.setattr(upstream, "TIMEOUT", 0.5)
    proxy.add("GET", "/openai/files/", status=0, delay=2)  # the processed-check hangs once
    job = submission.job_submit(ready_job.pk)
    assert job.state == Job.State.READY and "did not answer in time" in job.problem
    retry_now(job)
    assert submission.job_submit(job.pk).state == Job.State.SUBMITTED


def test_a_refused_request_fails_the_submission_and_tells_the_submitter(proxy, ready_job):
    proxy.add("POST", "/fine_tuning/jobs", status=400)
    job = submission.job_submit(ready_job.pk)
    assert job.state == Job.State.FAILED_TO_SUBMIT and job.status == "failed to submit"
    assert "could not be sent" in Notification.objects.get(user=job.submitted_by).message


def test_polls_back_off_on_faults_and_continue_afterwards(proxy, ready_job):
    job = submission.job_submit(ready_job.pk)
    proxy.add("GET", "/fine_tuning/jobs/", status=429, retry_after=45)
    before = timezone.now()
    job = monitoring.job_poll(job.pk)
    assert job.state == Job.State.SUBMITTED and "Rate limited" in job.problem
    assert job.next_poll_at >= before + timedelta(seconds=45) and job.poll_lease_until is None
    proxy.add("GET", "/fine_tuning/jobs/", status=502, times=1)
    Job.objects.filter(pk=job.pk).update(next_poll_at=None)
    assert "502" in monitoring.job_poll(job.pk).problem
    finished = poll_until_finished(job)
    assert finished.status == "succeeded" and finished.problem == ""


def test_a_queued_job_is_polled_less_and_less_often(proxy, ready_job, monkeypatch):
    from finetune import conf

    monkeypatch.setattr(conf, "POLL_SECONDS", 5)
    job = submission.job_submit(ready_job.pk)
    assert monitoring._next_interval(job, "pending") == 10
    job.poll_interval = 80
    assert monitoring._next_interval(job, "queued") == 160
    job.poll_interval = 250
    assert monitoring._next_interval(job, "validating_files") == conf.POLL_MAX_SECONDS
    assert monitoring._next_interval(job, "running") == 5


def test_a_job_deleted_upstream_is_marked_gone(engine, ready_job):
    import httpx2

    job = poll_until_finished(submission.job_submit(ready_job.pk))
    Job.objects.filter(pk=job.pk).update(state=Job.State.SUBMITTED)
    httpx2.delete(f"{engine.url}/openai/fine_tuning/jobs/{job.upstream_id}", params={"api-version": "2024-10-21"},
                  headers=engine.api_headers).raise_for_status()
    job = monitoring.job_poll(job.pk)
    assert job.state == Job.State.GONE and "404" in job.problem and job.status == "gone upstream"
    assert "is gone" in Notification.objects.filter(user=job.submitted_by).first().message


def test_an_engine_restart_mid_job_is_followed_to_the_end(engine, synced_resource, make_dataset, request_job,
                                                          django_capture_on_commit_callbacks):
    resource = synced_resource()
    with django_capture_on_commit_callbacks():
        job = request_job(resource, make_dataset(), hyperparameters={"n_epochs": 3, "batch_size": 1})
    job = submission.job_submit(job.pk)
    engine.kill()
    try:
        down = monitoring.job_poll(job.pk)
        assert down.state == Job.State.SUBMITTED and "refused the connection" in down.problem
    finally:
        engine.restart()
    finished = poll_until_finished(down)
    assert finished.status == "succeeded"
    assert finished.events.count() == len(upstream.job_events_since(resource, finished.upstream_id, None))


def test_an_unknown_status_is_kept_and_shown(proxy, ready_job, client_as, viewer_user):
    job = submission.job_submit(ready_job.pk)
    Job.objects.filter(pk=job.pk).update(upstream_status="hibernating")
    job.refresh_from_db()
    assert job.status == "unknown (hibernating)"
    page = client_as(viewer_user).get(f"/fine-tuning/jobs/{job.pk}/")
    assert page.status_code == 200 and "unknown (hibernating)" in page.content.decode()


def test_beat_resends_a_waiting_job_only_when_its_message_may_be_lost(ready_job, monkeypatch):
    from finetune import conf

    assert submission.submissions_to_resume() == []  # just queued: its message is on its way
    Job.objects.filter(pk=ready_job.pk).update(touched_at=timezone.now() - timedelta(seconds=conf.RESEND_SECONDS + 1))
    assert submission.submissions_to_resume() == [ready_job.pk]
    assert submission.submissions_to_resume() == []  # sent again just now: not once per beat
    Job.objects.filter(pk=ready_job.pk).update(state=Job.State.SUBMITTING, touched_at=timezone.now())
    assert submission.submissions_to_resume() == []  # its worker is at it
    monkeypatch.setattr(conf, "SUBMIT_STALE_SECONDS", 0)
    assert submission.submissions_to_resume() == [ready_job.pk]  # ... until it stops touching the row
    assert Job.objects.get(pk=ready_job.pk).state == Job.State.READY
