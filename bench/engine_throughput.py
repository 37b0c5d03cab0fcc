"""Engine throughput: non-streamed chat completions per second, server CPU per 16-token chat, a 1,000-token stream.

Starts the engine (`python -m engine`) and a bare ASGI hello-world app on the same uvicorn server kind
(httptools + uvloop), drives both with the same keep-alive load generator, and prints the figures of this one run,
their ratio, and PASS/FAIL against the targets. CPU per request is the server process's own CPU time (user + system)
over a measurement divided by the requests it answered; the engine's figure minus the bare app's is what the
simulated backend and the engine add to an HTTP answer. Exit status 1 when a target is missed.

Run: .venv/bin/python bench/engine_throughput.py [--seconds 5] [--connections 32]
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

from studio.stack import die_with_parent  # noqa: E402 - needs the path above
from tests.processes import free_port, stop, wait_until_serving  # noqa: E402

CHAT_TARGET_RPS = 1000
CPU_TARGET_MS = 0.5  # engine CPU per non-streamed 16-token chat, above the bare ASGI app's CPU per answer
STREAM_TARGET_MS = 100
STREAM_TOKENS = 1000
BENCH_DEPLOYMENT = "bench"
BENCH_CAPACITY = 9000  # 54,000 RPM and 9M TPM: the limiter runs on every request but never refuses one here


def hello_app_main(port: int) -> None:
    """A bare ASGI app on the engine's server settings: the ceiling this machine and load generator allow."""
    import uvicorn

    body = b'{"hello":"world"}'

    async def app(scope, receive, send):  # noqa: ANN001, ANN202 - the bare ASGI signature is the point
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"17")]})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, loop="uvloop", http="httptools", log_level="warning",
                access_log=False, lifespan="off")


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the child keeps its own handle; the log is shown only if something fails
        return subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out,
                                preexec_fn=die_with_parent)


