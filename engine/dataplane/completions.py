"""POST /openai/deployments/{deployment}/completions: the legacy prompt API (instruct and babbage models)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from typing import Any

from starlette.responses import Response

from engine import errors
from engine.backends.base import CompletionRequest, Finish, Generation, TextDelta, TokenLogprob, Usage
from engine.config import ModelSpec
from engine.dataplane import sse
from engine.dataplane import validation as v
from engine.dataplane.common import Call, inference, now
from engine.dataplane.generate import Pieces, collect
from engine.dataplane.moderation import HeldText, filter_completion
from engine.dataplane.offload import off_loop_if_large
from engine.responses import dumps, read_json_object
from engine.tokens import EstimatorError, count_prompt_tokens, decode_ids, encoding_for

SUFFIX_MODELS = ("gpt-35-turbo-instruct",)


def _prompts(body: dict[str, Any], model: ModelSpec) -> list[str]:
    prompt = body.get("prompt")
    if prompt is None:
        raise errors.invalid_request("'prompt' is a required property", param="prompt", code=None)
    enc = encoding_for(model.token_model)
    if isinstance(prompt, str):
        return [prompt]
    try:
        if isinstance(prompt, list) and prompt:
            if all(isinstance(t, int) and not isinstance(t, bool) for t in prompt):
                return [decode_ids(prompt, enc, "prompt")]
            if all(isinstance(p, str) for p in prompt):
                return list(prompt)
            if all(isinstance(p, list) and p and all(isinstance(t, int) and not isinstance(t, bool) for t in p)
                   for p in prompt):
                return [decode_ids(p, enc, "prompt") for p in prompt]
    except EstimatorError as e:
        raise errors.invalid_request(str(e), param="prompt") from None
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
    request = CompletionRequest(
        model=model, prompts=prompts, n=params["n"], max_tokens=max_tokens, stop=params["stop"], seed=params["seed"],
        temperature=params["temperature"], echo=echo, suffix=suffix, logprobs=logprobs,
    )
    return request, {"stream": params["stream"], "include_usage": include_usage, "best_of": best_of}


def sample_key(body: dict[str, Any], model: ModelSpec) -> bytes:
    """A digest of what shapes the answer (costly for a long prompt, so computed after the context check)."""
    canonical = json.dumps({k: body.get(k) for k in ("prompt", "temperature", "top_p", "seed", "suffix", "logprobs",
                                                     "presence_penalty", "frequency_penalty", "logit_bias")}
                           | {"model": model.name}, sort_keys=True)
    return hashlib.blake2b(canonical.encode(), digest_size=16).digest()


@inference("completions")
async def completions(call: Call) -> Response:
    body = await read_json_object(call.request)
    request, options = parse(body, call.model)
    prompt_tokens = await off_loop_if_large(sum(map(len, request.prompts)), count_prompt_tokens, body["prompt"],
                                            call.model.token_model)  # token arrays count as sent
    if prompt_tokens + request.max_tokens > call.model.max_context_tokens:
        raise errors.invalid_request(
            f"This model's maximum context length is {call.model.max_context_tokens} tokens, however you requested "
            f"{prompt_tokens + request.max_tokens} tokens ({prompt_tokens} in your prompt; {request.max_tokens} for "
            "the completion). Please reduce your prompt; or completion length.", param="prompt",
            code="context_length_exceeded")
    request.sample_key = sample_key(body, call.model)
    call.charge(prompt_tokens + request.max_tokens * options["best_of"] * len(request.prompts))
    filters = call.engine.content_filter
    verdicts = [filters.check(call.policy, p, "prompt") for p in request.prompts]
    blocked = next((vd for vd in verdicts if vd.blocked), None)
    if blocked is not None:
        raise errors.content_filtered(blocked.results)
    prompt_results = [{"prompt_index": i, "content_filter_results": vd.results} for i, vd in enumerate(verdicts)]
    n_choices = request.n * len(request.prompts)
    pieces = Pieces(call.backends.completions.complete(request), n_choices, request.max_tokens)
    completion_id = "cmpl-" + uuid.uuid4().hex[:29]
    base = {"id": completion_id, "object": "text_completion", "created": now(), "model": call.model.name}
    if options["stream"]:
        paced = call.backends.paced_by_engine
        incremental = not sse.whole(call.faults, call.pace, paced)
        events = _events(call, request, base, prompt_results, pieces, prompt_tokens, options["include_usage"],
                         incremental)
        return await sse.respond(events, call.faults, call.pace, call.headers, paced)
    generations, usage = await call.until_disconnect(collect(pieces, request.logprobs is not None))
    prompt_tokens = usage.prompt_tokens or prompt_tokens
    completion_tokens = usage.completion_tokens or 0
    await call.wait_for_generation(completion_tokens)
    choices = []
    for i, g in enumerate(generations):
        prompt = request.prompts[i // request.n]
        if request.echo:
            g.text = prompt + g.text
        results = await filter_completion(call, g)
        offset = len(prompt) if request.echo else 0
        choices.append({"text": g.text, "index": i, "logprobs": _legacy_logprobs(g, offset),
                        "finish_reason": g.finish_reason, "content_filter_results": results})
    usage_body = {"completion_tokens": completion_tokens, "prompt_tokens": prompt_tokens,
                  "total_tokens": prompt_tokens + completion_tokens}
    return call.json({**base, "choices": choices, "prompt_filter_results": prompt_results, "usage": usage_body})


async def _events(call: Call, request: CompletionRequest, base: dict[str, Any], prompt_results: list[dict[str, Any]],
                  pieces: Pieces, prompt_tokens: int, include_usage: bool,
                  incremental: bool) -> AsyncIterator[tuple[bytes, bool]]:
    extra = {"usage": None} if include_usage else {}

    def chunk(i: int, text: str, finish: str | None = None, results: dict[str, Any] | None = None,
              logprob: TokenLogprob | None = None) -> bytes:
        # A streamed token carries its own logprobs object: the legacy shape's four lists, one entry each.
        logprobs = None
        if logprob is not None:
            logprobs = {"tokens": [logprob.token], "token_logprobs": [logprob.logprob],
                        "top_logprobs": [dict(logprob.top)], "text_offset": [offsets[i]]}
        offsets[i] += len(text)
        choice: dict[str, Any] = {"text": text, "index": i, "logprobs": logprobs, "finish_reason": finish}
        if results is not None:
            choice["content_filter_results"] = results
        return dumps({**base, "choices": [choice], **extra})

    def token_chunks(i: int, released: list[TextDelta]) -> Iterator[bytes]:
        for out in released:
            texts = out.token_texts or [out.text]
            logprobs = out.logprobs if out.logprobs and len(out.logprobs) == len(texts) else None
            for k, text in enumerate(texts):
                yield chunk(i, text, results={}, logprob=logprobs[k] if logprobs else None)

    yield dumps({"id": "", "object": "", "created": 0, "model": "", "prompt_filter_results": prompt_results,
                 "choices": []}), False
    started = [False] * pieces.n
    offsets = [0] * pieces.n  # each choice's text so far, echoed prompt included: where its next token starts
    held = [HeldText(call, incremental) for _ in range(pieces.n)]
    async with aclosing(aiter(pieces)) as stream:
        async for piece in stream:
            if isinstance(piece, Usage):
                if include_usage:
                    usage = {"completion_tokens": piece.completion_tokens or 0,
                             "prompt_tokens": piece.prompt_tokens or prompt_tokens,
                             "total_tokens": (piece.prompt_tokens or prompt_tokens) + (piece.completion_tokens or 0)}
                    yield dumps({**base, "choices": [], "usage": usage}), False
                continue
            i = piece.choice
            if request.echo and not started[i]:
                yield chunk(i, request.prompts[i // request.n]), False
            started[i] = True
            if isinstance(piece, TextDelta):
                released, blocked = held[i].add(piece)
                for data in token_chunks(i, released):
                    yield data, True
                if blocked:
                    pieces.end(i)
                    _, results, _ = await held[i].finish()
                    yield chunk(i, "", "content_filter", results), False
            elif isinstance(piece, Finish):
                released, results, blocked = await held[i].finish()
                for data in token_chunks(i, released):
                    yield data, True
                yield chunk(i, "", "content_filter" if blocked else piece.reason, results), False
