"""A real Celery worker, on the real Redis, runs Studio's tasks against the test database."""

import time

import pytest

from studio.core.models import WorkerHeartbeat
from studio.core.tasks import record_heartbeat


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.2)
    raise AssertionError("the worker did not do the work in time")


@pytest.mark.django_db(transaction=True)
def test_the_worker_records_its_heartbeat(celery_worker):
    record_heartbeat.delay("worker-under-test")
    beat = wait_for(lambda: WorkerHeartbeat.objects.filter(worker="worker-under-test").first())
    assert beat.is_recent


@pytest.mark.django_db(transaction=True)
def test_running_the_task_twice_keeps_one_row(celery_worker):
    record_heartbeat.delay("twice")
    first = wait_for(lambda: WorkerHeartbeat.objects.filter(worker="twice").first())
    record_heartbeat.delay("twice")
    wait_for(lambda: WorkerHeartbeat.objects.filter(worker="twice", seen_at__gt=first.seen_at).exists())
    assert WorkerHeartbeat.objects.filter(worker="twice").count() == 1


def test_dashboard_says_whether_workers_report(client_as, admin_user):
    body = client_as(admin_user).get("/").content.decode()
    assert "No worker has reported yet" in body
    WorkerHeartbeat.objects.create(worker="w1")
    assert "running" in client_as(admin_user).get("/").content.decode()


def test_a_silent_worker_shows_what_to_do(client_as, admin_user):
    from datetime import timedelta

    from django.utils import timezone

    WorkerHeartbeat.objects.create(worker="frozen", seen_at=timezone.now() - timedelta(minutes=5))
    body = client_as(admin_user).get("/").content.decode()
    assert "silent" in body and "No heartbeat for 5" in body
    assert "var/log/worker.log" in body and "make run" in body


def test_the_worker_reports_as_soon_as_it_is_ready(db):
    from celery.signals import worker_ready

    from studio.core.tasks import record_heartbeat_at_start

    assert any(receiver() is record_heartbeat_at_start for _, receiver in worker_ready.receivers)
    class Consumer:  # what Celery passes as the sender: the worker's consumer, which knows its node name
        hostname = "celery@starting"

    worker_ready.send(sender=Consumer())
    assert WorkerHeartbeat.objects.get(worker="celery@starting").is_recent
