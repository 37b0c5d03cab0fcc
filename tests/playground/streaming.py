"""Reading the playground's stream the way the browser does: SSE events, Studio's own ones named `studio`."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from django.test import AsyncClient


@dataclass
class Streamed:
    status: int
    raw: bytes = b""
    chunks: list[dict[str, Any]] = field(default_factory=list)  # the upstream's JSON events, in order
    studio: list[dict[str, Any]] = field(default_factory=list)  # Studio's own events, in order
    done: bool = False
    malformed: int = 0
    body: dict[str, Any] | None = None  # a JSON answer (refused before streaming)

    @property
    def end(self) -> dict[str, Any] | None:
        return next((e for e in self.studio if e["type"] == "end"), None)

    @property
    def error(self) -> dict[str, Any] | None:
        return next((e for e in self.studio if e["type"] == "error"), None)

    def text(self, index: int = 0) -> str:
        return "".join(
            (choice.get("delta") or {}).get("content") or ""
            for chunk in self.chunks for choice in chunk.get("choices") or () if choice.get("index", 0) == index
        )

    def tool_calls(self) -> list[dict[str, Any]]:
        calls: dict[int, dict[str, Any]] = {}
        for chunk in self.chunks:
            for choice in chunk.get("choices") or ():
                for delta in (choice.get("delta") or {}).get("tool_calls") or ():
                    slot = calls.setdefault(delta.get("index", 0), {"id": "", "type": "function",
                                                                    "function": {"name": "", "arguments": ""}})
                    slot["id"] = delta.get("id") or slot["id"]
                    function = delta.get("function") or {}
                    slot["function"]["name"] += function.get("name") or ""
                    slot["function"]["arguments"] += function.get("arguments") or ""
        return [calls[i] for i in sorted(calls)]


def parse_sse(raw: bytes, into: Streamed) -> None:
    for block in raw.decode().replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        kind, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        payload = "\n".join(data)
        if kind == "studio":
            into.studio.append(json.loads(payload))
        elif payload == "[DONE]":
            into.done = True
        else:
            try:
                into.chunks.append(json.loads(payload))
            except ValueError:
                into.malformed += 1


async def astream(client: AsyncClient, deployment, body: dict[str, Any], *, operation: str = "chat/completions",
                  stop_after_chunks: int | None = None, **extra) -> Streamed:
    payload = {"deployment": getattr(deployment, "pk", deployment), "operation": operation, "body": body, **extra}
    response = await client.post("/playground/stream/", data=json.dumps(payload), content_type="application/json")
    result = Streamed(response.status_code)
    if not response.streaming:
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        result.body = json.loads(response.content) if is_json else {"html": response.content.decode()}
        return result
    raw = b""
    iterator = aiter(response.streaming_content)
    try:
        count = 0
        async for chunk in iterator:
            raw += chunk
            count += 1
            if stop_after_chunks is not None and count >= stop_after_chunks:
                break
    finally:
        await iterator.aclose()
    result.raw = raw
    parse_sse(raw, result)
    return result


def stream(client_user, deployment, body, **kwargs) -> Streamed:
    async def run():
        client = AsyncClient()
        await client.aforce_login(client_user)
        return await astream(client, deployment, body, **kwargs)

    return asyncio.run(run())
