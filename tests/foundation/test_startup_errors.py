"""An unreachable DATABASE_URL or REDIS_URL stops start-up with one clear line naming the setting."""

import subprocess
import sys

from tests.processes import ROOT, child_env, free_port


def runstack(tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = child_env(STUDIO_DATA_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "manage.py", "runstack", "--no-engine", "--port", str(free_port())],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_unreachable_database_stops_start_up_with_one_line(tmp_path):
    port = free_port()  # nothing listens there
    result = runstack(tmp_path, DATABASE_URL=f"postgres://studio:hunter2secret@127.0.0.1:{port}/studio")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Studio cannot start: the database named by DATABASE_URL")
    assert "unreachable" in lines[0]
    assert "hunter2secret" not in result.stderr + result.stdout  # the password is not printed


def test_unreachable_redis_stops_start_up_with_one_line(tmp_path):
    port = free_port()
    result = runstack(tmp_path, DATABASE_URL="", REDIS_URL=f"redis://127.0.0.1:{port}/0")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Studio cannot start: Redis named by REDIS_URL")


def test_malformed_redis_url_is_named(tmp_path):
    result = runstack(tmp_path, DATABASE_URL="", REDIS_URL="http://127.0.0.1:6379")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Studio cannot start: REDIS_URL must start with redis://, rediss:// or unix://, not 'http://127.0.0.1:6379'"
    ]
