"""Hypothesis-generated bodies for every engine endpoint: never a 5xx, never an error that is not JSON.

Bodies are drawn near each endpoint's real shape (its own field names with any JSON value) as well as plain junk,
with a fixed seed. ENGINE_FUZZ_EXAMPLES raises the number of examples per endpoint (`make conformance`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine_server import API_VERSION, EngineServer

EXAMPLES = int(os.environ.get("ENGINE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

LEAF = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
        | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
ANY = st.recursive(LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                      max_size=3), max_leaves=8)
ROLES = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function"])
PART = st.fixed_dictionaries({"type": st.sampled_from(["text", "image_url", "refusal"]) | ANY},
                             optional={"text": st.text(max_size=12) | ANY, "refusal": ANY, "image_url": ANY})
MESSAGE = st.fixed_dictionaries({"role": ROLES | ANY}, optional={
    "content": st.text(max_size=30) | st.lists(PART, max_size=2) | ANY, "name": ANY, "tool_call_id": ANY,
    "tool_calls": ANY, "function_call": ANY, "refusal": ANY})
TOOL = st.fixed_dictionaries({"type": st.just("function") | ANY, "function": st.fixed_dictionaries(
    {"name": st.sampled_from(["get_weather", "f"]) | ANY}, optional={"parameters": ANY, "description": ANY}) | ANY})


def shaped(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """An object with some of the endpoint's own fields (each a fitting value or any JSON), or plain junk."""
    return st.fixed_dictionaries({}, optional={k: v | ANY for k, v in fields.items()}) | st.dictionaries(
        st.text(max_size=8), ANY, max_size=4)


SAMPLING = {"temperature": st.floats(-1, 3), "top_p": st.floats(-1, 2), "n": st.integers(-1, 3),
            "stop": st.lists(st.text(max_size=3), max_size=5), "presence_penalty": st.floats(-3, 3),
            "frequency_penalty": st.floats(-3, 3), "logit_bias": ANY, "user": ANY, "seed": st.integers(),
            "stream": st.booleans(), "stream_options": st.fixed_dictionaries({}, optional={"include_usage": ANY})}
CHAT = shaped({"messages": st.lists(MESSAGE, max_size=3), **SAMPLING, "max_tokens": st.integers(-1, 50),
               "max_completion_tokens": st.integers(-1, 50), "logprobs": st.booleans(),
               "top_logprobs": st.integers(-1, 21), "response_format": st.fixed_dictionaries(
                   {"type": st.sampled_from(["text", "json_object", "json_schema"])}, optional={"json_schema": ANY}),
               "tools": st.lists(TOOL, max_size=2), "tool_choice": st.sampled_from(["none", "auto", "required"]) | ANY,
               "parallel_tool_calls": st.booleans(), "data_sources": ANY, "functions": ANY, "function_call": ANY})
COMPLETIONS = shaped({"prompt": st.text(max_size=30) | st.lists(st.integers(-5, 200_000), max_size=5), **SAMPLING,
                      "max_tokens": st.integers(-1, 50), "echo": st.booleans(), "best_of": st.integers(-1, 4),
                      "logprobs": st.integers(-1, 6), "suffix": ANY})
EMBEDDINGS = shaped({"input": st.text(max_size=30) | st.lists(st.text(max_size=10), max_size=3),
                     "encoding_format": st.sampled_from(["float", "base64"]), "dimensions": st.integers(-1, 4000),
                     "user": ANY, "input_type": ANY})
IMAGES = shaped({"prompt": st.text(max_size=30), "n": st.integers(-1, 2), "size": st.sampled_from(
    ["1024x1024", "1792x1024", "256x256"]), "quality": st.sampled_from(["standard", "hd"]),
    "style": st.sampled_from(["vivid", "natural"]), "response_format": st.sampled_from(["url", "b64_json"]),
    "user": ANY})
SPEECH = shaped({"input": st.text(max_size=30), "voice": st.sampled_from(["alloy", "nova", "x"]),
                 "response_format": st.sampled_from(["wav", "pcm", "mp3"]), "speed": st.floats(0, 5), "model": ANY})
JOBS = shaped({"model": st.sampled_from(["gpt-4o-mini-2024-07-18", "gpt-4o"]), "training_file": st.text(max_size=10),
               "validation_file": ANY, "hyperparameters": st.fixed_dictionaries({}, optional={
                   "n_epochs": ANY, "batch_size": ANY, "learning_rate_multiplier": ANY}), "suffix": ANY, "seed": ANY})
FAULTS = shaped({"status": st.sampled_from([429, 500, 503, 418]), "rate": st.floats(-1, 2),
                 "latency_ms": st.integers(-1, 5), "ttft_ms": st.integers(-1, 5), "cut_after": st.integers(-1, 5),
                 "malformed_after": st.integers(-1, 5), "tokens_per_second": st.floats(-1, 1000),
                 "retry_after": st.integers(-1, 5), "fault_seed": ANY})
SETTINGS = shaped({"tokens_per_second": st.floats(-1, 1000), "rate_limit": st.booleans()})


