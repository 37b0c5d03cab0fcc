"""Engine fixtures: one engine process for the session, a fresh one for tests that crash or exhaust it."""

from __future__ import annotations

import io
import json
import struct
import time
import zlib
from collections.abc import Callable, Iterator

import httpx2
import pytest
from openai import AzureOpenAI

from tests.engine_server import API_VERSION, EngineServer

# Deployments the session engine gets on top of the seeded `chat` (gpt-4o-mini) and `embeddings` (3-small).
EXTRA_DEPLOYMENTS = (
    ("instruct", "gpt-35-turbo-instruct", "0914", "Standard", 100),
    ("babbage", "babbage-002", "2", "Standard", 100),
    ("gpt35", "gpt-35-turbo", "0125", "Standard", 100),
    ("ada", "text-embedding-ada-002", "2", "Standard", 100),
    ("dalle", "dall-e-3", "3.0", "Standard", 20),
    ("whisper", "whisper", "001", "Standard", 20),
    ("tts", "tts", "001", "Standard", 20),
    ("mini-big", "gpt-4o-mini", "2024-07-18", "Standard", 1000),
)
SESSION_ENV = {"ENGINE_PROVISIONING_SECONDS": "0.5", "ENGINE_MAX_UPLOAD_BYTES": "2000000"}


@pytest.fixture(scope="session")
def engine() -> Iterator[EngineServer]:
    server = EngineServer(env=SESSION_ENV)
    try:
        server.start()
        for name, model, version, sku, capacity in EXTRA_DEPLOYMENTS:
            server.create_deployment(name, model, version, sku=sku, capacity=capacity, wait=False)
        for name, *_ in EXTRA_DEPLOYMENTS:  # provisioning runs in parallel; wait for all of it once
            wait_succeeded(server, name)
        yield server
    finally:
        server.close()


FUZZ_DEPLOYMENTS = (("instruct", "gpt-35-turbo-instruct", "0914", 100), ("dalle", "dall-e-3", "3.0", 20),
                    ("whisper", "whisper", "001", 20), ("tts", "tts", "001", 20))


@pytest.fixture(scope="session")
def fuzz_engine() -> Iterator[EngineServer]:
    """An engine without rate limits for generated requests (fuzzing, conformance): thousands of odd calls must not
    throttle the engine the other tests share."""
    server = EngineServer(env={"ENGINE_RATE_LIMITS": "0", "ENGINE_PROVISIONING_SECONDS": "0.05"})
    try:
        server.start()
        for name, model, version, capacity in FUZZ_DEPLOYMENTS:
            server.create_deployment(name, model, version, capacity=capacity, wait=False)
        for name, *_ in FUZZ_DEPLOYMENTS:
            wait_succeeded(server, name)
        yield server
    finally:
        server.close()


@pytest.fixture
def fresh_engine() -> Iterator[EngineServer]:
    """A new engine (own data dir) for tests that kill it, restart it or change global state."""
    server = EngineServer()
    try:
        yield server.start()
    finally:
        server.close()


@pytest.fixture(scope="session")
def sdk(engine: EngineServer) -> AzureOpenAI:
    # No retries: a test must see the engine's first answer, not the SDK's recovery from it.
    return AzureOpenAI(azure_endpoint=engine.url, api_key=engine.api_key, api_version=API_VERSION, max_retries=0)


@pytest.fixture(scope="session")
def http(engine: EngineServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=engine.url, timeout=30) as c:
        yield c


@pytest.fixture
def post(http: httpx2.Client, engine: EngineServer) -> Callable[..., httpx2.Response]:
    """POST JSON to a data-plane path of a deployment with the right key and api-version."""

    def send(deployment: str, operation: str, body: dict, headers: dict | None = None,
             version: str = API_VERSION) -> httpx2.Response:
        return http.post(f"/openai/deployments/{deployment}/{operation}", params={"api-version": version},
                         json=body, headers={**engine.api_headers, **(headers or {})})

    return send


def wait_succeeded(server: EngineServer, name: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = server.arm("GET", f"/deployments/{name}").json()
        if body["properties"]["provisioningState"] == "Succeeded":
            return body
        time.sleep(0.05)
    raise AssertionError(f"deployment {name} never reached Succeeded")


def sse_events(text: str) -> list[str]:
    """The data payloads of an SSE body, in order (each event is one `data:` line and a blank line)."""
    assert text.endswith("\n\n"), "every event ends with a blank line"
    events = []
    for block in text.split("\n\n")[:-1]:
        assert block.startswith("data: "), block
        events.append(block[len("data: "):])
    return events


def png_bytes(width: int, height: int) -> bytes:
    """A minimal valid PNG of the given size (one grey colour), built without Pillow."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def training_jsonl(examples: int = 10, extra: str = "") -> bytes:
    lines = []
    for i in range(examples):
        lines.append(json.dumps({"messages": [
            {"role": "system", "content": "You answer about rivers."},
            {"role": "user", "content": f"Tell me fact number {i} about rivers. {extra}".strip()},
            {"role": "assistant", "content": f"Fact {i}: rivers carry water from high ground to the sea."},
        ]}))
    return ("\n".join(lines) + "\n").encode()


def preference_jsonl(pairs: int = 10) -> bytes:
    lines = [json.dumps({"input": {"messages": [{"role": "user", "content": f"Name river number {i}."}]},
                         "preferred_output": [{"role": "assistant", "content": f"River {i} is the Danube."}],
                         "non_preferred_output": [{"role": "assistant", "content": "I do not know."}]})
             for i in range(pairs)]
    return ("\n".join(lines) + "\n").encode()


def upload_training_file(sdk: AzureOpenAI, data: bytes, name: str = "train.jsonl", wait: bool = True):
    file = sdk.files.create(file=(name, io.BytesIO(data)), purpose="fine-tune")
    deadline = time.monotonic() + 30
    while wait and file.status not in ("processed", "error") and time.monotonic() < deadline:
        time.sleep(0.02)
        file = sdk.files.retrieve(file.id)
    return file
