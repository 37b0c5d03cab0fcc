"""POST /openai/deployments/{deployment}/chat/completions: usage, filtering and Azure's response and stream shapes."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from engine import errors
from engine.backends.base import Generation
from engine.dataplane import sse
from engine.dataplane.chat_request import parse, prompt_text
from engine.dataplane.chat_stream import ChunkStream, logprob_entry
from engine.dataplane.common import Call, inference, now
from engine.dataplane.moderation import check_prompt, filter_completion
from engine.responses import dumps, read_json_object
from engine.tokens import EstimatorError, count_chat_tokens, encoding_for

FINGERPRINT = "fp_engine_simulated"


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
          choice_results: list[dict[str, Any]], prompt_tokens: int) -> dict[str, Any]:
    choices = []
    for i, (g, results) in enumerate(zip(generations, choice_results, strict=True)):
        logprobs = {"content": [logprob_entry(lp) for lp in g.logprobs], "refusal": None} if g.logprobs else None
        choices.append({"content_filter_results": results, "finish_reason": g.finish_reason, "index": i,
                        "logprobs": logprobs, "message": _message(g)})
    return {
        "choices": choices, "created": now(), "id": completion_id, "model": call.model.name,
        "object": "chat.completion", "prompt_filter_results": [{"prompt_index": 0,
                                                                "content_filter_results": prompt_results}],
        "system_fingerprint": FINGERPRINT,
        "usage": _usage(prompt_tokens, sum(g.completion_tokens for g in generations)),
    }


def _stream(call: Call, completion_id: str, prompt_results: dict[str, Any], generations: list[Generation],
            choice_results: list[dict[str, Any]], prompt_tokens: int, include_usage: bool) -> Response:
    created = now()
    stream = ChunkStream(completion_id, created, call.model.name, FINGERPRINT, include_usage)
    # Azure's first chunk: empty id and model, no choices, the prompt's filter results.
    stream.add(dumps({"choices": [], "created": 0, "id": "", "model": "", "object": "",
                      "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": prompt_results}]}))
    enc = encoding_for(call.model.token_model)
    for i, (g, results) in enumerate(zip(generations, choice_results, strict=True)):
        stream.generation(i, g, results, enc)
    if include_usage:
        stream.add(dumps({"choices": [], "created": created, "id": completion_id, "model": call.model.name,
                          "object": "chat.completion.chunk", "system_fingerprint": FINGERPRINT,
                          "usage": _usage(prompt_tokens, sum(g.completion_tokens for g in generations))}))
    return sse.respond(stream.events, stream.token_flags, call.faults, call.tokens_per_second, call.headers)


@inference("chat")
async def chat_completions(call: Call) -> Response:
    body = await read_json_object(call.request)
    request, options = parse(body, call.model)
    try:
        count = count_chat_tokens(request.messages, call.model.token_model)
    except EstimatorError as e:
        raise errors.invalid_request(str(e), param=e.param or "messages") from None
    if request.max_tokens is not None and count.prompt_tokens + request.max_tokens > call.model.max_context_tokens:
        total = count.prompt_tokens + request.max_tokens
        raise errors.invalid_request(
            f"This model's maximum context length is {call.model.max_context_tokens} tokens. However, you requested "
            f"{total} tokens ({count.prompt_tokens} in the messages, {request.max_tokens} in the completion). Please "
            "reduce the length of the messages or completion.", param="messages", code="context_length_exceeded")
    # Charged at arrival on the estimate, like Azure: a filtered prompt still counts against the limits.
    estimate = request.max_tokens or call.engine.config.default_max_tokens
    call.charge(count.prompt_tokens + estimate * request.n)
    prompt_results = check_prompt(call, prompt_text(request.messages))
    generations = await call.backends.chat.chat(request)
    choice_results = [filter_completion(call, g) for g in generations]
    completion_id = "chatcmpl-" + uuid.uuid4().hex[:29]
    if options["stream"]:
        return _stream(call, completion_id, prompt_results, generations, choice_results, count.prompt_tokens,
                       options["include_usage"])
    await call.wait_for_generation(sum(g.completion_tokens for g in generations))
    return call.json(_body(call, completion_id, prompt_results, generations, choice_results, count.prompt_tokens))
