"""Redis restarted while a job is followed: a real beat and a real worker reconnect unaided and the job still reaches
its end (beat resends whatever a lost message was carrying, since the database says what is left to do)."""

from __future__ import annotations

import sys
import time

import pytest

from finetune import services
from finetune.models import Job
from studio.embedded_redis import redis_server_command, wait_for_redis
from studio.upstream import finetuning as upstream
from tests import processes

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_state(pk: int, state: str, timeout: float) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=pk)
        if job.state == state:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {pk} stayed {job.state} ({job.upstream_status}, {job.problem})")


def test_beat_and_worker_recover_from_a_redis_restart(synced_resource, make_dataset, request_job, live_database_url,
                                                     settings, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "_send_to_worker", lambda job: None)  # only beat hands work out in this test
    socket = tmp_path / "redis.sock"
    url = f"unix://{socket}"
    env = processes.child_env(DATABASE_URL=live_database_url, REDIS_URL=url, STUDIO_REDIS_PREFIX="restart-test:",
                              STUDIO_DATA_DIR=str(settings.VAR_DIR), STUDIO_FINETUNE_BEAT_SECONDS="1",
                              STUDIO_FINETUNE_POLL_SECONDS="1", STUDIO_FINETUNE_FILE_POLL_SECONDS="1",
                              STUDIO_FINETUNE_RESEND_SECONDS="1")
    beat = [sys.executable, "-m", "celery", "-A", "studio", "beat", "--loglevel", "INFO",
            "-s", str(tmp_path / "beat-schedule")]
    redis = processes.running(redis_server_command(socket), processes.child_env())
    redis_process = redis.__enter__()
    wait_for_redis(url, process=redis_process)
    with processes.running(processes.celery_worker_argv(), env, log_path=tmp_path / "worker.log"), \
            processes.running(beat, env, log_path=tmp_path / "beat.log"):
        resource = synced_resource()
        job = request_job(resource, make_dataset(), hyperparameters={"n_epochs": 50, "batch_size": 1})
        wait_for_state(job.pk, Job.State.SUBMITTED, 60)

        redis.__exit__(None, None, None)  # Redis goes away mid-job...
        time.sleep(2)
        redis = processes.running(redis_server_command(socket), processes.child_env())
        wait_for_redis(url, process=redis.__enter__())  # ... and comes back empty (no persistence)
        assert Job.objects.get(pk=job.pk).state == Job.State.SUBMITTED  # what is left happens after the restart
        try:
            job = wait_for_state(job.pk, Job.State.FINISHED, 120)
        finally:
            redis.__exit__(None, None, None)
    assert job.status == "succeeded"
    assert job.events.count() == len(upstream.job_events_since(resource, job.upstream_id, None))
    assert (tmp_path / "beat.log").read_text().count("finetune.tasks.monitor_jobs") > 3