@pytest.fixture(scope="module")
def client(fuzz_engine: EngineServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=fuzz_engine.url, timeout=30) as c:
        yield c


def assert_sound(response: httpx2.Response) -> None:
    """No 5xx; an error answers JSON with an `error` object; a stream is server-sent events."""
    assert response.status_code < 500, (response.status_code, response.text[:500])
    kind = response.headers.get("content-type", "")
    if response.status_code >= 400:
        assert kind.startswith("application/json"), (response.status_code, kind, response.text[:300])
        assert isinstance(json.loads(response.text).get("error"), dict), response.text[:300]
    elif kind.startswith("text/event-stream"):
        assert response.text.endswith("data: [DONE]\n\n"), response.text[-300:]


DATA_PLANE = [("chat", "chat/completions", CHAT), ("instruct", "completions", COMPLETIONS),
              ("embeddings", "embeddings", EMBEDDINGS), ("dalle", "images/generations", IMAGES),
              ("tts", "audio/speech", SPEECH)]


@pytest.mark.parametrize(("deployment", "operation", "bodies"), DATA_PLANE, ids=[d[1] for d in DATA_PLANE])
def test_data_plane_bodies(client, fuzz_engine, deployment, operation, bodies):
    @FUZZ
    @given(body=bodies)
    def check(body):
        assert_sound(client.post(f"/openai/deployments/{deployment}/{operation}", params={"api-version": API_VERSION},
                                 json=body, headers=fuzz_engine.api_headers))

    check()


V1 = [("chat", "chat/completions", CHAT), ("instruct", "completions", COMPLETIONS),
      ("embeddings", "embeddings", EMBEDDINGS)]


@pytest.mark.parametrize(("deployment", "operation", "bodies"), V1, ids=[d[1] for d in V1])
def test_v1_bodies(client, fuzz_engine, deployment, operation, bodies):
    @FUZZ
    @given(body=bodies, model=st.just(deployment) | ANY)
    def check(body, model):
        assert_sound(client.post(f"/openai/v1/{operation}", json={**body, "model": model},
                                 headers=fuzz_engine.api_headers))

    check()


def test_fine_tuning_job_bodies(client, fuzz_engine):
    @FUZZ
    @given(body=JOBS)
    def check(body):
        assert_sound(client.post("/openai/fine_tuning/jobs", params={"api-version": API_VERSION}, json=body,
                                 headers=fuzz_engine.api_headers))

    check()


@pytest.mark.parametrize(("path", "bodies"), [("faults", FAULTS), ("settings", SETTINGS)])
def test_admin_bodies(client, fuzz_engine, path, bodies):
    @FUZZ
    @given(body=bodies)
    def check(body):
        assert_sound(client.put(f"/engine/admin/deployments/instruct/{path}", json=body,
                                headers=fuzz_engine.arm_headers))

    check()
    client.delete("/engine/admin/deployments/instruct/faults", headers=fuzz_engine.arm_headers)


@pytest.mark.parametrize("operation", ["audio/transcriptions", "audio/translations"])
def test_audio_forms(client, fuzz_engine, operation):
    fields = st.dictionaries(st.sampled_from(["model", "language", "prompt", "response_format", "temperature",
                                              "timestamp_granularities[]", "junk"]), st.text(max_size=12), max_size=4)

    @FUZZ
    @given(fields=fields, audio=st.binary(max_size=200) | st.just(b"RIFF\x24\x00\x00\x00WAVEfmt "),
           filename=st.sampled_from(["a.wav", "a.mp3", "noext", ""]))
    def check(fields, audio, filename):
        files = {"file": (filename, audio, "application/octet-stream")} if filename else None
        assert_sound(client.post(f"/openai/deployments/whisper/{operation}", params={"api-version": API_VERSION},
                                 data=fields, files=files, headers=fuzz_engine.api_headers))

    check()


def test_file_upload_forms(client, fuzz_engine):
    @FUZZ
    @given(purpose=st.sampled_from(["fine-tune", "assistants", "batch"]) | st.text(max_size=8),
           data=st.binary(max_size=200) | st.lists(ANY, max_size=3).map(
               lambda rows: "\n".join(json.dumps(r) for r in rows).encode()),
           filename=st.sampled_from(["t.jsonl", "t.txt", "x"]))
    def check(purpose, data, filename):
        assert_sound(client.post("/openai/files", params={"api-version": API_VERSION}, data={"purpose": purpose},
                                 files={"file": (filename, data, "application/octet-stream")},
                                 headers=fuzz_engine.api_headers))

    check()


def test_raw_bytes_on_every_json_endpoint(client, fuzz_engine):
    paths = [f"/openai/deployments/{d}/{op}" for d, op, _ in DATA_PLANE] + ["/openai/fine_tuning/jobs"]

    @FUZZ
    @given(path=st.sampled_from(paths), raw=st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
    def check(path, raw):
        assert_sound(client.post(path, params={"api-version": API_VERSION}, content=raw,
                                 headers={**fuzz_engine.api_headers, "content-type": "application/json"}))

    check()
