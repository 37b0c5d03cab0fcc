"""Reading Studio's settings from the environment, strictly, with local defaults under var/."""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the setting and says what to do."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    # Strict on purpose: a typo such as DEBUG=ture must not silently mean False.
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def data_dir() -> Path:
    """The folder for local data (SQLite, sockets, secrets, uploads, logs), private to the user running Studio.

    The process's umask becomes 077, so every file made later (the database and its WAL, uploads, logs, the engine's
    data, by this process and the children it starts) is private too; what an older install left readable is
    tightened here.
    """
    os.umask(0o077)
    path = Path(env_str("STUDIO_DATA_DIR") or BASE_DIR / "var").resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    make_private(path)
    return path


def make_private(folder: Path) -> None:
    """Take group and other permissions off folder and everything under it that this user owns."""
    uid = os.getuid()
    for root, dirs, files in os.walk(folder):
        for name in [root, *(os.path.join(root, entry) for entry in dirs + files)]:
            try:
                info = os.lstat(name)
                if info.st_uid == uid and not os.path.islink(name) and info.st_mode & 0o077:
                    os.chmod(name, info.st_mode & 0o700)
            except OSError:
                pass  # a file that vanished meanwhile (a socket, a WAL) needs nothing


def generated_secret(path: Path, make=lambda: secrets.token_urlsafe(50)) -> str:
    """A development secret created once and kept in var/ with owner-only permissions."""
    if path.exists():
        return path.read_text().strip()
    value = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)
    return value


def redis_socket_path(var: Path) -> Path:
    """Where the embedded Redis listens: a unix socket, so it never takes port 6379."""
    return var / "redis" / "redis.sock"


def embedded_redis_url(var: Path) -> str:
    return f"unix://{redis_socket_path(var)}"


def celery_broker_url(redis_url: str) -> str:
    # kombu spells a unix-socket Redis "redis+socket://"; redis-py spells it "unix://".
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


def check_redis_url(redis_url: str) -> None:
    scheme = urlparse(redis_url).scheme
    if scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(f"REDIS_URL must start with redis://, rediss:// or unix://, not {redis_url!r}")


def suite_database_path() -> Path:
    """Where the test suite's SQLite database lives: the temp folder, one name per checkout."""
    digest = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"studio-test-{os.getuid()}-{digest}.sqlite3"
