"""Real processes for the tests: the web server under uvicorn, a Celery worker, the embedded Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx2

from studio.stack import die_with_parent

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for(settings_dict: dict) -> str:
    """A DATABASE_URL that points a child process at the database the tests are using right now."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    if engine.endswith("postgresql"):
        user = quote(settings_dict.get("USER") or "")
        password = quote(settings_dict.get("PASSWORD") or "")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"
    raise ValueError(f"no URL form for database engine {engine}")


def wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited with code {process.returncode} while starting")
        try:
            httpx2.get(url, timeout=1.0)
            return
        except httpx2.TransportError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop a child started in its own session, and everything in its process group."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def child_env(**overrides: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "studio.settings", "PYTHONUNBUFFERED": "1"}
    env.update(overrides)
    return env


@contextmanager
def running(argv: list[str], env: dict[str, str], *, ready_url: str | None = None, log_path: Path | None = None):
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               preexec_fn=die_with_parent)
    try:
        if ready_url:
            wait_until_serving(ready_url, process)
        yield process
    finally:
        stop(process)
        if log_path:
            log.close()


def uvicorn_argv(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "studio.asgi:application", "--host", "127.0.0.1", "--port", str(port),
            "--no-access-log", "--lifespan", "off", "--timeout-graceful-shutdown", "2"]


def celery_worker_argv() -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "studio", "worker", "--loglevel", "INFO", "--concurrency", "1",
            "--pool", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle"]
