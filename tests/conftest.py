"""Fixtures every test area shares: users per role, a real Redis, a real Celery worker, the site under uvicorn."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from studio.accounts import roles
from tests import processes

PASSWORD = "correct horse battery staple"


# --- Under CI=true a skipped test is a failed run: nothing may silently drop out of the suite. ---
_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    from studio.env import suite_database_path

    # Django drops the test database file; SQLite's WAL and shared-memory files beside it are left to us.
    for leftover in ("-wal", "-shm", "-journal"):
        Path(f"{suite_database_path()}{leftover}").unlink(missing_ok=True)
    if _skipped:
        session.config.get_terminal_writer().line(f"CI=true: {len(_skipped)} test(s) skipped: {_skipped[:5]}", red=True)
        session.exitstatus = 1


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    # The usage writer thread may still hold the record of a test's last call. Written while a transactional
    # test's flush truncates the tables, it deadlocks on PostgreSQL and the flush fails: drain it before any
    # fixture is torn down.
    from studio.usage.records import pending_writes_flush, writer_connection_close

    pending_writes_flush()
    if nextitem is None:  # the last test: the test database is dropped next, with no session left open on it
        writer_connection_close()


@pytest.fixture(scope="session", autouse=True)
def _flush_outlasts_a_late_write():
    """Another process of the suite's (the site under uvicorn, a Celery worker) may write a usage record just as a
    transactional test's flush truncates the tables. On PostgreSQL the two can deadlock, and the database may abort
    the flush; the write has finished by then, so the flush is tried again. TRUNCATE happens only in tests."""
    import time

    from django.db.backends.base.operations import BaseDatabaseOperations
    from django.db.utils import OperationalError

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        for attempt in range(5):
            try:
                return original(self, sql_list)
            except OperationalError as error:
                if "deadlock" not in str(error).lower() or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original


def pytest_collection_modifyitems(items):
    # Playwright's sync API leaves an event loop running in the main thread once a browser test has run;
    # browser tests go last so that no other test (asyncio.run, the ORM's async-safety check) meets it.
    def is_browser_test(item) -> bool:
        return item.nodeid.startswith("tests/browser/") or item.get_closest_marker("browser") is not None

    items.sort(key=is_browser_test)


# --- Accounts ---
@pytest.fixture
def make_user(db, django_user_model):
    def make(username: str, role: str | None = None, **fields):
        user = django_user_model.objects.create_user(username=username, password=PASSWORD, **fields)
        if role:
            roles.set_role(user, role)
        return user

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("ada", roles.ADMIN, email="ada@example.com")


@pytest.fixture
def developer_user(make_user):
    return make_user("dev", roles.DEVELOPER, email="dev@example.com")


@pytest.fixture
def viewer_user(make_user):
    return make_user("vera", roles.VIEWER, email="vera@example.com")


@pytest.fixture
def client_as(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


# --- Redis and Celery ---
@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """The embedded redis-server on a socket of its own, or the external REDIS_URL under `make test-services`."""
    from studio.embedded_redis import redis_server_command, wait_for_redis

    if not settings.EMBEDDED_REDIS:
        yield settings.REDIS_URL
        return
    socket_path = tmp_path_factory.mktemp("redis") / "redis.sock"
    with processes.running(redis_server_command(socket_path), processes.child_env()) as process:
        url = f"unix://{socket_path}"
        wait_for_redis(url, process=process)
        yield url


@pytest.fixture(scope="session")
def redis_prefix(redis_url):
    """A key prefix of this run's own; every key under it is deleted at the end, so the server is left as found."""
    import redis

    prefix = f"studio-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="session")
def celery_broker(redis_url, redis_prefix):
    """Point this process's Celery app at the test Redis, under the run's key prefix."""
    from studio.celery import app
    from studio.env import celery_broker_url

    app.conf.broker_url = celery_broker_url(redis_url)
    app.conf.broker_transport_options = {"global_keyprefix": redis_prefix}
    yield app
    app.pool.force_close_all()


@pytest.fixture(scope="session")
def live_database_url(django_db_setup, django_db_blocker):
    """A DATABASE_URL for child processes: the test database that pytest-django created."""
    from django.db import connection

    with django_db_blocker.unblock():
        return processes.database_url_for(connection.settings_dict)


@pytest.fixture(scope="session")
def celery_worker(celery_broker, redis_url, redis_prefix, live_database_url, tmp_path_factory):
    """A real Celery worker process on the test database and the test Redis."""
    env = processes.child_env(
        DATABASE_URL=live_database_url, REDIS_URL=redis_url, STUDIO_REDIS_PREFIX=redis_prefix,
        STUDIO_DATA_DIR=str(settings.VAR_DIR),
    )
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with processes.running(processes.celery_worker_argv(), env, log_path=log) as process:
        yield process


@pytest.fixture(scope="session")
def web_server(live_database_url, redis_url, redis_prefix, tmp_path_factory):
    """The site under uvicorn (not Django's threaded test server), on the test database and the test Redis."""
    port = processes.free_port()
    env = processes.child_env(DATABASE_URL=live_database_url, STUDIO_DATA_DIR=str(settings.VAR_DIR),
                              ALLOWED_HOSTS="127.0.0.1,localhost", REDIS_URL=redis_url,
                              STUDIO_REDIS_PREFIX=redis_prefix)
    log = tmp_path_factory.mktemp("web") / "uvicorn.log"
    base = f"http://127.0.0.1:{port}"
    with processes.running(processes.uvicorn_argv(port), env, ready_url=f"{base}/healthz", log_path=log):
        yield base


# --- Prices ---
@pytest.fixture
def seeded_prices(db):
    """The migrations' price rows, again: a transactional test before this one may have emptied the table."""
    import importlib

    from django.apps import apps

    importlib.import_module("studio.estimator.migrations.0002_seed_prices").seed(apps, None)
    importlib.import_module("studio.estimator.migrations.0005_seed_prices_2026").forward(apps, None)
