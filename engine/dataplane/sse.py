"""Server-sent events: one write when nothing waits, batched writes on a paced schedule, or each event as it comes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from engine.faults import Faults

DONE = b"data: [DONE]\n\n"
MALFORMED = b'data: {"id":"chatcmpl-malformed","object":"chat.completion.chunk","choices":[{"index":0,"delta":\n\n'
MEDIA_TYPE = "text/event-stream"
STREAM_ERROR = (b'{"error":{"code":"InternalServerError","message":"The server had an error while processing your '
                b'request. Sorry about that!"}}')
BATCH_EVENTS = 512  # at most this many events per write: a huge stream never becomes one huge buffer


class StreamCut(Exception):
    """Raised after the last event of a cut stream: uvicorn then drops the connection without [DONE]."""


class _QuietCuts(logging.Filter):
    # A cut is the fault a test asked for, not a bug: keep its traceback out of the server log.
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], StreamCut))


logging.getLogger("uvicorn.error").addFilter(_QuietCuts())
log = logging.getLogger("engine")


def event(payload: bytes) -> bytes:
    return b"data: " + payload + b"\n\n"


async def _arranged(events: AsyncIterator[tuple[bytes, bool]], faults: Faults) -> AsyncIterator[tuple[bytes, bool]]:
    """The events as SSE frames with [DONE], the fault header's malformed event and cut applied. A cut stream ends
    with (b"", False) in place of the events it drops."""

    async def framed() -> AsyncIterator[tuple[bytes, bool]]:
        try:
            async with aclosing(events) as source:
                async for payload, is_token in source:
                    yield event(payload), is_token
        except Exception:
            # The status line is long gone: a backend that fails mid-stream ends it with an error event, as Azure
            # does, and no [DONE].
            log.exception("a stream failed")
            yield event(STREAM_ERROR), False
            return
        yield DONE, False

    malformed, cut = faults.malformed_after, faults.cut_after
    sent = 0
    async with aclosing(framed()) as source:
        async for frame in source:
            if malformed is not None and sent == malformed:
                if cut is not None and sent >= cut:
                    yield b"", False
                    return
                yield MALFORMED, False
                sent += 1
            if cut is not None and sent >= cut:
                yield b"", False
                return
            yield frame
            sent += 1
    if malformed is not None and sent < malformed:  # asked for after the end: it goes last, as before
        yield MALFORMED, False


@dataclass
class StreamCounts:
    """How the engine's streams ended, since it started: the health answer shows them, so that a client (Studio's
    tests) can see that closing its connection stopped a generation."""

    opened: int = 0
    completed: int = 0
    client_gone: int = 0  # the client closed the connection before the end: the generation was stopped

    def as_dict(self) -> dict[str, int]:
        return {"opened": self.opened, "completed": self.completed, "client_gone": self.client_gone}


STREAMS = StreamCounts()


class EventStream:
    """An ASGI response sending events as they come. Paced: at their due times (seconds after the start), batching
    what is due within 2 ms; unpaced: each as soon as the backend gives it. A client that goes away cancels the
    stream, which closes the backend's generator and so stops its generation."""

    def __init__(self, events: AsyncIterator[tuple[bytes, bool]], headers: dict[str, str], ttft: float,
                 tokens_per_second: float, paced: bool) -> None:
        self.events, self.ttft, self.rate, self.paced = events, ttft, tokens_per_second, paced
        self.headers = [(k.encode(), v.encode()) for k, v in headers.items()]
        self.headers.append((b"content-type", b"text/event-stream; charset=utf-8"))
        self.headers.append((b"cache-control", b"no-cache"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        pump = asyncio.ensure_future(self._pump(send))

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            pump.cancel()

        watcher = asyncio.create_task(watch())
        STREAMS.opened += 1
        try:
            cut = await pump
        except asyncio.CancelledError:
            if not pump.cancelled():
                raise
            STREAMS.client_gone += 1
            return  # the client went away: nothing more to send
        finally:
            watcher.cancel()
            if not pump.done():
                pump.cancel()
        if cut:
            raise StreamCut
        STREAMS.completed += 1
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _pump(self, send: Send) -> bool:
        """Send every event; True when the stream is cut (the fault header asked for it)."""
        loop = asyncio.get_running_loop()
        start, tokens, batch = loop.time(), 0, []
        async with aclosing(self.events) as events:
            async for frame, is_token in events:
                if not frame:
                    if batch:
                        await send({"type": "http.response.body", "body": b"".join(batch), "more_body": True})
                    return True
                due = 0.0
                if is_token:
                    due = self.ttft + (tokens / self.rate if self.paced and self.rate else 0.0)
                    tokens += 1
                wait = start + due - loop.time()
                if batch and (wait > 0.002 or not self.paced or len(batch) >= BATCH_EVENTS):
                    await send({"type": "http.response.body", "body": b"".join(batch), "more_body": True})
                    batch = []
                    await asyncio.sleep(0)  # a send that need not wait does not yield: let other requests in
                if wait > 0:
                    await asyncio.sleep(wait)
                batch.append(frame)
                if not self.paced:
                    await send({"type": "http.response.body", "body": frame, "more_body": True})
                    batch = []
        if batch:
            await send({"type": "http.response.body", "body": b"".join(batch), "more_body": True})
        return False


def whole(faults: Faults, tokens_per_second: float, paced: bool) -> bool:
    """True when the stream goes out in one write: a backend that answers at once, with nothing to wait for."""
    return paced and not (faults.cut_after is not None or faults.ttft_ms or tokens_per_second)


async def respond(events: AsyncIterator[tuple[bytes, bool]], faults: Faults, tokens_per_second: float,
                  headers: dict[str, str], paced: bool) -> Response | EventStream:
    """The whole stream for `events` (JSON payloads without [DONE], each flagged when it carries one token).
    `paced`: the backend answers at once and the engine spaces its tokens at tokens_per_second."""
    ttft = (faults.ttft_ms or 0) / 1000
    arranged = _arranged(events, faults)
    if whole(faults, tokens_per_second, paced):
        # Nothing to wait for: a short stream goes out in one write; a long one in batches, as it is made.
        head = []
        async for frame in arranged:
            head.append(frame)
            if len(head) == BATCH_EVENTS:
                return EventStream(_chain(head, arranged), headers, 0.0, 0.0, paced=True)
        return Response(b"".join(frame for frame, _ in head), headers=headers, media_type=MEDIA_TYPE)
    return EventStream(arranged, headers, ttft, tokens_per_second, paced)


async def _chain(head: list[tuple[bytes, bool]], rest: AsyncIterator[tuple[bytes, bool]]
                 ) -> AsyncIterator[tuple[bytes, bool]]:
    for frame in head:
        yield frame
    async with aclosing(rest) as source:
        async for frame in source:
            yield frame
