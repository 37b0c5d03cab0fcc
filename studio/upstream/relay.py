"""The streaming relay's core: open an upstream stream and pass its bytes through untouched.

The playground streams through it today and the team gateway will serve the same core as an OpenAI-compatible
endpoint. It is a pass-through on purpose: the upstream's bytes are forwarded as they arrive, and only the few
lines that matter to Studio (usage, finish reasons) are parsed, found by a byte count rather than by decoding every
chunk. No object per chunk, no database work, no sync-to-async hop.

`relay_target` (sync, may read secrets) is built before streaming; `open_stream` (async) sends the request and
returns a `RelayStream`, or raises Studio's typed errors (`RateLimited` with its retry time, `ContentFiltered` with
the filter's verdict, ...) when the upstream answers with an error before the first byte.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import anyio
import httpx2

from studio.upstream import credentials, http
from studio.upstream.dataplane import _body_of, from_response, policy_for, transport_error
from studio.upstream.errors import UpstreamError, UpstreamTimeout
from studio.upstream.url_guard import EndpointPolicy

OPERATIONS = ("chat/completions", "completions")
ERROR_BODY_LIMIT = 64 * 1024
REQUEST_ID_HEADERS = ("apim-request-id", "x-ms-request-id", "x-request-id")
# A stream may pause between tokens (reasoning models think for a while); a read that waits longer is a break.
STREAM_TIMEOUT = httpx2.Timeout(connect=5.0, read=300.0, write=30.0, pool=10.0)


@dataclass
class RelayTarget:
    """Where and how to send one streamed call: everything that needs the database or a secret, worked out first."""

    resource: Any
    url: str
    headers: dict[str, str]
    policy: EndpointPolicy
    token_provider: Any = None  # Entra ID: a callable giving a bearer token (may block: run in a thread)

    def __repr__(self) -> str:  # never show the key
        return f"RelayTarget({self.url!r})"


def relay_target(resource, deployment_name: str, operation: str = "chat/completions") -> RelayTarget:
    """The URL and auth for a deployment's streaming endpoint, per the resource's API style."""
    if operation not in OPERATIONS:
        raise ValueError(f"the relay streams {OPERATIONS}, not {operation!r}")
    endpoint = resource.endpoint.rstrip("/")
    headers = {"content-type": "application/json", "accept": "text/event-stream"}
    provider = None
    if resource.kind == "openai_compatible":
        url = f"{endpoint}/{operation}"
        key = resource.get_api_key()
        if key:
            headers["authorization"] = f"Bearer {key}"
    else:
        if resource.api_style == "v1":
            url = f"{endpoint}/openai/v1/{operation}"
        else:
            url = (f"{endpoint}/openai/deployments/{quote(deployment_name, safe='')}/{operation}"
                   f"?api-version={quote(resource.api_version, safe='')}")
        if resource.uses_entra_for_data_plane:
            provider = credentials.data_plane_token_provider(resource)
        elif resource.api_style == "v1":
            headers["authorization"] = f"Bearer {resource.get_api_key()}"
        else:
            headers["api-key"] = resource.get_api_key()
    return RelayTarget(resource, url, headers, policy_for(resource), provider)


def request_body(target: RelayTarget, deployment_name: str, body: dict[str, Any]) -> bytes:
    """The JSON sent upstream: streamed, with the usage chunk asked for, and `model` where the URL lacks it."""
    body = {**body, "stream": True}
    options = body.get("stream_options") if isinstance(body.get("stream_options"), dict) else {}
    body["stream_options"] = {**options, "include_usage": True}
    if "/openai/deployments/" in target.url:
        body.pop("model", None)
    else:
        body["model"] = deployment_name
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _client(policy: EndpointPolicy) -> httpx2.AsyncClient:
    """One async client per event loop and endpoint policy (async pools belong to their loop)."""
    loop = asyncio.get_running_loop()
    per_loop = _clients.setdefault(loop, {})
    client = per_loop.get(policy)
    if client is None or client.is_closed:
        client = per_loop[policy] = http.async_client(policy)
    return client


@dataclass
class StreamSummary:
    """What the relay learnt from the bytes that went past."""

    usage: dict[str, Any] | None = None
    finish_reasons: list[str] = field(default_factory=list)
    chunks: int = 0
    bytes: int = 0
    first_byte_at: float | None = None
    first_token_at: float | None = None
    done: bool = False  # the upstream sent `data: [DONE]`
    broke: UpstreamError | None = None  # the stream stopped before its end

    @property
    def content_filtered(self) -> bool:
        return "content_filter" in self.finish_reasons


class _LineScanner:
    """Finds the lines worth parsing in SSE bytes without decoding the rest.

    Every chunk of a usage-enabled stream says `"usage":null` and `"finish_reason":null`; a line is parsed only when
    its counts of the field and of its null form differ, which C's bytes.count answers for the whole block at once.
    """

    FIELDS = ((b'"usage":', (b'"usage":null', b'"usage": null')),
              (b'"finish_reason":', (b'"finish_reason":null', b'"finish_reason": null')))
    TOKEN_MARKS = (b'"content":"', b'"tool_calls":[', b'"text":"', b'"refusal":"')
    EMPTY_MARKS = (b'"content":""', b'"text":""', b'"refusal":""')

    def __init__(self, summary: StreamSummary) -> None:
        self.summary = summary
        self.rest = b""

    def feed(self, chunk: bytes, now: float) -> None:
        summary = self.summary
        block = self.rest + chunk if self.rest else chunk
        end = block.rfind(b"\n")
        if end < 0:
            self.rest = block
            return
        lines, self.rest = block[:end], block[end + 1:]
        if summary.first_token_at is None and self._has_token(lines):
            summary.first_token_at = now
        if any(lines.count(name) > sum(lines.count(null) for null in nulls) for name, nulls in self.FIELDS):
            for line in lines.split(b"\n"):
                if (b'"usage":' in line or b'"finish_reason":' in line) and line.startswith(b"data:"):
                    self._parse(line[5:])
        if b"data: [DONE]" in lines or b"data:[DONE]" in lines:
            summary.done = True

    def _has_token(self, lines: bytes) -> bool:
        return sum(lines.count(mark) for mark in self.TOKEN_MARKS) > sum(lines.count(mark) for mark in self.EMPTY_MARKS)

    def _parse(self, data: bytes) -> None:
        try:
            event = json.loads(data)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        if isinstance(event.get("usage"), dict):
            self.summary.usage = event["usage"]
        for choice in event.get("choices") or ():
            reason = choice.get("finish_reason") if isinstance(choice, dict) else None
            if reason:
                self.summary.finish_reasons.append(str(reason))


class RelayStream:
    """An open upstream stream: iterate it for the raw bytes; its summary fills in as they pass."""

    def __init__(self, response: httpx2.Response, target: RelayTarget, started: float) -> None:
        self.response = response
        self.target = target
        self.started = started
        self.summary = StreamSummary()
        self.request_id = next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), "")
        self.headers = response.headers

    async def __aiter__(self) -> AsyncIterator[bytes]:
        summary = self.summary
        scanner = _LineScanner(summary)
        clock = time.perf_counter
        try:
            async for chunk in self.response.aiter_raw():
                now = clock()
                if summary.first_byte_at is None:
                    summary.first_byte_at = now
                summary.chunks += 1
                summary.bytes += len(chunk)
                scanner.feed(chunk, now)
                yield chunk
        except httpx2.TimeoutException:
            summary.broke = UpstreamTimeout(f"{self.target.resource.endpoint} stopped sending for "
                                            f"{STREAM_TIMEOUT.read:.0f} s.", code="timeout")
        except httpx2.TransportError as error:
            summary.broke = transport_error(error, self.target.resource.endpoint)
            summary.broke.message = f"the connection to {self.target.resource.endpoint} broke: {error or 'closed'}"
        finally:
            await self.response.aclose()
        if not summary.done and summary.broke is None:
            summary.broke = UpstreamError(f"{self.target.resource.endpoint} closed the stream before its end "
                                          "(no [DONE]).", code="stream_incomplete")

    async def aclose(self) -> None:
        """Close the upstream connection: the upstream sees the client go and stops generating."""
        await self.response.aclose()


async def open_stream(target: RelayTarget, deployment_name: str, body: dict[str, Any]) -> RelayStream:
    """Send the streamed request; a non-2xx answer raises Studio's typed error (read from a bounded body)."""
    headers = dict(target.headers)
    if target.token_provider is not None:
        # azure-identity caches tokens; a refresh talks to Entra ID, so it must not block the event loop.
        headers["authorization"] = f"Bearer {await anyio.to_thread.run_sync(target.token_provider)}"
    client = _client(target.policy)
    started = time.perf_counter()
    request = client.build_request("POST", target.url, content=request_body(target, deployment_name, body),
                                   headers=headers, timeout=STREAM_TIMEOUT)
    try:
        response = await client.send(request, stream=True)
    except UpstreamError:
        raise
    except httpx2.TransportError as error:
        cause = error.__cause__ or error.__context__
        if isinstance(cause, UpstreamError):
            raise cause from error
        raise transport_error(error, target.resource.endpoint) from error
    if response.status_code >= 400:
        try:
            raw = b""
            async for chunk in response.aiter_bytes():
                raw += chunk
                if len(raw) > ERROR_BODY_LIMIT:
                    break
        except httpx2.TransportError:
            pass
        finally:
            await response.aclose()
        error_response = httpx2.Response(response.status_code, headers=response.headers, content=raw)
        raise from_response(response.status_code, response.headers, _body_of(error_response), target.resource)
    return RelayStream(response, target, started)
