"""Completions: the per-token view of `logprobs`, and the calls that cannot stream.

The text streams through playground.stream. Two cases go as one whole answer instead (`completions_run`):
`best_of`, which Azure refuses to stream, and `logprobs`, so that every token's probabilities arrive together
whichever endpoint answers (OpenAI-compatible servers differ in what they stream). The legacy API's logprobs are four
parallel lists per choice: tokens, token_logprobs, top_logprobs (alternative -> logprob per position) and
text_offset; each token is coloured by its probability and lists its alternatives on hover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from playground.calls import CallRefused, check_body
from playground.kinds.common import record_call, record_failure
from studio.upstream import media
from studio.upstream.errors import UpstreamError
from studio.usage.models import UsageRecord
from studio.usage.records import tariff_for

MAX_TOKENS_SHOWN = 5000
# Probability bands, highest first: the colour says at a glance where the model was unsure.
BANDS = ((0.9, 4, "very likely"), (0.6, 3, "likely"), (0.3, 2, "uncertain"), (0.1, 1, "unlikely"),
         (0.0, 0, "surprising"))


@dataclass
class Alternative:
    token: str
    probability: float
    chosen: bool = False

    @property
    def percent(self) -> str:
        return f"{self.probability * 100:.1f}%"


@dataclass
class TokenView:
    token: str
    probability: float | None  # None for an echoed first token, which has no logprob
    logprob: float | None
    band: int
    band_label: str
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def percent(self) -> str:
        return "—" if self.probability is None else f"{self.probability * 100:.1f}%"

    @property
    def hint(self) -> str:
        lines = [f"{self.token!r}: {self.percent}"]
        lines += [f"{'→ ' if alt.chosen else '  '}{alt.token!r} {alt.percent}" for alt in self.alternatives]
        return "\n".join(lines)


def band_of(probability: float | None) -> tuple[int, str]:
    if probability is None:
        return -1, "no probability (echoed prompt)"
    for low, band, label in BANDS:
        if probability >= low:
            return band, label
    return 0, BANDS[-1][2]


def _probability(logprob: Any) -> float | None:
    if isinstance(logprob, bool) or not isinstance(logprob, int | float) or not math.isfinite(logprob):
        return None
    return min(1.0, math.exp(logprob))


def token_views(logprobs: Any) -> list[TokenView]:
    """One view per token of a choice's `logprobs` object; CallRefused when the object is not that shape."""
    if not isinstance(logprobs, dict):
        raise CallRefused("logprobs must be the choice's logprobs object", param="logprobs")
    tokens = logprobs.get("tokens") or []
    values = logprobs.get("token_logprobs") or []
    tops = logprobs.get("top_logprobs") or []
    if not isinstance(tokens, list) or not isinstance(values, list) or not isinstance(tops, list):
        raise CallRefused("logprobs needs the lists tokens, token_logprobs and top_logprobs", param="logprobs")
    views = []
    for index, token in enumerate(tokens[:MAX_TOKENS_SHOWN]):
        logprob = values[index] if index < len(values) else None
        probability = _probability(logprob)
        top = tops[index] if index < len(tops) and isinstance(tops[index], dict) else {}
        alternatives = sorted(
            (Alternative(str(alt), p, chosen=str(alt) == str(token))
             for alt, value in top.items() if (p := _probability(value)) is not None),
            key=lambda alt: -alt.probability)
        band, label = band_of(probability)
        views.append(TokenView(str(token), probability, logprob if probability is not None else None, band, label,
                               alternatives))
    return views


def choices_view(choices: Any) -> list[dict[str, Any]]:
    """The per-token view of every choice the page sends: [{"index", "logprobs"}]."""
    if not isinstance(choices, list) or not choices:
        raise CallRefused("send the choices whose logprobs to show", param="choices")
    shown = []
    for choice in choices[:20]:
        if not isinstance(choice, dict):
            raise CallRefused("each choice must be an object", param="choices")
        views = token_views(choice.get("logprobs"))
        known = [v.probability for v in views if v.probability is not None]
        shown.append({"index": choice.get("index", 0), "tokens": views,
                      "mean": sum(known) / len(known) if known else None,
                      "lowest": min(known) if known else None})
    return shown


def completions_run(user, deployment, body: Any) -> dict[str, Any]:
    """One non-streamed completion: the answer as the endpoint sent it, with tokens, cost and latency recorded."""
    body = check_body("completions", body)
    tariff = tariff_for(deployment)
    try:
        answer = media.completions_create(deployment.resource, deployment.name, body)
    except UpstreamError as error:
        record_failure(deployment, user, UsageRecord.Kind.COMPLETIONS, error, None)
        raise
    usage = answer.body.get("usage") or {}
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    cost = tariff.tokens(prompt, completion)
    finish = [choice.get("finish_reason") or "" for choice in answer.body.get("choices") or []]
    record_call(deployment, user, UsageRecord.Kind.COMPLETIONS, prompt_tokens=prompt, completion_tokens=completion,
                cost=cost, currency=tariff.row.currency if tariff.row else "USD", latency_ms=answer.latency_ms,
                http_status=answer.status, upstream_request_id=answer.request_id,
                finish_reason=",".join(dict.fromkeys(f for f in finish if f)),
                status=UsageRecord.Status.FILTERED if "content_filter" in finish else UsageRecord.Status.OK)
    return {"response": answer.body, "usage": usage, "cost": None if cost is None else str(cost),
            "currency": tariff.row.currency if tariff.row else "USD", "latency_ms": answer.latency_ms,
            "first_token_ms": None, "finish_reasons": finish, "request_id": answer.request_id}
