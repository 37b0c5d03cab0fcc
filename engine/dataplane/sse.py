"""Server-sent events: one write when nothing is paced, otherwise batched writes on the token schedule."""

from __future__ import annotations

import asyncio
import logging

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from engine.faults import Faults

DONE = b"data: [DONE]\n\n"
MALFORMED = b'data: {"id":"chatcmpl-malformed","object":"chat.completion.chunk","choices":[{"index":0,"delta":\n\n'
MEDIA_TYPE = "text/event-stream"


class StreamCut(Exception):
    """Raised after the last event of a cut stream: uvicorn then drops the connection without [DONE]."""


class _QuietCuts(logging.Filter):
    # A cut is the fault a test asked for, not a bug: keep its traceback out of the server log.
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], StreamCut))


logging.getLogger("uvicorn.error").addFilter(_QuietCuts())


def event(payload: bytes) -> bytes:
    return b"data: " + payload + b"\n\n"


class EventStream:
    """An ASGI response sending `events` at their due times (seconds after the start), batching what is due."""

    def __init__(self, events: list[bytes], dues: list[float], headers: dict[str, str], cut: bool) -> None:
        self.events, self.dues, self.cut = events, dues, cut
        self.headers = [(k.encode(), v.encode()) for k, v in headers.items()]
        self.headers.append((b"content-type", b"text/event-stream; charset=utf-8"))
        self.headers.append((b"cache-control", b"no-cache"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        loop = asyncio.get_running_loop()
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        try:
            start, i, n = loop.time(), 0, len(self.events)
            while i < n and not gone.is_set():
                wait = start + self.dues[i] - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                elapsed = loop.time() - start + 0.002  # whatever is due within 2 ms goes in the same write
                j = i + 1
                while j < n and self.dues[j] <= elapsed:
                    j += 1
                await send({"type": "http.response.body", "body": b"".join(self.events[i:j]), "more_body": True})
                i = j
            if self.cut:
                raise StreamCut
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()


def respond(events: list[bytes], token_flags: list[bool], faults: Faults, tokens_per_second: float,
            headers: dict[str, str]) -> Response | EventStream:
    """The whole stream for `events` (without [DONE]); token_flags marks the events that carry one token each."""
    events = [*events, DONE]
    token_flags = [*token_flags, False]
    if faults.malformed_after is not None:
        at = min(faults.malformed_after, len(events))
        events.insert(at, MALFORMED)
        token_flags.insert(at, False)
    cut = faults.cut_after is not None and faults.cut_after < len(events)
    if cut:
        events, token_flags = events[: faults.cut_after], token_flags[: faults.cut_after]
    ttft = (faults.ttft_ms or 0) / 1000
    if not (cut or ttft or tokens_per_second):
        return Response(b"".join(events), headers=headers, media_type=MEDIA_TYPE)
    dues, due, tokens = [], 0.0, 0
    for is_token in token_flags:
        if is_token:
            due = ttft + (tokens / tokens_per_second if tokens_per_second else 0.0)
            tokens += 1
        dues.append(due)
    return EventStream(events, dues, headers, cut)
