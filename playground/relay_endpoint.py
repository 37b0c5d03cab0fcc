"""The playground's stream as a bare ASGI endpoint, ahead of Django's middleware.

Django's built-in middleware runs each of its sync hooks in a thread hop under ASGI: about a dozen hops per request,
which is most of what a relay would add to the first token. This endpoint makes one hop instead, in which it does
what those middlewares do for this one path: the allowed host, the session, the user (with the session's auth
hash), the CSRF check (Django's own, see `studio.accounts.access`), the HTTPS rule, the role, then the call's
own database work. When the same session streamed a few seconds ago, all of that is in memory and no hop is made.
Everything after that (the relay, the usage record) is `playground.stream`'s, shared with the
Django view that serves the same URL under Django's own handler.
"""

from __future__ import annotations

import asyncio
import json
from importlib import import_module
from io import BytesIO
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections

from playground.calls import CallRefused, PreparedCall
from playground.stream import STREAM_HEADERS, call_for_request, call_if_cached, relay_events
from studio.accounts.access import csrf_failure, user_may_recently
from studio.core.ttl_cache import TTLCache

PATH = "/playground/stream/"
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"), (b"vary", b"Cookie")]


def handles(scope: dict[str, Any]) -> bool:
    return scope["type"] == "http" and scope["path"] == PATH


async def _read_body(receive, limit: int) -> bytes | None:
    """The request body, or None when it is over the limit (the rest is not read)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise asyncio.CancelledError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


# Signed-in sessions the relay has checked in the last seconds, by session key: a stream that follows another
# needs no database before its first token. Signing out, or any change to an account, forgets them all at once.
SESSIONS: TTLCache[Any] = TTLCache(seconds=5.0)


def _check_request(request: ASGIRequest) -> None:
    """The host, HTTPS and CSRF rules, as Django's middleware applies them (no database)."""
    try:
        request.get_host()
    except DisallowedHost as error:
        raise CallRefused("This host name is not served here (ALLOWED_HOSTS).", status=400,
                          code="bad_host") from error
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        raise CallRefused("Use HTTPS.", status=403, code="https_required")
    reason = csrf_failure(request)
    if reason:
        raise CallRefused(f"CSRF check failed ({reason}); reload the page.", status=403, code="csrf_failed")


def _recently_prepared(request: ASGIRequest) -> PreparedCall | None:
    """The call from what the last seconds left in memory, or None when anything needs the database."""
    user = SESSIONS.peek(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    if user is None or not user_may_recently(user, "developer"):
        return None
    request.user = user
    return call_if_cached(request)


def _authorize_and_prepare(request: ASGIRequest) -> PreparedCall:
    """What Django's middleware and the view would do, in this one synchronous call."""
    close_old_connections()
    engine = import_module(settings.SESSION_ENGINE)
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    request.session = engine.SessionStore(session_key)
    request.user = get_user(request)
    if not request.user.is_authenticated:
        raise CallRefused("Sign in first: your session has ended.", status=401, code="unauthenticated")
    SESSIONS.get(session_key, lambda: request.user)
    return call_for_request(request)


async def _answer_json(send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


async def relay_endpoint(scope, receive, send) -> None:
    if scope["method"] != "POST":
        await _answer_json(send, 405, {"error": {"code": "method_not_allowed", "message": "POST only.",
                                                 "param": None}})
        return
    body = await _read_body(receive, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if body is None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20
        await _answer_json(send, 413, {"error": {"code": "too_large", "message": f"The request is over Studio's "
                                                 f"{limit:.0f} MB limit: send fewer or smaller images.",
                                                 "param": None}})
        return
    request = ASGIRequest(scope, BytesIO(body))
    try:
        _check_request(request)
        call = _recently_prepared(request) or await sync_to_async(_authorize_and_prepare)(request)
    except CallRefused as refused:
        await _answer_json(send, refused.status, refused.as_json())
        return
    headers = [(b"content-type", b"text/event-stream; charset=utf-8"), *SECURITY_HEADERS,
               *((name.lower().encode(), value.encode()) for name, value in STREAM_HEADERS)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    pump = asyncio.ensure_future(_pump(call, send))

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        pump.cancel()  # Stop in the browser: the relay closes the upstream connection as it unwinds

    watcher = asyncio.ensure_future(watch())
    try:
        await pump
    except asyncio.CancelledError:
        if not pump.cancelled():
            raise
    finally:
        watcher.cancel()


async def _pump(call: PreparedCall, send) -> None:
    events = relay_events(call)
    try:
        async for chunk in events:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    finally:
        await events.aclose()
    await send({"type": "http.response.body", "body": b"", "more_body": False})
