"""POST /openai/deployments/{deployment}/chat/completions: usage, filtering and Azure's response and stream shapes."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from engine.backends.base import Generation, Usage
from engine.dataplane import sse
from engine.dataplane.chat_request import check_context, parse, prompt_text, sample_key
from engine.dataplane.chat_stream import ChunkStream, chat_events, logprob_entry
from engine.dataplane.common import Call, inference, now
from engine.dataplane.generate import Pieces, collect
from engine.dataplane.moderation import check_prompt, filter_completion
from engine.responses import dumps, read_json_object


def fingerprint(call: Call) -> str:
    return "fp_engine_" + call.backends.name.replace(".", "_").replace("-", "_")


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "completion_tokens": completion_tokens, "prompt_tokens": prompt_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "completion_tokens_details": {"accepted_prediction_tokens": 0, "audio_tokens": 0, "reasoning_tokens": 0,
                                      "rejected_prediction_tokens": 0},
        "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 0},
    }


def _message(generation: Generation) -> dict[str, Any]:
    if generation.tool_calls:
        return {"content": None, "refusal": None, "role": "assistant", "tool_calls": [
            {"function": {"arguments": c.arguments, "name": c.name}, "id": c.id, "type": "function"}
            for c in generation.tool_calls]}
    return {"content": generation.text, "refusal": None, "role": "assistant"}


def _body(call: Call, completion_id: str, prompt_results: dict[str, Any], generations: list[Generation],
          choice_results: list[dict[str, Any]], usage: Usage) -> dict[str, Any]:
    choices = []
    for i, (g, results) in enumerate(zip(generations, choice_results, strict=True)):
        logprobs = {"content": [logprob_entry(lp) for lp in g.logprobs], "refusal": None} if g.logprobs else None
        choices.append({"content_filter_results": results, "finish_reason": g.finish_reason, "index": i,
                        "logprobs": logprobs, "message": _message(g)})
    return {
        "choices": choices, "created": now(), "id": completion_id, "model": call.model.name,
        "object": "chat.completion", "prompt_filter_results": [{"prompt_index": 0,
                                                                "content_filter_results": prompt_results}],
        "system_fingerprint": fingerprint(call),
        "usage": _usage(usage.prompt_tokens or 0, usage.completion_tokens or 0),
    }


async def _stream(call: Call, completion_id: str, prompt_results: dict[str, Any], pieces: Pieces,
                  prompt_tokens: int, include_usage: bool) -> Response:
    created = now()
    chunks = ChunkStream(completion_id, created, call.model.name, fingerprint(call), include_usage)
    # Azure's first chunk: empty id and model, no choices, the prompt's filter results.
    first = dumps({"choices": [], "created": 0, "id": "", "model": "", "object": "",
                   "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": prompt_results}]})

    def usage_chunk(usage: Usage) -> bytes | None:
        if not include_usage:
            return None
        return dumps({"choices": [], "created": created, "id": completion_id, "model": call.model.name,
                      "object": "chat.completion.chunk", "system_fingerprint": fingerprint(call),
                      "usage": _usage(usage.prompt_tokens or prompt_tokens, usage.completion_tokens or 0)})

    paced = call.backends.paced_by_engine
    events = chat_events(call, pieces, chunks, first, usage_chunk, not sse.whole(call.faults, call.pace, paced))
    return await sse.respond(events, call.faults, call.pace, call.headers, paced)


@inference("chat")
async def chat_completions(call: Call) -> Response:
    body = await read_json_object(call.request)
    request, options = parse(body, call.model)
    prompt_tokens = await check_context(request, call.model)
    request.sample_key = sample_key(body, call.model)
    # Charged at arrival on the estimate, like Azure: a filtered prompt still counts against the limits.
    estimate = request.max_tokens or call.engine.config.default_max_tokens
    call.charge(prompt_tokens + estimate * request.n)
    prompt_results = check_prompt(call, prompt_text(request.messages))
    pieces = Pieces(call.backends.chat.chat(request), request.n, request.max_tokens)
    completion_id = "chatcmpl-" + uuid.uuid4().hex[:29]
    if options["stream"]:
        return await _stream(call, completion_id, prompt_results, pieces, prompt_tokens, options["include_usage"])
    generations, usage = await call.until_disconnect(collect(pieces, request.logprobs))
    usage.prompt_tokens = usage.prompt_tokens or prompt_tokens
    choice_results = [await filter_completion(call, g) for g in generations]
    await call.wait_for_generation(usage.completion_tokens or 0)
    return call.json(_body(call, completion_id, prompt_results, generations, choice_results, usage))
