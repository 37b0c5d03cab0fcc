"""POST /api/v1/estimate: the tokens and cost of a text, chat or prompt, as JSON.

Callers authenticate with their browser session (and its CSRF token) or `Authorization: Bearer <token>`, a token
from their profile page; the Developer role is needed (see accounts.access.api_developer).

Request, a JSON object:
  model               a model name ("gpt-4o-2024-08-06") or one of the site's deployment names (required)
  text | messages | prompt
                      exactly one: plain text (no chat overhead); chat-completions messages, whose images are
                      image_url parts with a data: URL or {"type": "image_size", "width": W, "height": H,
                      "detail": "high"} parts; or a legacy completions prompt (string, strings or token ids)
  max_output_tokens   output tokens to price, default 0
  deployment_type     Standard, GlobalStandard, DataZone or Batch; default the deployment's own, else GlobalStandard

Answer (200):
  {"model", "deployment", "encoding", "prompt_tokens", "text_tokens", "image_tokens", "output_tokens",
   "images": [{"width", "height", "detail", "resized": [w, h], "tiles", "tokens"}], "deployment_type",
   "cost": {"input", "output", "total", "currency", "price_effective", "price_model", "input_per_1m",
            "output_per_1m", "price_source", "price_source_date"} | null,
   "cost_note": null | "no price for gpt-4.1 on GlobalStandard; an Admin can add one",
   "approximate": false | true, "notes": ["approximate: ...", ...],
   "model_notes": ["gpt-4o is retired since 1 Oct 2026; ...", ...]}
"approximate" is true when a figure is not exact (text with pathological runs, counted in pieces to bound the time;
a model whose tokenizer is not published); "notes" says why, in words. "model_notes" says what to know about the
model: retired or deprecated (with the date and successor), or not in the registry (counted by tiktoken's prefixes).
Money and prices are decimal STRINGS, exact, without exponent or trailing zeros ("0.00000015", "2.5"): a JSON
float would round the Decimal figures. "price_effective" is the ISO date of the price row used.

Errors: {"error": {"code", "message", "param"}} with 400 (bad input), 401, 403, 405 or 413 (body over
STUDIO_MAX_ESTIMATE_BYTES, 10 MB by default).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.http import JsonResponse

from shared_rules import pricing
from shared_rules.errors import EstimatorError, TooLarge
from shared_rules.json_input import JSONInputError, loads_bounded
from studio.accounts.access import api_developer, json_error
from studio.estimator import services
from studio.estimator.selectors import DEPLOYMENT_TYPES

INPUTS = ("text", "messages", "prompt")
FIELDS = ("model", *INPUTS, "max_output_tokens", "deployment_type")
MAX_OUTPUT_TOKENS = 10**9


def _invalid(message: str, param: str | None = None) -> EstimatorError:
    return EstimatorError(message, param=param)


def _whole(value, param: str, maximum: int) -> int:
    if type(value) is not int or not 0 <= value <= maximum:
        raise _invalid(f"{param} must be a whole number from 0 to {maximum:,}, got {value!r}", param)
    return value


def _check_messages(messages) -> list[dict]:
    if not isinstance(messages, list) or not messages:
        raise _invalid("messages must be a non-empty list of {\"role\": ..., \"content\": ...} objects", "messages")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise _invalid(f"messages[{i}] must be an object with a string \"role\"", "messages")
        content = message.get("content")
        if content is not None and not isinstance(content, str | list):
            raise _invalid(f"messages[{i}].content must be a string or a list of parts", "messages")
    return messages


def _check_prompt(prompt) -> str | list:
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list) and (
        all(isinstance(p, str) for p in prompt)
        or all(type(p) is int for p in prompt)
        or all(isinstance(p, list) and all(type(t) is int for t in p) for p in prompt)
    ):
        return prompt
    raise _invalid("prompt must be a string, a list of strings, a list of token ids or a list of such lists",
                   "prompt")


def _check_deployment_type(value) -> str | None:
    if value is None:
        return None
    named = pricing.DEPLOYMENT_TYPE_ALIASES.get(value, value) if isinstance(value, str) else value
    if named not in DEPLOYMENT_TYPES:
        raise _invalid(f"deployment_type must be one of {', '.join(DEPLOYMENT_TYPES)}, got {value!r}",
                       "deployment_type")
    return named


def _estimate_from(payload) -> services.TokenEstimate:
    """Check the request's shape, then hand it to the service the page uses."""
    if not isinstance(payload, dict):
        raise _invalid(f"the body must be a JSON object, got {type(payload).__name__}")
    unknown = [key for key in payload if key not in FIELDS]
    if unknown:
        raise _invalid(f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}", unknown[0])
    model = payload.get("model")
    if not isinstance(model, str) or not model.strip():
        raise _invalid("model is required: a model name such as gpt-4o, or a deployment name", "model")
    given = [key for key in INPUTS if key in payload]
    if len(given) != 1:
        said = " and ".join(given) if given else "none"
        raise _invalid(f"send exactly one of text, messages or prompt (got {said})", given[1] if given else None)
    options = {
        "output_tokens": _whole(payload.get("max_output_tokens", 0), "max_output_tokens", MAX_OUTPUT_TOKENS),
        "deployment_type": _check_deployment_type(payload.get("deployment_type")),
    }
    if given == ["text"]:
        if not isinstance(payload["text"], str):
            raise _invalid("text must be a string", "text")
        return services.estimate_text(payload["text"], model, **options)
    if given == ["messages"]:
        return services.estimate_chat(_check_messages(payload["messages"]), model, **options)
    return services.estimate_prompt(_check_prompt(payload["prompt"]), model, **options)


