"""`make run`: check, migrate, create the first Admin, then run Redis, the engine, Celery and the web server."""

from __future__ import annotations

import os
import signal
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from studio import preflight
from studio.accounts.services import ensure_first_admin
from studio.embedded_redis import redis_server_command, wait_for_redis
from studio.env import ConfigError, env_str, redis_socket_path
from studio.resources.services import local_engine_resource_ensure, local_engine_secrets
from studio.stack import ChildKeepsCrashing, Stack, python


def wait_for_http(url: str, stack: Stack, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (child := stack.exited()) is not None:
            raise CommandError(f"{child.describe_exit()} while starting")
        # The stdlib is enough to ask a local process whether it is up; upstream calls go through studio.upstream.
        try:
            with urllib.request.urlopen(url, timeout=1.0) as answer:  # noqa: S310 - a fixed local http URL
                if answer.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise CommandError(f"{url} did not answer within {timeout:.0f} s")


class Command(BaseCommand):
    help = "Run the whole Studio stack in the foreground; Ctrl-C stops every process it started."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=env_str("STUDIO_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(env_str("STUDIO_PORT", "8000")))
        parser.add_argument("--no-engine", action="store_true", help="do not start the local engine")

    def handle(self, *args, host: str, port: int, no_engine: bool, **options):
        stack = Stack(log=lambda line: self.stdout.write(line))
        stopping = False

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "studio.settings", "STUDIO_DATA_DIR": str(settings.VAR_DIR)}
        try:
            self._start(stack, env, host, port, no_engine)
            while not stopping:
                stack.supervise()  # a crashed child is restarted with backoff; the others keep running
                time.sleep(0.3)
            self.stdout.write("Stopping Studio...")
        except ChildKeepsCrashing as error:
            stack.stop()
            self.stderr.write(f"Studio stopped: {error}")
            raise SystemExit(1) from None
        except ConfigError as error:
            stack.stop()
            self.stderr.write(f"Studio cannot start: {error}")
            raise SystemExit(1) from None
        finally:
            stack.stop()
        self.stdout.write("Studio stopped; no process is left running.")

    def _sync_local_engine(self, engine_url: str) -> None:
        """Mirror the engine's deployments before the site opens, so the first page shows them (a local call)."""
        from studio.resources.models import Resource
        from studio.resources.sync import resource_sync
        from studio.upstream.errors import UpstreamError

        for resource in Resource.objects.filter(kind=Resource.Kind.LOCAL_ENGINE, endpoint=engine_url):
            try:
                resource_sync(resource)
            except UpstreamError as error:
                self.stderr.write(f"The Local engine resource could not be synced yet: {error.message}")

    def _start(self, stack: Stack, env: dict[str, str], host: str, port: int, no_engine: bool) -> None:
        preflight.check_database()
        call_command("migrate", interactive=False, verbosity=0)
        admin, password = ensure_first_admin(password=env_str("STUDIO_ADMIN_PASSWORD") or None)

        logs = settings.VAR_DIR / "log"
        logs.mkdir(exist_ok=True)
        if settings.EMBEDDED_REDIS:
            socket_path = redis_socket_path(settings.VAR_DIR)
            socket_path.parent.mkdir(parents=True, exist_ok=True)
            redis_process = stack.start("redis", redis_server_command(socket_path), env, logs / "redis.log")
            wait_for_redis(settings.REDIS_URL, process=redis_process)
        else:
            preflight.check_redis()

        if settings.ENGINE_ENABLED and not no_engine:
            engine_url = f"http://{settings.ENGINE_HOST}:{settings.ENGINE_PORT}"
            local_engine_resource_ensure(url=engine_url)
            engine_secrets = local_engine_secrets(engine_url)
            engine_env = {**env, "ENGINE_HOST": settings.ENGINE_HOST, "ENGINE_PORT": str(settings.ENGINE_PORT),
                          "ENGINE_DATA_DIR": str(settings.ENGINE_DATA_DIR),
                          "ENGINE_API_KEY": engine_secrets.api_key, "ENGINE_ARM_TOKEN": engine_secrets.arm_token}
            stack.start("engine", [python(), "-m", "engine"], engine_env, logs / "engine.log")
            wait_for_http(f"{engine_url}/engine/health", stack)
            self._sync_local_engine(engine_url)

        celery = [python(), "-m", "celery", "-A", "studio"]
        stack.start("worker", [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"], env,
                    logs / "worker.log")
        stack.start("beat", [*celery, "beat", "--loglevel", "INFO",
                             "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME], env, logs / "beat.log")
        stack.start("web", [python(), "-m", "uvicorn", "studio.asgi:application", "--host", host, "--port", str(port),
                            "--no-access-log", "--lifespan", "off", "--timeout-graceful-shutdown", "5"], env)
        url = f"http://{host}:{port}/"
        wait_for_http(f"{url}healthz", stack)
        # Beat's first periodic sync comes an interval after start; the console should not wait that long.
        from studio.core.queue import enqueue
        from studio.resources.tasks import sync_all_resources

        enqueue(sync_all_resources)

        self.stdout.write(self.style.SUCCESS(f"Studio is running at {url}"))
        if password:
            self.stdout.write(f"First login: user {admin.username!r}, password {password!r} (shown once; change it "
                              "under Profile → Change password, or set STUDIO_ADMIN_PASSWORD before the first run)")
        elif admin is not None:
            self.stdout.write(f"First login: user {admin.username!r} with the password in STUDIO_ADMIN_PASSWORD")
        self.stdout.write(f"Logs of Redis, the engine, the worker and beat: {logs}/; the web server logs here.")
        self.stdout.write("Press Ctrl-C to stop every process.")
