"""Azure's chat stream: a prompt-filter chunk, per choice a role chunk, token chunks and a final chunk, usage."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from typing import Any

from engine.backends.base import Finish, TextDelta, TokenLogprob, ToolCallDelta, Usage
from engine.contentfilter import SAFE_COMPLETION
from engine.dataplane.common import Call
from engine.dataplane.generate import Pieces
from engine.dataplane.moderation import HeldText
from engine.responses import dumps

SAFE_RESULTS = dumps(SAFE_COMPLETION)  # on token chunks; the final chunk of a choice carries its own verdict
Event = tuple[bytes, bool]  # an event's JSON payload, and whether it carries one generated token (pacing counts those)


def logprob_entry(lp: TokenLogprob) -> dict[str, Any]:
    return {"token": lp.token, "logprob": lp.logprob, "bytes": list(lp.token.encode()),
            "top_logprobs": [{"token": t, "logprob": p, "bytes": list(t.encode())} for t, p in lp.top]}


class ChunkStream:
    """Builds the chunks of one stream from pre-serialised halves around each delta, so a 1,000-token stream costs
    a few milliseconds instead of a thousand full json.dumps calls."""

    def __init__(self, completion_id: str, created: int, model: str, fingerprint: str, include_usage: bool) -> None:
        usage_null = ',"usage":null' if include_usage else ""
        self.tail = (f',"created":{created},"id":"{completion_id}","model":{json.dumps(model)},'
                     f'"object":"chat.completion.chunk","system_fingerprint":"{fingerprint}"{usage_null}}}').encode()

    def choice(self, index: int, delta: bytes, *, results: bytes = SAFE_RESULTS, finish: str | None = None,
               logprobs: bytes = b"null") -> bytes:
        reason = f'"{finish}"' if finish else "null"
        return (b'{"choices":[{"content_filter_results":' + results + b',"delta":' + delta +
                f',"finish_reason":{reason},"index":{index},"logprobs":'.encode() + logprobs + b"}]" + self.tail)

    def text(self, piece: TextDelta) -> Iterator[bytes]:
        """The piece's chunks, made as they are asked for: one per token text of a many-token piece, else one."""
        if not piece.token_texts:
            yield self._text(piece.choice, piece.text, piece.logprobs)
            return
        logprobs = piece.logprobs or []
        for j, text in enumerate(piece.token_texts):
            yield self._text(piece.choice, text, logprobs[j:j + 1])

    def _text(self, index: int, text: str, logprobs: list[TokenLogprob] | None) -> bytes:
        entries = b"null"
        if logprobs:
            entries = b'{"content":[' + b",".join(dumps(logprob_entry(lp)) for lp in logprobs) + b'],"refusal":null}'
        return self.choice(index, b'{"content":' + dumps(text) + b"}", logprobs=entries)


async def chat_events(call: Call, pieces: Pieces, chunks: ChunkStream, first: bytes, usage_chunk: Any,
                      incremental: bool) -> AsyncIterator[Event]:
    """The stream's events as the backend produces them. `usage_chunk(usage)` gives the usage chunk, or None;
    `incremental`: the events go out as they come, so the completion filter checks as it goes."""
    yield first, False
    started = [False] * pieces.n
    held = [HeldText(call, incremental) for _ in range(pieces.n)]
    has_calls = [False] * pieces.n

    def role(c: int, tool_calls: bool) -> Event:
        started[c] = True
        return chunks.choice(c, dumps({"content": None if tool_calls else "", "refusal": None,
                                       "role": "assistant"}), results=b"{}"), False

    async with aclosing(aiter(pieces)) as stream:
        async for piece in stream:
            if isinstance(piece, TextDelta):
                c = piece.choice
                if not started[c]:
                    yield role(c, False)
                released, blocked = held[c].add(piece)
                for out in released:
                    for chunk in chunks.text(out):
                        yield chunk, True
                if blocked:
                    pieces.end(c)
                    _, results, _ = await held[c].finish()
                    yield chunks.choice(c, b"{}", results=dumps(results), finish="content_filter"), False
            elif isinstance(piece, ToolCallDelta):
                c = piece.choice
                if not started[c]:
                    yield role(c, True)
                has_calls[c] = True
                if piece.id is not None or piece.name is not None:
                    opener = {"tool_calls": [{"index": piece.index, "id": piece.id, "type": "function",
                                              "function": {"name": piece.name, "arguments": ""}}]}
                    yield chunks.choice(c, dumps(opener)), False
                if piece.arguments:
                    delta = {"tool_calls": [{"index": piece.index, "function": {"arguments": piece.arguments}}]}
                    yield chunks.choice(c, dumps(delta)), True
            elif isinstance(piece, Finish):
                c = piece.choice
                if not started[c]:
                    yield role(c, False)
                released, results, blocked = await held[c].finish()
                for out in released:
                    for chunk in chunks.text(out):
                        yield chunk, True
                reason = "content_filter" if blocked and not has_calls[c] else piece.reason
                yield chunks.choice(c, b"{}", results=dumps(results), finish=reason), False
            elif isinstance(piece, Usage):
                chunk = usage_chunk(piece)
                if chunk is not None:
                    yield chunk, False
