"""Content-filter steps the text operations share: judge the prompt, cut an unsafe completion."""

from __future__ import annotations

from typing import Any

from engine import errors
from engine.backends.base import Generation
from engine.dataplane.common import Call
from engine.tokens import encoding_for


def check_prompt(call: Call, text: str) -> dict[str, Any]:
    """The prompt's filter results, or the 400 content_filter error when the deployment's policy blocks it."""
    verdict = call.engine.content_filter.check(call.policy, text, "prompt")
    if verdict.blocked:
        raise errors.content_filtered(verdict.results)
    return verdict.results


def filter_completion(call: Call, generation: Generation) -> dict[str, Any]:
    """Judge the produced text; a blocked answer is cut before the offending words (finish_reason content_filter)."""
    verdict = call.engine.content_filter.check(call.policy, generation.text, "completion")
    if verdict.blocked:
        enc = encoding_for(call.model.token_model)
        generation.text = generation.text[: verdict.offset or 0].rstrip()
        generation.tokens = enc.encode_ordinary(generation.text)
        generation.finish_reason = "content_filter"
        generation.tool_calls = []
        generation.logprobs = None
    return verdict.results
