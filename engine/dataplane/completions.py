"""POST /openai/deployments/{deployment}/completions: the legacy prompt API (instruct and babbage models)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from starlette.responses import Response

from engine import errors
from engine.backends.base import CompletionRequest, Generation
from engine.config import ModelSpec
from engine.dataplane import sse
from engine.dataplane import validation as v
from engine.dataplane.common import Call, inference, now
from engine.dataplane.moderation import filter_completion
from engine.responses import dumps, read_json_object
from engine.tokens import count_prompt_tokens, encoding_for, pieces

SUFFIX_MODELS = ("gpt-35-turbo-instruct",)


def _prompts(body: dict[str, Any], model: ModelSpec) -> list[str]:
    prompt = body.get("prompt")
    if prompt is None:
        raise errors.invalid_request("'prompt' is a required property", param="prompt", code=None)
    enc = encoding_for(model.token_model)
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and prompt:
        if all(isinstance(t, int) and not isinstance(t, bool) for t in prompt):
            return [enc.decode(prompt)]
        if all(isinstance(p, str) for p in prompt):
            return list(prompt)
        if all(isinstance(p, list) and all(isinstance(t, int) for t in p) for p in prompt):
            return [enc.decode(p) for p in prompt]
    raise errors.invalid_request("'prompt' must be a string, an array of strings, an array of tokens or an array of "
                                 "token arrays.", param="prompt")


def _legacy_logprobs(g: Generation, offset: int) -> dict[str, Any] | None:
    if g.logprobs is None:
        return None
    offsets, position = [], offset
    for lp in g.logprobs:
        offsets.append(position)
        position += len(lp.token)
    return {"tokens": [lp.token for lp in g.logprobs], "token_logprobs": [lp.logprob for lp in g.logprobs],
            "top_logprobs": [dict(lp.top) for lp in g.logprobs], "text_offset": offsets}


def parse(body: dict[str, Any], model: ModelSpec) -> tuple[CompletionRequest, dict[str, Any]]:
    prompts = _prompts(body, model)
    params = v.sampling(body)
    max_tokens = v.integer(body, "max_tokens", 0, model.max_output_tokens, 16)
    best_of = v.integer(body, "best_of", 1, 20, params["n"])
    if best_of < params["n"]:
        raise errors.invalid_request("best_of must be greater than or equal to n.", param="best_of")
    if best_of > 1 and params["stream"]:
        raise errors.invalid_request("Cannot stream results with best_of > 1.", param="best_of")
    suffix = v.string(body, "suffix")
    if suffix is not None and model.token_model not in SUFFIX_MODELS:
        raise errors.invalid_request(f"suffix is not supported with model {model.name}.", param="suffix")
    logprobs = v.integer(body, "logprobs", 0, 5, None)
    include_usage = v.stream_options(body, params["stream"])
    echo = v.boolean(body, "echo", False)
    canonical = json.dumps({k: body.get(k) for k in ("prompt", "temperature", "top_p", "seed", "suffix", "logprobs",
                                                     "presence_penalty", "frequency_penalty", "logit_bias")}
                           | {"model": model.name}, sort_keys=True)
    request = CompletionRequest(
        model=model, prompts=prompts, n=params["n"], max_tokens=max_tokens, stop=params["stop"], seed=params["seed"],
        temperature=params["temperature"], echo=echo, suffix=suffix, logprobs=logprobs,
        sample_key=hashlib.blake2b(canonical.encode(), digest_size=16).digest(),
    )
    return request, {"stream": params["stream"], "include_usage": include_usage, "best_of": best_of}


@inference("completions")
async def completions(call: Call) -> Response:
    body = await read_json_object(call.request)
    request, options = parse(body, call.model)
    prompt_tokens = count_prompt_tokens(body["prompt"], call.model.token_model)  # token arrays count as sent
    call.charge(prompt_tokens + request.max_tokens * options["best_of"] * len(request.prompts))
    filters = call.engine.content_filter
    verdicts = [filters.check(call.policy, p, "prompt") for p in request.prompts]
    blocked = next((vd for vd in verdicts if vd.blocked), None)
    if blocked is not None:
        raise errors.content_filtered(blocked.results)
    prompt_results = [{"prompt_index": i, "content_filter_results": vd.results} for i, vd in enumerate(verdicts)]
    generations = await call.backends.completions.complete(request)
    results = [filter_completion(call, g) for g in generations]
    completion_id = "cmpl-" + uuid.uuid4().hex[:29]
    completion_tokens = sum(g.completion_tokens for g in generations)
    usage = {"completion_tokens": completion_tokens, "prompt_tokens": prompt_tokens,
             "total_tokens": prompt_tokens + completion_tokens}
    base = {"id": completion_id, "object": "text_completion", "created": now(), "model": call.model.name}
    if not options["stream"]:
        await call.wait_for_generation(completion_tokens)
        choices = []
        for i, (g, r) in enumerate(zip(generations, results, strict=True)):
            prompt = request.prompts[i // request.n]
            offset = len(prompt) if request.echo else 0
            choices.append({"text": g.text, "index": i, "logprobs": _legacy_logprobs(g, offset),
                            "finish_reason": g.finish_reason, "content_filter_results": r})
        return call.json({**base, "choices": choices, "prompt_filter_results": prompt_results, "usage": usage})
    return _stream(call, request, base, prompt_results, generations, results, usage, options["include_usage"])


def _stream(call: Call, request: CompletionRequest, base: dict[str, Any], prompt_results: list[dict[str, Any]],
            generations: list[Generation], results: list[dict[str, Any]], usage: dict[str, Any],
            include_usage: bool) -> Response:
    extra = {"usage": None} if include_usage else {}
    first = {"id": "", "object": "", "created": 0, "model": "", "prompt_filter_results": prompt_results,
             "choices": []}
    events, flags = [sse.event(dumps(first))], [False]
    enc = encoding_for(call.model.token_model)
    for i, (g, r) in enumerate(zip(generations, results, strict=True)):
        text = g.text
        if request.echo:
            prompt = request.prompts[i // request.n]
            events.append(sse.event(dumps({**base, "choices": [{"text": prompt, "index": i, "logprobs": None,
                                                                "finish_reason": None}], **extra})))
            flags.append(False)
            text = text[len(prompt):]
        for piece in pieces(enc.encode_ordinary(text), enc):
            choice = {"text": piece, "index": i, "logprobs": None, "finish_reason": None,
                      "content_filter_results": {}}
            events.append(sse.event(dumps({**base, "choices": [choice], **extra})))
            flags.append(True)
        final = {"text": "", "index": i, "logprobs": None, "finish_reason": g.finish_reason,
                 "content_filter_results": r}
        events.append(sse.event(dumps({**base, "choices": [final], **extra})))
        flags.append(False)
    if include_usage:
        events.append(sse.event(dumps({**base, "choices": [], "usage": usage})))
        flags.append(False)
    return sse.respond(events, flags, call.faults, call.tokens_per_second, call.headers)
