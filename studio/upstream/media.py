"""The playgrounds' non-streamed calls: legacy completions (best_of, or logprobs in one answer), embeddings,
image generation, transcription and translation, speech.

Each goes through the official SDK (`dataplane.client_for`) with its raw response, so that Azure's own fields
(content-filter results, the apim-request-id header) are read as sent rather than through the SDK's types (trap 22).
Image URLs from upstream expire (Azure's SAS links, the engine's 24 h store): `image_generate` fetches the bytes
at once, through the same guarded HTTP client, so Studio can keep them.
"""

from __future__ import annotations

import base64
import json
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import httpx2

from studio.upstream import http
from studio.upstream.dataplane import client_for, policy_for, translated_errors, transport_error
from studio.upstream.errors import UpstreamBadRequest, UpstreamError

IMAGE_DOWNLOAD_LIMIT = 50 * 1024 * 1024  # bytes; a 1792x1024 HD PNG is a few MB
REQUEST_ID_HEADERS = ("apim-request-id", "x-ms-request-id", "x-request-id")


def _request_id(headers: Any) -> str:
    return next((headers.get(name) for name in REQUEST_ID_HEADERS if headers.get(name)), "") or ""


def _ms_since(started: float) -> int:
    return max(0, round((time.perf_counter() - started) * 1000))


