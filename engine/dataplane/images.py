"""POST /openai/deployments/{deployment}/images/generations: DALL-E 3's rules, a real PNG, filter results."""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.dataplane import validation as v
from engine.dataplane.common import Call, inference, now
from engine.responses import read_json_object

SIZES = ("1024x1024", "1792x1024", "1024x1792")


def image_url(request: Request, image_id: str) -> str:
    return str(request.base_url).rstrip("/") + f"/engine/images/{image_id}.png"


def _prompt_results(results: dict[str, Any]) -> dict[str, Any]:
    return {**results, "profanity": {"filtered": False, "detected": False}}


@inference("images")
async def generations(call: Call) -> Response:
    body = await read_json_object(call.request)
    prompt = v.string(body, "prompt", required=True, max_length=4000)
    if not prompt:
        raise errors.invalid_request("'prompt' must not be empty.", param="prompt")
    n = v.integer(body, "n", None, None, 1)
    if n != 1:
        raise errors.invalid_request(f"{n} is not a valid value for 'n': dall-e-3 only supports n=1.", param="n")
    size = v.one_of(body, "size", SIZES, "1024x1024")
    quality = v.one_of(body, "quality", ("standard", "hd"), "standard")
    style = v.one_of(body, "style", ("vivid", "natural"), "vivid")
    fmt = v.one_of(body, "response_format", ("url", "b64_json"), "url")
    v.string(body, "user")
    call.charge(0)
    verdict = call.engine.content_filter.check(call.policy, prompt, "prompt")
    if verdict.blocked:
        raise errors.image_filtered(verdict.results, prompt)
    image = await call.backends.images.generate(call.model, prompt, tuple(map(int, size.split("x"))), quality, style)
    picture_results = {k: val for k, val in verdict.results.items() if k in ("hate", "sexual", "violence",
                                                                             "self_harm")}
    item: dict[str, Any] = {"revised_prompt": image.revised_prompt, "content_filter_results": picture_results,
                            "prompt_filter_results": _prompt_results(verdict.results)}
    if fmt == "url":
        item["url"] = image_url(call.request, call.engine.images.save(image.png))
    else:
        item["b64_json"] = base64.b64encode(image.png).decode()
    return call.json({"created": now(), "data": [item]})
