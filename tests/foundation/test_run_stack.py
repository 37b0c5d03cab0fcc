"""`make run`'s stack: it comes up, its first login works, and Ctrl-C leaves no process behind."""

import re
import signal
import subprocess
import sys
import time

import httpx2
import psutil
import pytest

from tests.processes import ROOT, child_env, free_port

ADMIN_PASSWORD = "first-login-password-42"


@pytest.fixture
def stack(tmp_path):
    port, engine_port = free_port(), free_port()
    # The embedded defaults in a data dir of the test's own, whatever DATABASE_URL and REDIS_URL say.
    env = child_env(STUDIO_DATA_DIR=str(tmp_path / "var"), DATABASE_URL="", REDIS_URL="",
                    ENGINE_PORT=str(engine_port), STUDIO_ADMIN_PASSWORD=ADMIN_PASSWORD, STUDIO_PORT=str(port))
    process = subprocess.Popen([sys.executable, "manage.py", "runstack"], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    output: list[str] = []
    deadline = time.monotonic() + 120
    try:
        for line in process.stdout:
            output.append(line)
            if "Press Ctrl-C" in line or time.monotonic() > deadline:
                break
        yield process, "".join(output), f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()


def wait_for(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.3)
    return None


def _command(process: psutil.Process) -> str:
    """A child's command line; "" for one that has just died (a zombie the stack has not reaped yet has none)."""
    try:
        return " ".join(process.cmdline())
    except psutil.NoSuchProcess:  # ZombieProcess included
        return ""


def _restarted_worker(stack_pid: int, old_pid: int) -> bool:
    return any("celery -A studio worker" in _command(p) and p.pid != old_pid
               for p in psutil.Process(stack_pid).children())


def test_stack_starts_serves_the_first_login_and_stops_cleanly(stack):
    process, output, url = stack
    assert f"Studio is running at {url}/" in output, output
    assert "First login: user 'admin'" in output

    descendants = psutil.Process(process.pid).children(recursive=True)
    commands = " ".join(" ".join(child.cmdline()) for child in descendants)
    for part in ("redis-server", "celery -A studio worker", "celery -A studio beat", "uvicorn studio.asgi", "engine"):
        assert part in commands, f"{part} is not running: {commands}"

    with httpx2.Client(base_url=url, follow_redirects=True) as browser:
        page = browser.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        home = browser.post("/accounts/login/", data={"username": "admin", "password": ADMIN_PASSWORD,
                                                      "csrfmiddlewaretoken": token})
        assert "Welcome, admin" in home.text
        assert "Local engine" in home.text  # the default resource, with its two deployments
        # The worker reports when it is ready, not a beat interval (30 s) later.
        assert wait_for(lambda: "badge ok\">running" in browser.get("/").text, timeout=30)
        # The Local engine is synced at start: its deployments show their upstream state.
        assert wait_for(lambda: "badge ok\">ready" in browser.get("/deployments/").text, timeout=30)

        # A worker killed outright is restarted; the rest of the stack never notices.
        worker = next(p for p in descendants if "celery -A studio worker" in " ".join(p.cmdline()))
        others = [p for p in descendants if p.pid != worker.pid and p.ppid() == process.pid]
        worker.kill()
        assert wait_for(lambda: _restarted_worker(process.pid, worker.pid), timeout=30)
        assert all(p.is_running() for p in others)
        assert browser.get("/healthz").status_code == 200

    descendants = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    remaining = process.stdout.read()
    assert process.wait(60) == 0, remaining
    assert "worker exited with code -9" in remaining and "restarting it in 0.5 s" in remaining
    assert "no process is left running" in remaining
    gone, alive = psutil.wait_procs(descendants, timeout=10)
    assert alive == [], f"left running: {[p.cmdline() for p in alive]}"