def raw_request(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1", f"content-length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _connection(port: int, request: bytes, stop_at: float, counts: list[int], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < stop_at:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            if status != b"200":
                errors.append(status.decode())
                continue
            counts[0] += 1
    finally:
        writer.close()


async def _load(port: int, request: bytes, seconds: float, connections: int) -> tuple[float, list[str]]:
    counts, errors = [0], []
    # A short warm-up so caches (tiktoken, regexes, connections) are in place before the clock starts.
    await asyncio.gather(*(_connection(port, request, time.monotonic() + 0.5, [0], []) for _ in range(connections)))
    began = time.monotonic()
    await asyncio.gather(*(_connection(port, request, began + seconds, counts, errors) for _ in range(connections)))
    return counts[0] / (time.monotonic() - began), errors


def load(port: int, request: bytes, seconds: float, connections: int) -> tuple[float, list[str]]:
    """Requests per second from `connections` keep-alive connections, each one request at a time."""
    try:
        import uvloop

        return uvloop.run(_load(port, request, seconds, connections))
    except ImportError:
        return asyncio.run(_load(port, request, seconds, connections))


def cpu_ms_per_request(server: subprocess.Popen[bytes], port: int, request: bytes, seconds: float,
                       connections: int) -> float:
    """The server process's CPU milliseconds per answered request under load (the warm-up is not counted)."""
    process = psutil.Process(server.pid)
    counts, errors = [0], []

    async def run() -> float:
        await asyncio.gather(*(_connection(port, request, time.monotonic() + 0.5, [0], []) for _ in range(connections)))
        before = process.cpu_times()
        await asyncio.gather(*(_connection(port, request, time.monotonic() + seconds, counts, errors)
                               for _ in range(connections)))
        after = process.cpu_times()
        return (after.user - before.user) + (after.system - before.system)

    try:
        import uvloop

        cpu = uvloop.run(run())
    except ImportError:
        cpu = asyncio.run(run())
    if errors or not counts[0]:
        raise RuntimeError(f"CPU measurement failed: {len(errors)} errors, first {errors[:1]}")
    return cpu * 1000 / counts[0]


def stream_times(url: str, key: str, runs: int) -> list[float]:
    """Seconds from sending a 1,000-token streaming request to reading its `data: [DONE]`, per run."""
    body = {"messages": [{"role": "user", "content": f"Write {STREAM_TOKENS * 2} words about rivers."}],
            "max_tokens": STREAM_TOKENS, "stream": True, "seed": 7, "stream_options": {"include_usage": True}}
    endpoint = f"{url}/openai/deployments/{BENCH_DEPLOYMENT}/chat/completions?api-version=2024-10-21"
    out = []
    with httpx2.Client(timeout=30) as client:
        for i in range(runs + 1):
            began = time.perf_counter()
            done, usage = False, None
            with client.stream("POST", endpoint, json=body, headers={"api-key": key}) as response:
                response.raise_for_status()
                for line in response.iter_lines():
                    if line == "data: [DONE]":
                        done = True
                    elif line.startswith("data: {") and '"usage":{' in line:
                        usage = json.loads(line[6:])["usage"]
            elapsed = time.perf_counter() - began
            if not done or not usage or usage["completion_tokens"] != STREAM_TOKENS:
                raise RuntimeError(f"stream incomplete: done={done} usage={usage}")
            if i:  # the first run warms the connection and caches
                out.append(elapsed)
    return out


def check_sixteen_tokens(url: str, key: str, body: dict) -> None:
    answer = httpx2.post(f"{url}/openai/deployments/{BENCH_DEPLOYMENT}/chat/completions?api-version=2024-10-21",
                         json=body, headers={"api-key": key}).json()
    if answer["usage"]["completion_tokens"] != 16:
        raise RuntimeError(f"the CPU measurement expects 16-token answers, got {answer['usage']}")


def create_bench_deployment(url: str, arm_token: str) -> None:
    account = (f"{url}/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/studio-local/providers/"
               "Microsoft.CognitiveServices/accounts/local-engine")
    body = {"sku": {"name": "GlobalStandard", "capacity": BENCH_CAPACITY},
            "properties": {"model": {"format": "OpenAI", "name": "gpt-4o-mini", "version": "2024-07-18"}}}
    headers = {"authorization": f"Bearer {arm_token}"}
    # Make room in the gpt-4o-mini GlobalStandard quota, then create the bench deployment.
    httpx2.delete(f"{account}/deployments/chat?api-version=2024-10-01", headers=headers).raise_for_status()
    httpx2.put(f"{account}/deployments/{BENCH_DEPLOYMENT}?api-version=2024-10-01", json=body,
               headers=headers).raise_for_status()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--stream-runs", type=int, default=9)
    parser.add_argument("--serve-hello", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_hello:
        hello_app_main(args.serve_hello)
        return 0

    with tempfile.TemporaryDirectory(prefix="engine-bench-") as data_dir:
        env = {**os.environ, "ENGINE_DATA_DIR": data_dir, "ENGINE_TOKENS_PER_SECOND": "0",
               "ENGINE_PROVISIONING_SECONDS": "0", "PYTHONUNBUFFERED": "1",
               "ENGINE_REAL_MODELS": "off"}
        engine_port, hello_port = free_port(), free_port()
        engine_log, hello_log = Path(data_dir) / "engine.log", Path(data_dir) / "hello.log"
        engine = start([sys.executable, "-m", "engine", "--port", str(engine_port)], env, engine_log)
        hello = start([sys.executable, str(Path(__file__).resolve()), "--serve-hello", str(hello_port)], env, hello_log)
        try:
            url = f"http://127.0.0.1:{engine_port}"
            wait_until_serving(f"{url}/engine/health", engine, timeout=30)
            wait_until_serving(f"http://127.0.0.1:{hello_port}/", hello, timeout=30)
            keys = json.loads((Path(data_dir) / "keys.json").read_text())
            create_bench_deployment(url, keys["arm_token"])

            chat = {"messages": [{"role": "system", "content": "You are terse."},
                                 {"role": "user", "content": "Say something about the weather."}],
                    "max_tokens": 50, "seed": 1}
            chat_request = raw_request(
                "POST", f"/openai/deployments/{BENCH_DEPLOYMENT}/chat/completions?api-version=2024-10-21",
                {"api-key": keys["key1"], "content-type": "application/json"}, json.dumps(chat).encode())
            hello_request = raw_request("POST", "/", {"content-type": "application/json"}, json.dumps(chat).encode())

            hello_rps, hello_errors = load(hello_port, hello_request, args.seconds, args.connections)
            chat_rps, chat_errors = load(engine_port, chat_request, args.seconds, args.connections)
            # Sixteen tokens every time: the user asks for far more, max_tokens cuts it (finish_reason length).
            short = {"messages": [{"role": "user", "content": "Write 200 words about the weather."}],
                     "max_tokens": 16, "seed": 1}
            short_request = raw_request(
                "POST", f"/openai/deployments/{BENCH_DEPLOYMENT}/chat/completions?api-version=2024-10-21",
                {"api-key": keys["key1"], "content-type": "application/json"}, json.dumps(short).encode())
            short_hello = raw_request("POST", "/", {"content-type": "application/json"}, json.dumps(short).encode())
            check_sixteen_tokens(url, keys["key1"], short)
            hello_cpu = cpu_ms_per_request(hello, hello_port, short_hello, args.seconds, args.connections)
            chat_cpu = cpu_ms_per_request(engine, engine_port, short_request, args.seconds, args.connections)
            streams = stream_times(url, keys["key1"], args.stream_runs)
        except Exception:
            for log in (engine_log, hello_log):
                print(f"--- {log.name}\n{log.read_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            stop(engine)
            stop(hello)

    stream_ms = statistics.median(streams) * 1000
    chat_ok = chat_rps >= CHAT_TARGET_RPS and not chat_errors
    stream_ok = stream_ms < STREAM_TARGET_MS
    added_cpu = chat_cpu - hello_cpu
    cpu_ok = added_cpu <= CPU_TARGET_MS
    print(f"machine: {os.cpu_count()} cores; load generator in this process; {args.connections} keep-alive "
          f"connections; {args.seconds:g} s per measurement")
    print(f"hello-world ASGI app (uvicorn httptools+uvloop): {hello_rps:8.0f} req/s"
          + (f"  errors: {len(hello_errors)}" if hello_errors else ""))
    print(f"engine chat completions, non-streamed:           {chat_rps:8.0f} req/s"
          + (f"  errors: {len(chat_errors)} (first {chat_errors[0]})" if chat_errors else ""))
    print(f"ratio engine / hello-world:                      {chat_rps / hello_rps:8.2f}")
    print(f"[{'PASS' if chat_ok else 'FAIL'}] chat completions >= {CHAT_TARGET_RPS} req/s: {chat_rps:.0f}")
    print(f"server CPU per answer: hello-world {hello_cpu:.3f} ms, engine 16-token chat {chat_cpu:.3f} ms, "
          f"ratio {chat_cpu / hello_cpu:.2f}")
    print(f"[{'PASS' if cpu_ok else 'FAIL'}] engine CPU per 16-token chat above the bare ASGI answer <= "
          f"{CPU_TARGET_MS} ms: {added_cpu:.3f} ms")
    print(f"1,000-token stream at unlimited rate, {len(streams)} runs: median {stream_ms:.1f} ms, "
          f"min {min(streams) * 1000:.1f} ms, max {max(streams) * 1000:.1f} ms")
    print(f"[{'PASS' if stream_ok else 'FAIL'}] 1,000-token stream < {STREAM_TARGET_MS} ms: {stream_ms:.1f} ms")
    return 0 if chat_ok and stream_ok and cpu_ok else 1


if __name__ == "__main__":
    sys.exit(main())
