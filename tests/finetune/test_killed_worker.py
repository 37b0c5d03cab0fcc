"""A real Celery worker killed (SIGKILL) in the middle of a submission or a poll loses nothing: beat hands the job to
the next worker, which continues from the database's state; no second upload, no second job, no duplicate event."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.db import transaction

from finetune import conf, monitoring, services, submission, tasks
from finetune.models import Job
from studio.upstream import finetuning as upstream
from tests import processes
from tests.engine_server import EngineServer
from tests.finetune.fault_proxy import FaultProxy

pytestmark = pytest.mark.django_db(transaction=True)  # the worker must see the rows
# These workers listen on a queue of their own, so the session's shared worker (tests/conftest.py) never takes
# the work this test means to interrupt.
QUEUE = "finetune-killed-worker-test"


def beat() -> None:
    """What beat's monitor_jobs does, sent to this test's queue."""
    for pk in submission.submissions_to_resume():
        tasks.submit_job.apply_async((pk,), queue=QUEUE)
    for pk in monitoring.jobs_due_for_poll():
        tasks.poll_job.apply_async((pk,), queue=QUEUE)


@pytest.fixture(scope="module")
def engine():
    # Uploaded files stay pending for 3 s, so a submission is caught waiting for them.
    with EngineServer({"ENGINE_FILE_PROCESSING_SECONDS": "3"}) as server:
        yield server


@pytest.fixture
def proxy(engine):
    with FaultProxy(engine.url) as running:
        yield running


@pytest.fixture
def start_worker(celery_broker, redis_url, redis_prefix, live_database_url, settings, tmp_path):
    started = []

    def start():
        env = processes.child_env(DATABASE_URL=live_database_url, REDIS_URL=redis_url,
                                  STUDIO_REDIS_PREFIX=redis_prefix, STUDIO_DATA_DIR=str(settings.VAR_DIR),
                                  STUDIO_FINETUNE_FILE_POLL_SECONDS="1", STUDIO_FINETUNE_POLL_SECONDS="0")
        context = processes.running(processes.celery_worker_argv() + ["-Q", QUEUE], env,
                                    log_path=tmp_path / f"w{len(started)}.log")
        process = context.__enter__()
        started.append(context)
        return process

    yield start
    for context in started:
        context.__exit__(None, None, None)


def kill(process) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_for(predicate, timeout: float = 60, what: str = "") -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def job_where(pk: int, **conditions):
    return lambda: Job.objects.filter(pk=pk, **conditions).first()


def test_a_worker_killed_mid_submission_and_mid_poll_loses_nothing(proxy, synced_resource, make_dataset, request_job,
                                                                   start_worker, monkeypatch):
    monkeypatch.setattr(conf, "SUBMIT_STALE_SECONDS", 0)
    monkeypatch.setattr(conf, "POLL_LEASE_SECONDS", 2)
    monkeypatch.setattr(services, "_send_to_worker", lambda job: transaction.on_commit(
        lambda: tasks.submit_job.apply_async((job.pk,), queue=QUEUE)))
    resource = synced_resource("Killed worker", endpoint=proxy.url)
    worker = start_worker()
    job = request_job(resource, make_dataset(), hyperparameters={"n_epochs": 2, "batch_size": 2})  # enqueued
    wait_for(job_where(job.pk, state=Job.State.SUBMITTING, progress__startswith="Waiting for the service"),
             what="the submission to wait for the file")
    kill(worker)
    job.refresh_from_db()
    assert job.state == Job.State.SUBMITTING and job.training_file_id and not job.upstream_id

    worker = start_worker()
    beat()  # the stale submission goes back to READY and to the new worker
    job = wait_for(job_where(job.pk, state=Job.State.SUBMITTED), what="the resumed submission")
    named = upstream.files_named(resource, f"studio-{job.submission_key.hex}-training.jsonl")
    assert [f["id"] for f in named] == [job.training_file_id]  # uploaded once
    assert [j["id"] for j in upstream.jobs_using_file(resource, job.training_file_id)] == [job.upstream_id]

    # Now a poll hangs on the events call, and its worker is killed there.
    proxy.add("GET", "/events", status=0, delay=30)
    beat()
    wait_for(lambda: any("/events" in path for _, path in proxy.arrived) or None, what="the poll to reach events")
    kill(worker)
    job.refresh_from_db()
    assert job.poll_lease_until is not None and job.state == Job.State.SUBMITTED  # the dead poll still holds it
    proxy.clear()
    start_worker()
    time.sleep(2.1)  # the dead poll's lease runs out
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        beat()
        job.refresh_from_db()
        if job.state == Job.State.FINISHED:
            break
        time.sleep(0.3)
    assert job.status == "succeeded" and job.results_loaded
    every = upstream.job_events_since(resource, job.upstream_id, None)
    assert job.events.count() == len(every) == len({e["id"] for e in every})
    assert list(job.metrics.values_list("step", flat=True)) == list(range(1, 13))  # 12 examples / 2 x 2 epochs
