"""The playground's relay: streams straight to the engine against the same streams through Studio.

Starts the engine (simulated backend) and Studio's web process (uvicorn, as `make run` starts it) on a scratch
database, signs a Developer in, and measures in this one run:
1. One stream at a time (engine unpaced): time to the first token direct and through Studio, paired request by
   request; the added time at the median and p99.
2. 100 concurrent streaming chats, the engine pacing 50 tokens per second, 64 tokens each: failures, every stream's
   tokens per second through Studio against the same load direct (worst stream and median), Studio's CPU per stream
   (its process's user + system time over the run / streams) and its peak memory (RSS).
Prints the figures, the targets, LiteLLM's figures on this machine kind as the anchor, and PASS/FAIL; exit status 1
when a target is missed.

Run: .venv/bin/python bench/playground_relay.py [--pairs 200] [--streams 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from tests.engine_server import EngineServer  # noqa: E402 - needs the path above
from tests.processes import free_port, running  # noqa: E402

FIRST_TOKEN_MEDIAN_MS, FIRST_TOKEN_P99_MS = 5.0, 15.0
SPEED_RATIO = 0.95
CPU_PER_STREAM_MS = 15.0
MEMORY_MB = 500
ANCHOR = "LiteLLM proxy on this machine kind: +12-16 ms first token at one stream; 0.20 of direct per-stream speed " \
         "at 100 streams"
SETUP = """
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.middleware.csrf import _get_new_csrf_string
from studio.accounts import roles
from studio.resources.models import Deployment, Resource
import json, os
user = get_user_model().objects.create_user("bench", password="bench-password-123")
roles.set_role(user, "Developer")
resource = Resource(name="Engine", kind="local_engine", endpoint=os.environ["BENCH_ENGINE"], allow_http_loopback=True)
resource.set_api_key(os.environ["BENCH_KEY"])
resource.save()
deployment = Deployment.objects.create(resource=resource, name="chat", model_name="gpt-4o-mini",
                                       model_version="2024-07-18", capability="chat", sku_name="GlobalStandard")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(json.dumps({"session": session.session_key, "csrf": _get_new_csrf_string(), "deployment": deployment.pk}))
"""
MESSAGES = [{"role": "user", "content": "Tell me about rivers."}]


class Target:
    """One way to stream a chat: straight to the engine, or through Studio's playground."""

    def __init__(self, name: str, url: str, headers: dict[str, str], body) -> None:
        self.name, self.url, self.headers, self.body = name, url, headers, body

    async def stream(self, client: httpx2.AsyncClient, max_tokens: int) -> tuple[float, int, float, float]:
        """(seconds to the first token, tokens, seconds from the first token to the end, total seconds)."""
        started = time.perf_counter()
        first = last = None
        tokens = 0
        async with client.stream("POST", self.url, headers=self.headers, content=self.body(max_tokens)) as answer:
            if answer.status_code != 200:
                raise RuntimeError(f"{self.name}: HTTP {answer.status_code}")
            async for line in answer.aiter_lines():
                if line.startswith("data: {") and '"content":"' in line and '"content":""' not in line:
                    tokens += 1
                    last = time.perf_counter()
                    first = first or last
        ended = time.perf_counter()
        if first is None:
            raise RuntimeError(f"{self.name}: no token arrived")
        return first - started, tokens, last - first, ended - started


def direct_target(engine: EngineServer) -> Target:
    url = f"{engine.url}/openai/deployments/chat/chat/completions?api-version=2024-10-21"

    def body(max_tokens: int) -> bytes:
        return json.dumps({"messages": MESSAGES, "max_tokens": max_tokens, "stream": True,
                           "stream_options": {"include_usage": True}}).encode()

    return Target("direct", url, {"api-key": engine.api_key, "content-type": "application/json"}, body)


def studio_target(base: str, login: dict) -> Target:
    headers = {"content-type": "application/json", "x-csrftoken": login["csrf"], "referer": base + "/",
               "cookie": f"sessionid={login['session']}; csrftoken={login['csrf']}"}

    def body(max_tokens: int) -> bytes:
        return json.dumps({"deployment": login["deployment"], "operation": "chat/completions",
                           "body": {"messages": MESSAGES, "max_tokens": max_tokens}}).encode()

    return Target("studio", f"{base}/playground/stream/", headers, body)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def first_token_pairs(direct: Target, studio: Target, pairs: int) -> list[float]:
    """Added milliseconds to the first token, request by request, alternating which side goes first."""
    limits = httpx2.Limits(max_connections=4, max_keepalive_connections=4)
    added = []
    async with httpx2.AsyncClient(timeout=30, limits=limits) as client:
        for side in (direct, studio):  # warm both: connections, imports, the first database query
            for _ in range(5):
                await side.stream(client, 16)
        for index in range(pairs):
            order = (direct, studio) if index % 2 == 0 else (studio, direct)
            results = {side.name: (await side.stream(client, 16))[0] for side in order}
            added.append((results["studio"] - results["direct"]) * 1000)
    return added


