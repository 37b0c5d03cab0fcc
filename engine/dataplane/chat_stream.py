"""Azure's chat stream: a prompt-filter chunk, per choice a role chunk, token chunks and a final chunk, usage."""

from __future__ import annotations

import json
from typing import Any

import tiktoken

from engine.backends.base import Generation, TokenLogprob
from engine.contentfilter import SAFE_COMPLETION
from engine.dataplane import sse
from engine.responses import dumps
from engine.tokens import pieces

SAFE_RESULTS = dumps(SAFE_COMPLETION)  # on token chunks; the final chunk of a choice carries its own verdict


def logprob_entry(lp: TokenLogprob) -> dict[str, Any]:
    return {"token": lp.token, "logprob": lp.logprob, "bytes": list(lp.token.encode()),
            "top_logprobs": [{"token": t, "logprob": p, "bytes": list(t.encode())} for t, p in lp.top]}


class ChunkStream:
    """Collects the events of one stream. Each chunk is built from pre-serialised halves around its delta, so a
    1,000-token stream costs a few milliseconds instead of a thousand full json.dumps calls."""

    def __init__(self, completion_id: str, created: int, model: str, fingerprint: str, include_usage: bool) -> None:
        usage_null = ',"usage":null' if include_usage else ""
        self.tail = (f',"created":{created},"id":"{completion_id}","model":{json.dumps(model)},'
                     f'"object":"chat.completion.chunk","system_fingerprint":"{fingerprint}"{usage_null}}}').encode()
        self.events: list[bytes] = []
        self.token_flags: list[bool] = []  # which events carry one generated token (the ones pacing applies to)

    def add(self, payload: bytes, token: bool = False) -> None:
        self.events.append(sse.event(payload))
        self.token_flags.append(token)

    def choice(self, index: int, delta: bytes, *, results: bytes = SAFE_RESULTS, finish: str | None = None,
               logprobs: bytes = b"null", token: bool = False) -> None:
        reason = f'"{finish}"' if finish else "null"
        self.add(b'{"choices":[{"content_filter_results":' + results + b',"delta":' + delta +
                 f',"finish_reason":{reason},"index":{index},"logprobs":'.encode() + logprobs + b"}]" + self.tail,
                 token)

    def generation(self, index: int, g: Generation, results: dict[str, Any], enc: tiktoken.Encoding) -> None:
        """All chunks of one choice: role, then token pieces (text or tool-call arguments), then finish."""
        role = {"content": None if g.tool_calls else "", "refusal": None, "role": "assistant"}
        self.choice(index, dumps(role), results=b"{}")
        for k, call in enumerate(g.tool_calls):
            opener = {"tool_calls": [{"index": k, "id": call.id, "type": "function",
                                      "function": {"name": call.name, "arguments": ""}}]}
            self.choice(index, dumps(opener))
            for piece in pieces(enc.encode_ordinary(call.arguments), enc):
                self.choice(index, dumps({"tool_calls": [{"index": k, "function": {"arguments": piece}}]}),
                            token=True)
        if not g.tool_calls:
            logprobs = g.logprobs or []
            for j, piece in enumerate(pieces(g.tokens, enc)):
                lp = (b'{"content":[' + dumps(logprob_entry(logprobs[j])) + b'],"refusal":null}'
                      if j < len(logprobs) else b"null")
                self.choice(index, b'{"content":' + dumps(piece) + b"}", logprobs=lp, token=True)
        self.choice(index, b"{}", results=dumps(results), finish=g.finish_reason)
