"""Start-up checks that turn an unreachable database or Redis into one clear line naming the setting."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection
from django.db.utils import OperationalError

from studio.env import ConfigError


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def _first_line(error: Exception) -> str:
    text = str(error).strip() or error.__class__.__name__
    return text.splitlines()[0]


def check_database() -> None:
    try:
        connection.ensure_connection()
    except OperationalError as error:
        if settings.DATABASE_URL:
            where = f"the database named by DATABASE_URL ({_without_password(settings.DATABASE_URL)})"
        else:
            where = f"the SQLite database {settings.DATABASES['default']['NAME']}"
        raise ConfigError(f"{where} is unreachable: {_first_line(error)}") from None


def check_redis(timeout: float = 3.0) -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as error:
        raise ConfigError(
            f"Redis named by REDIS_URL ({_without_password(settings.REDIS_URL)}) is unreachable: {_first_line(error)}"
        ) from None
    finally:
        client.close()