async def concurrent(target: Target, streams: int, tokens: int) -> tuple[list[float], int]:
    """Per-stream tokens per second (from the first token to the last) of `streams` streams at once."""
    limits = httpx2.Limits(max_connections=streams + 10, max_keepalive_connections=streams + 10)
    async with httpx2.AsyncClient(timeout=120, limits=limits) as client:
        results = await asyncio.gather(*(target.stream(client, tokens) for _ in range(streams)),
                                       return_exceptions=True)
    failures = sum(isinstance(r, BaseException) for r in results)
    speeds = [(r[1] - 1) / r[2] for r in results if not isinstance(r, BaseException) and r[2] > 0]
    return speeds, failures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "studio.settings", "STUDIO_DATA_DIR": str(scratch),
           "DATABASE_URL": f"sqlite:///{scratch / 'bench.sqlite3'}", "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    with EngineServer(env={"ENGINE_RATE_LIMITS": "off"}) as engine:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        setup = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP], cwd=ROOT, check=True,
                               env={**env, "BENCH_ENGINE": engine.url, "BENCH_KEY": engine.api_key},
                               capture_output=True, text=True)
        login = json.loads(setup.stdout.strip().splitlines()[-1])
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        argv = [sys.executable, "-m", "uvicorn", "studio.asgi:application", "--host", "127.0.0.1", "--port",
                str(port), "--no-access-log", "--lifespan", "off"]
        with running(argv, env, ready_url=f"{base}/healthz", log_path=scratch / "web.log") as web:
            direct, studio = direct_target(engine), studio_target(base, login)
            added = asyncio.run(first_token_pairs(direct, studio, args.pairs))
            httpx2.put(f"{engine.url}/engine/admin/deployments/chat/settings", json={"tokens_per_second": 50},
                       headers={"Authorization": f"Bearer {engine.arm_token}"}, timeout=10).raise_for_status()
            direct_speeds, direct_failures = asyncio.run(concurrent(direct, args.streams, args.tokens))
            process = psutil.Process(web.pid)
            cpu_before = process.cpu_times()
            peak = process.memory_info().rss
            sampler_stop = False

            async def sample_memory() -> None:
                nonlocal peak
                while not sampler_stop:
                    peak = max(peak, process.memory_info().rss)
                    await asyncio.sleep(0.05)

            async def through_studio():
                nonlocal sampler_stop
                sampler = asyncio.create_task(sample_memory())
                try:
                    return await concurrent(studio, args.streams, args.tokens)
                finally:
                    sampler_stop = True
                    await sampler

            studio_speeds, studio_failures = asyncio.run(through_studio())
            cpu_after = process.cpu_times()
    cpu_ms = ((cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)) * 1000 / args.streams
    direct_median = statistics.median(direct_speeds)
    worst_ratio = min(studio_speeds) / direct_median if studio_speeds else 0.0
    median_ratio = statistics.median(studio_speeds) / direct_median if studio_speeds else 0.0
    median_added, p99_added = statistics.median(added), percentile(added, 0.99)
    checks = [
        (f"first token added, median: {median_added:.2f} ms (target <= {FIRST_TOKEN_MEDIAN_MS:g} ms)",
         median_added <= FIRST_TOKEN_MEDIAN_MS),
        (f"first token added, p99: {p99_added:.2f} ms (target <= {FIRST_TOKEN_P99_MS:g} ms)",
         p99_added <= FIRST_TOKEN_P99_MS),
        (f"{args.streams} concurrent streams, failures: direct {direct_failures}, through Studio {studio_failures} "
         "(target 0)", studio_failures == 0 and direct_failures == 0),
        (f"per-stream tokens/s through Studio / direct: worst stream {worst_ratio:.3f}, median {median_ratio:.3f} "
         f"(direct median {direct_median:.1f} tokens/s; target >= {SPEED_RATIO})", worst_ratio >= SPEED_RATIO),
        (f"Studio CPU per {args.tokens}-chunk stream: {cpu_ms:.2f} ms (target <= {CPU_PER_STREAM_MS:g} ms)",
         cpu_ms <= CPU_PER_STREAM_MS),
        (f"Studio peak memory: {peak / 2**20:.0f} MB (target < {MEMORY_MB} MB)", peak / 2**20 < MEMORY_MB),
    ]
    print(f"Playground relay, one run ({args.pairs} paired single streams; {args.streams} concurrent streams of "
          f"{args.tokens} tokens at 50 tokens/s)")
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    print(f"  anchor: {ANCHOR}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
