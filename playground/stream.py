"""The playground's streaming endpoint: an async view that relays the upstream's stream to the browser.

The browser receives the upstream's own server-sent events, byte for byte, plus a few of Studio's, named
`event: studio` so that an OpenAI stream parser skips them:
  {"type": "retry", "after": s, "attempt": n, "of": m}   a 429 is being waited out before sending again
  {"type": "error", "status", "code", "message", "retry_after", "content_filter_results", "request_id"}
  {"type": "end", "status", "usage", "finish_reasons", "latency_ms", "first_token_ms", "tokens_per_second",
   "cost", "currency", "request_id", "broke"}                the last event of every stream
The usage record is queued after the end event has gone, so it never holds back the stream's last byte.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpResponseNotAllowed, JsonResponse, StreamingHttpResponse

from playground.calls import CallRefused, PreparedCall, call_prepare, recently_prepared, request_payload
from studio.accounts.access import checked_in_view, user_may
from studio.upstream.errors import ContentFiltered, RateLimited, UpstreamError
from studio.upstream.relay import open_stream
from studio.usage.models import UsageRecord
from studio.usage.records import Tariff, price_book_is_cached, tariff_for, usage_record_later

log = logging.getLogger(__name__)
RETRIES = 3  # 429s waited out before giving up
MAX_RETRY_WAIT = 60.0  # seconds; a longer retry-after is shown, not waited


def studio_event(data: dict[str, Any]) -> bytes:
    return b"event: studio\ndata: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


def error_event(error: UpstreamError) -> dict[str, Any]:
    event = {"type": "error", "status": error.status, "code": error.code, "message": error.message,
             "request_id": error.request_id}
    if isinstance(error, RateLimited):
        event["retry_after"] = error.retry_after
    if isinstance(error, ContentFiltered):
        event["content_filter_results"] = error.results
    return event


def status_of_error(error: UpstreamError) -> str:
    if isinstance(error, RateLimited):
        return UsageRecord.Status.RATE_LIMITED
    if isinstance(error, ContentFiltered):
        return UsageRecord.Status.FILTERED
    return UsageRecord.Status.ERROR


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else max(0, round(seconds * 1000))


async def relay_events(call: PreparedCall) -> AsyncIterator[bytes]:
    """Open the upstream stream (waiting out 429s), pass its bytes through, then say how it went."""
    record = call.record  # read only: each write builds its own dict
    started = time.perf_counter()
    attempt = 0
    while True:
        try:
            stream = await open_stream(call.target, call.deployment.name, call.body)
            break
        except RateLimited as error:
            attempt += 1
            wait = error.retry_after
            if attempt > RETRIES or wait is None or wait > MAX_RETRY_WAIT:
                yield studio_event(error_event(error))
                _record_error(record, error, started)
                return
            yield studio_event({"type": "retry", "after": wait, "attempt": attempt, "of": RETRIES,
                                "message": error.message})
            await asyncio.sleep(wait)
        except UpstreamError as error:
            yield studio_event(error_event(error))
            _record_error(record, error, started)
            return
    summary = stream.summary
    finished = False
    try:
        async for chunk in stream:
            yield chunk
        finished = True
    finally:
        if not finished:
            # The browser went away (Stop): close the upstream connection so that the upstream stops generating.
            await stream.aclose()
            _record_stream(record, stream, call.tariff, UsageRecord.Status.CANCELLED)
    status = (UsageRecord.Status.PARTIAL if summary.broke else
              UsageRecord.Status.FILTERED if summary.content_filtered else UsageRecord.Status.OK)
    fields = _record_stream(record, stream, call.tariff, status, write=False)
    ended = time.perf_counter()
    usage = summary.usage or {}
    generating = (ended - summary.first_token_at) if summary.first_token_at else None
    completion = usage.get("completion_tokens")
    yield studio_event({
        "type": "end", "status": status, "usage": summary.usage, "finish_reasons": summary.finish_reasons,
        "latency_ms": fields["latency_ms"], "first_token_ms": fields["first_token_ms"],
        "tokens_per_second": round(completion / generating, 1) if completion and generating else None,
        "cost": None if fields["cost"] is None else str(fields["cost"]), "currency": fields["currency"],
        "request_id": stream.request_id, "broke": summary.broke.message if summary.broke else None,
    })
    usage_record_later(fields)


def _record_error(record: dict[str, Any], error: UpstreamError, started: float) -> None:
    usage_record_later({**record, "status": status_of_error(error), "http_status": error.status,
                        "error_code": error.code or "", "upstream_request_id": error.request_id or "",
                        "latency_ms": _ms(time.perf_counter() - started)})


def _record_stream(record: dict[str, Any], stream, tariff: Tariff | None, status: str, *,
                   write: bool = True) -> dict[str, Any]:
    summary = stream.summary
    usage = summary.usage or {}
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    fields = {
        **record, "status": status, "http_status": stream.response.status_code,
        "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": usage.get("total_tokens"),
        "cost": tariff.tokens(prompt, completion) if tariff else None,
        "currency": tariff.row.currency if tariff and tariff.row else "USD",
        "latency_ms": _ms(time.perf_counter() - stream.started),
        "first_token_ms": _ms(summary.first_token_at - stream.started) if summary.first_token_at else None,
        "finish_reason": ",".join(dict.fromkeys(summary.finish_reasons)),
        "error_code": summary.broke.code or "" if summary.broke else "",
        "upstream_request_id": stream.request_id,
    }
    if write:
        usage_record_later(fields)
    return fields


@checked_in_view("developer")
async def stream(request):
    """POST {"deployment": pk, "operation": "chat/completions" | "completions", "body": {...}, "session": pk}.

    Under uvicorn, `studio.asgi` answers this path through `relay_endpoint` without Django's middleware; this view
    is the same call for Django's own handler (the test client, other servers)."""
    if request.method != "POST":  # the role first, as every view: a stranger learns nothing about the method
        if not await sync_to_async(user_may)(request.user, "developer"):
            return JsonResponse(forbidden().as_json(), status=403)
        return HttpResponseNotAllowed(["POST"])
    try:
        call = await sync_to_async(call_for_request)(request)
    except CallRefused as refused:
        return JsonResponse(refused.as_json(), status=refused.status)
    response = StreamingHttpResponse(relay_events(call), content_type="text/event-stream")
    for name, value in STREAM_HEADERS:
        response[name] = value
    return response


def forbidden() -> CallRefused:
    return CallRefused("Sending to a model needs the Developer role or higher.", status=403, code="forbidden")



STREAM_HEADERS = (("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no"))  # nginx: do not buffer the stream


def call_for_request(request) -> PreparedCall:
    """The role check, the call's database work and its price, in one thread hop."""
    if not user_may(request.user, "developer"):
        raise forbidden()
    call = call_prepare(request.user, request_payload(request))
    try:
        call.tariff = tariff_for(call.deployment)
    except Exception:  # no price is not a failed call: the record keeps an empty cost
        log.warning("no price could be found for %s", call.deployment, exc_info=True)
    return call


def call_if_cached(request) -> PreparedCall | None:
    """The same call when its deployment and price are in memory (no database, so no thread hop), else None."""
    payload = request_payload(request)
    if not recently_prepared(request.user, payload) or not price_book_is_cached():
        return None
    call = call_prepare(request.user, payload)
    call.tariff = tariff_for(call.deployment)
    return call