def _json(raw) -> Any:
    try:
        return json.loads(raw.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UpstreamBadRequest(f"the endpoint answered something that is not JSON: {error}",
                                 request_id=_request_id(raw.headers)) from error


@dataclass
class Completion:
    body: dict[str, Any]
    request_id: str
    latency_ms: int
    status: int = 200


def completions_create(resource, deployment_name: str, body: dict[str, Any]) -> Completion:
    """One legacy completions call, not streamed (Azure streams no best_of; the whole answer has every logprob)."""
    options = {key: value for key, value in body.items() if key not in ("stream", "stream_options", "model")}
    started = time.perf_counter()
    with translated_errors(resource):
        raw = client_for(resource).completions.with_raw_response.create(model=deployment_name, **options)
    return Completion(body=_json(raw), request_id=_request_id(raw.headers), latency_ms=_ms_since(started),
                      status=raw.status_code)


@dataclass
class Embeddings:
    vectors: list[list[float]]
    prompt_tokens: int | None
    request_id: str
    latency_ms: int
    status: int = 200


def embeddings_create(resource, deployment_name: str, inputs: list[str], *,
                      dimensions: int | None = None) -> Embeddings:
    """One embeddings call for all the inputs (their order kept by `index`)."""
    options: dict[str, Any] = {"model": deployment_name, "input": inputs, "encoding_format": "float"}
    if dimensions:
        options["dimensions"] = dimensions
    started = time.perf_counter()
    with translated_errors(resource):
        raw = client_for(resource).embeddings.with_raw_response.create(**options)
    body = _json(raw)
    items = sorted(body.get("data") or [], key=lambda item: item.get("index", 0))
    usage = body.get("usage") or {}
    return Embeddings(vectors=[item["embedding"] for item in items], prompt_tokens=usage.get("prompt_tokens"),
                      request_id=_request_id(raw.headers), latency_ms=_ms_since(started), status=raw.status_code)


@dataclass
class Picture:
    data: bytes
    content_type: str
    revised_prompt: str = ""
    content_filter_results: dict[str, Any] = field(default_factory=dict)


@dataclass
class Pictures:
    pictures: list[Picture]
    request_id: str
    latency_ms: int
    usage: dict[str, Any] | None = None  # GPT Image models report tokens
    status: int = 200


def _content_type_of(data: bytes, fallback: str = "image/png") -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return fallback


def _download(resource, url: str) -> bytes:
    """The picture behind a temporary URL, through the guarded client (it may be on another host than the API)."""
    client = http.sync_client(policy_for(resource))
    try:
        with client.stream("GET", url, timeout=httpx2.Timeout(60.0, connect=5.0)) as response:
            if response.status_code != 200:
                raise UpstreamError(f"the generated image could not be fetched (HTTP {response.status_code}); "
                                    "its link may have expired", status=response.status_code)
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > IMAGE_DOWNLOAD_LIMIT:
                    raise UpstreamError("the generated image is larger than Studio keeps "
                                        f"({IMAGE_DOWNLOAD_LIMIT // (1024 * 1024)} MB)")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx2.TransportError as error:
        raise transport_error(error, url.split("?")[0]) from error


def image_generate(resource, deployment_name: str, body: dict[str, Any]) -> Pictures:
    """Generate, then hold the bytes of every picture (downloaded now when upstream gave a URL)."""
    started = time.perf_counter()
    with translated_errors(resource):
        raw = client_for(resource).images.with_raw_response.generate(model=deployment_name, **body)
    answer = _json(raw)
    pictures = []
    for item in answer.get("data") or []:
        if item.get("b64_json"):
            data = base64.b64decode(item["b64_json"])
        elif item.get("url"):
            data = _download(resource, item["url"])
        else:
            continue
        pictures.append(Picture(data=data, content_type=_content_type_of(data),
                                revised_prompt=item.get("revised_prompt") or "",
                                content_filter_results=item.get("content_filter_results") or {}))
    return Pictures(pictures=pictures, request_id=_request_id(raw.headers), latency_ms=_ms_since(started),
                    usage=answer.get("usage"), status=raw.status_code)


@dataclass
class Transcript:
    """What the endpoint answered: JSON (json, verbose_json) or text (text, srt, vtt)."""

    body: dict[str, Any] | None
    text: str
    content_type: str
    request_id: str
    latency_ms: int
    status: int = 200


def audio_transcribe(resource, deployment_name: str, *, data: bytes, filename: str, translate: bool = False,
                     response_format: str = "json", language: str | None = None, prompt: str | None = None,
                     temperature: float | None = None, granularities: list[str] | None = None) -> Transcript:
    """Transcribe (or translate into English) one audio file, sent as multipart/form-data."""
    options: dict[str, Any] = {"model": deployment_name, "file": (filename, data), "response_format": response_format}
    if prompt:
        options["prompt"] = prompt
    if temperature is not None:
        options["temperature"] = temperature
    if language and not translate:
        options["language"] = language
    if granularities and not translate and response_format == "verbose_json":
        options["timestamp_granularities"] = granularities
    started = time.perf_counter()
    with translated_errors(resource), warnings.catch_warnings():
        # The SDK marks translations deprecated (OpenAI's whisper-1 endpoint); Azure's Whisper deployments serve it.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"openai\.")
        client = client_for(resource)
        endpoint = client.audio.translations if translate else client.audio.transcriptions
        raw = endpoint.with_raw_response.create(**options)
    content_type = raw.headers.get("content-type", "")
    latency = _ms_since(started)
    if "json" in content_type:
        body = _json(raw)
        return Transcript(body=body, text=str(body.get("text", "")), content_type="application/json",
                          request_id=_request_id(raw.headers), latency_ms=latency, status=raw.status_code)
    return Transcript(body=None, text=raw.content.decode("utf-8", errors="replace"), content_type="text/plain",
                      request_id=_request_id(raw.headers), latency_ms=latency, status=raw.status_code)


@dataclass
class Speech:
    data: bytes
    content_type: str
    request_id: str
    latency_ms: int
    status: int = 200


def speech_create(resource, deployment_name: str, *, text: str, voice: str, response_format: str,
                  speed: float | None = None) -> Speech:
    """Text to speech: the audio's bytes as the endpoint made them."""
    options: dict[str, Any] = {"model": deployment_name, "input": text, "voice": voice,
                               "response_format": response_format}
    if speed is not None:
        options["speed"] = speed
    started = time.perf_counter()
    with translated_errors(resource):
        raw = client_for(resource).audio.speech.with_raw_response.create(**options)
    return Speech(data=raw.content, content_type=raw.headers.get("content-type") or "application/octet-stream",
                  request_id=_request_id(raw.headers), latency_ms=_ms_since(started), status=raw.status_code)
