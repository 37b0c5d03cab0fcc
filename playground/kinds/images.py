"""Images: the options each model takes, the call, the pictures kept by Studio, and refusals explained.

Upstream image links expire, so every picture is stored at once under the owner's private folder in var/ and is
served by Studio (owner, or anyone signed in when its session is shared). The price is per image for dall-e-3
(by size and quality) and by output tokens for GPT Image models, both from the price table.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from playground.kinds import stored
from playground.kinds.common import CallRefused, record_call, record_failure
from playground.models import PlaygroundSession, StoredImage
from shared_rules import image_generation, pricing
from shared_rules.errors import EstimatorError
from shared_rules.models import base_name
from studio.upstream import media
from studio.upstream.errors import ContentFiltered, UpstreamError
from studio.usage.models import UsageRecord
from studio.usage.records import tariff_for

PROMPT_LIMIT = {"dall-e-3": 4000, "gpt-image": 32000}
STYLES = ("vivid", "natural")
BACKGROUNDS = ("auto", "transparent", "opaque")
OUTPUT_FORMATS = ("png", "jpeg", "webp")
CATEGORY_ADVICE = {
    "hate": "Remove slurs and statements that demean a group of people; describe people neutrally.",
    "sexual": "Remove sexual content and nudity; describe clothing and scenes that are suitable for all ages.",
    "violence": "Remove weapons, injuries and gore; show the scene before or after the action, or use a metaphor.",
    "self_harm": "Remove depictions of self-injury; if this is about wellbeing, describe support and recovery.",
    "jailbreak": "Ask for the picture directly, without instructions that try to get around the safety system.",
    "profanity": "Remove the profane words.",
    "custom_blocklists": "Remove the words your organisation's blocklist names.",
}
CATEGORY_NAMES = {"hate": "Hate", "sexual": "Sexual", "violence": "Violence", "self_harm": "Self-harm",
                  "jailbreak": "Jailbreak attempt", "profanity": "Profanity", "custom_blocklists": "Custom blocklist"}


def is_gpt_image(model: str) -> bool:
    return base_name(model).startswith("gpt-image")


def options_for(model: str) -> dict[str, Any]:
    """What the page offers for this model: sizes and qualities from the price rules, and its own options."""
    options = image_generation.options_for(model) or image_generation.DALL_E_3
    gpt_image = is_gpt_image(model)
    return {"sizes": list(options["sizes"]), "qualities": list(options["qualities"]),
            "styles": [] if gpt_image else list(STYLES), "gpt_image": gpt_image,
            "backgrounds": list(BACKGROUNDS) if gpt_image else [],
            "output_formats": list(OUTPUT_FORMATS) if gpt_image else [],
            "prompt_limit": PROMPT_LIMIT["gpt-image" if gpt_image else "dall-e-3"]}


def _one_of(data: dict, key: str, allowed: list[str], default: str | None) -> str | None:
    value = data.get(key) or default
    if value is not None and value not in allowed:
        raise CallRefused(f"{key} must be one of {', '.join(allowed)}", param=key)
    return value


def image_body(model: str, data: dict[str, Any]) -> dict[str, Any]:
    """The request body for the model, checked against what it takes."""
    options = options_for(model)
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise CallRefused("describe the picture: the prompt is empty", param="prompt")
    if len(prompt) > options["prompt_limit"]:
        raise CallRefused(f"the prompt has {len(prompt)} characters; {model} takes at most "
                          f"{options['prompt_limit']}", param="prompt")
    body: dict[str, Any] = {"prompt": prompt, "n": 1,
                            "size": _one_of(data, "size", options["sizes"], options["sizes"][0]),
                            "quality": _one_of(data, "quality", options["qualities"], options["qualities"][0])}
    if options["gpt_image"]:
        body["background"] = _one_of(data, "background", options["backgrounds"], "auto")
        body["output_format"] = _one_of(data, "output_format", options["output_formats"], "png")
        if body["background"] == "transparent" and body["output_format"] == "jpeg":
            raise CallRefused("a transparent background needs png or webp (jpeg has no transparency)",
                              param="background")
        compression = data.get("output_compression")
        if compression not in (None, "") and body["output_format"] in ("jpeg", "webp"):
            try:
                body["output_compression"] = int(compression)
            except (TypeError, ValueError) as error:
                raise CallRefused("compression must be a whole number from 0 to 100",
                                  param="output_compression") from error
            if not 0 <= body["output_compression"] <= 100:
                raise CallRefused("compression must be between 0 and 100", param="output_compression")
    else:
        body["style"] = _one_of(data, "style", options["styles"], "vivid")
        body["response_format"] = "url"  # the default; the bytes are fetched at once since the link expires
    return body


def image_cost(deployment, size: str, quality: str, images: int = 1) -> tuple[Decimal | None, str]:
    """The price-table cost of `images` pictures: per image (dall-e-3) or by output tokens (GPT Image)."""
    model = deployment.model_name
    if is_gpt_image(model):
        tariff = tariff_for(deployment, "image_tokens")
        try:
            tokens = image_generation.output_tokens(model, size, quality) * images
        except EstimatorError:
            return None, "USD"
        return tariff.of(lambda row: pricing.token_cost(0, tokens, row)), \
            tariff.row.currency if tariff.row else "USD"
    tariff = tariff_for(deployment, "image", size=size, quality=quality)
    return tariff.of(lambda row: pricing.image_generation_cost(images, row)), \
        tariff.row.currency if tariff.row else "USD"


def unit_costs(deployment) -> dict[str, str | None]:
    """The cost of one image at every size and quality the model takes, for the page to show before sending."""
    options = options_for(deployment.model_name)
    costs = {}
    for size in options["sizes"]:
        for quality in options["qualities"]:
            cost, _currency = image_cost(deployment, size, quality)
            costs[f"{size}|{quality}"] = None if cost is None else str(cost)
    return costs


def refusal_explained(error: ContentFiltered) -> dict[str, Any]:
    """Which categories the filter flagged, at what severity, and what to change."""
    flagged = []
    for key, verdict in (error.results or {}).items():
        if key == "custom_blocklists":
            hits = verdict if isinstance(verdict, list) else (verdict or {}).get("details", [])
            if any(isinstance(hit, dict) and hit.get("filtered") for hit in hits or []):
                flagged.append({"category": key, "name": CATEGORY_NAMES[key], "severity": "",
                                "advice": CATEGORY_ADVICE[key]})
            continue
        if isinstance(verdict, dict) and verdict.get("filtered"):
            flagged.append({"category": key, "name": CATEGORY_NAMES.get(key, key.replace("_", " ").title()),
                            "severity": verdict.get("severity") or ("detected" if verdict.get("detected") else ""),
                            "advice": CATEGORY_ADVICE.get(key, "Rephrase the prompt without this content.")})
    summary = ("The prompt was refused by the content filter" +
               (f" for {', '.join(f['name'].lower() for f in flagged)}." if flagged else "."))
    return {"summary": summary, "categories": flagged, "message": error.message}


def _store(owner_id: int, picture: media.Picture) -> str:
    extension = {"image/jpeg": "jpg", "image/webp": "webp"}.get(picture.content_type, "png")
    return stored.file_write(owner_id, "images", extension, picture.data)


def images_generate(user, deployment, data: dict[str, Any],
                    session: PlaygroundSession | None = None) -> tuple[list[StoredImage], dict[str, Any]]:
    """Generate, keep the pictures, record the usage (images for images). ContentFiltered passes through."""
    body = image_body(deployment.model_name, data)
    cost, currency = image_cost(deployment, body["size"], body["quality"])
    started = time.perf_counter()
    try:
        answer = media.image_generate(deployment.resource, deployment.name, body)
    except UpstreamError as error:
        record_failure(deployment, user, UsageRecord.Kind.IMAGES, error,
                       round((time.perf_counter() - started) * 1000))
        raise
    count = len(answer.pictures)
    total = None if cost is None else cost * count
    options = {key: value for key, value in body.items() if key not in ("prompt", "n", "response_format")}
    record_call(deployment, user, UsageRecord.Kind.IMAGES, images=count, cost=total, currency=currency,
                latency_ms=answer.latency_ms, http_status=answer.status, upstream_request_id=answer.request_id,
                prompt_tokens=(answer.usage or {}).get("input_tokens"),
                completion_tokens=(answer.usage or {}).get("output_tokens"))
    stored = [StoredImage.objects.create(
        owner=user, session=session, deployment_name=deployment.name, model=deployment.model_name,
        prompt=body["prompt"], revised_prompt=picture.revised_prompt, options=options,
        path=_store(user.pk, picture), content_type=picture.content_type, byte_size=len(picture.data),
        cost=cost, currency=currency) for picture in answer.pictures]
    filter_results = [picture.content_filter_results for picture in answer.pictures]
    return stored, {"latency_ms": answer.latency_ms, "request_id": answer.request_id,
                    "content_filter_results": filter_results}


def image_json(image: StoredImage) -> dict[str, Any]:
    return {"id": image.pk, "url": image.get_absolute_url(), "download": image.get_absolute_url() + "?download=1",
            "prompt": image.prompt, "revised_prompt": image.revised_prompt, "options": image.options,
            "deployment": image.deployment_name, "model": image.model,
            "cost": None if image.cost is None else str(image.cost), "currency": image.currency,
            "created_at": image.created_at.isoformat(), "bytes": image.byte_size}