def _money(value: Decimal | None) -> str | None:
    # Plain digits, trailing zeros dropped: the database keeps 8 places, so 2.5 would read "2.50000000".
    return None if value is None else format(value.normalize(), "f")


def _answer(estimate: services.TokenEstimate) -> dict:
    priced = estimate.priced
    cost = None
    if priced.cost is not None:
        row = priced.quote.row
        cost = {
            "input": _money(priced.cost.input), "output": _money(priced.cost.output),
            "total": _money(priced.cost.total), "currency": priced.cost.currency,
            "price_effective": row.effective_from.isoformat(), "price_model": row.model,
            "input_per_1m": _money(row.input_per_1m), "output_per_1m": _money(row.output_per_1m),
            "price_source": row.source, "price_source_date": row.source_date.isoformat() if row.source_date else None,
        }
    return {
        "model": estimate.model.name,
        "deployment": estimate.model.deployment,
        "encoding": estimate.model.encoding,
        "prompt_tokens": estimate.prompt_tokens,
        "text_tokens": estimate.text_tokens,
        "image_tokens": estimate.image_tokens,
        "output_tokens": estimate.output_tokens,
        "images": [
            {"width": i.width, "height": i.height, "detail": i.detail, "resized": list(i.resized), "tiles": i.tiles,
             "tokens": i.tokens}
            for i in estimate.images
        ],
        "deployment_type": priced.quote.deployment_type,
        "cost": cost,
        "cost_note": priced.note,
        "approximate": bool(estimate.notes),
        "notes": estimate.notes,
        "model_notes": estimate.model_notes,
    }


def _too_large(limit: int) -> JsonResponse:
    return json_error(413, "too_large", f"the body is over {limit:,} bytes; estimate the text in parts")


@api_developer
def estimate(request):
    if request.method != "POST":
        return json_error(405, "method_not_allowed", "use POST with a JSON body", headers={"Allow": "POST"})
    limit = settings.STUDIO_MAX_ESTIMATE_BYTES
    declared = request.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return _too_large(limit)
    body = request.read(limit + 1)  # never more than the limit in memory, whatever the header said
    if len(body) > limit:
        return _too_large(limit)
    try:
        payload = loads_bounded(body)
    except JSONInputError as e:
        return json_error(400, "invalid_json", f"{e}; send an object such as " '{"model": "gpt-4o", "text": "hello"}')
    try:
        return JsonResponse(_answer(_estimate_from(payload)))
    except EstimatorError as e:
        return json_error(413 if isinstance(e, TooLarge) else 400, e.code, str(e), e.param)
