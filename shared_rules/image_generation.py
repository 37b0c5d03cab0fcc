"""Generated images: the sizes and qualities each model takes, and the output tokens a GPT Image model bills.

dall-e-3 bills per image by size and quality (its prices are `image` rows); GPT Image models bill tokens, and the
output tokens of one image follow OpenAI's table (OAI-img, models before gpt-image-2; gpt-image-2's are calculator
only, so it has no entry and the estimator says so).
"""

from __future__ import annotations

from shared_rules.errors import EstimatorError
from shared_rules.models import base_name

DALL_E_3 = {"sizes": ("1024x1024", "1792x1024", "1024x1792"), "qualities": ("standard", "hd")}
GPT_IMAGE = {"sizes": ("1024x1024", "1024x1536", "1536x1024"), "qualities": ("low", "medium", "high")}
OPTIONS = {"dall-e-3": DALL_E_3, "gpt-image-1": GPT_IMAGE, "gpt-image-1-mini": GPT_IMAGE, "gpt-image-1.5": GPT_IMAGE,
           "gpt-image-2": GPT_IMAGE}
# (quality, size) -> output tokens of one image, OAI-img.
OUTPUT_TOKENS = {
    ("low", "1024x1024"): 272, ("low", "1024x1536"): 408, ("low", "1536x1024"): 400,
    ("medium", "1024x1024"): 1056, ("medium", "1024x1536"): 1584, ("medium", "1536x1024"): 1568,
    ("high", "1024x1024"): 4160, ("high", "1024x1536"): 6240, ("high", "1536x1024"): 6208,
}
TOKEN_TABLE_MODELS = ("gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5")


def options_for(model: str) -> dict | None:
    """The sizes and qualities a generating model takes, None for a model that generates no images."""
    name = base_name(model)
    return next((options for known, options in OPTIONS.items() if name == known or name.startswith(known + "-2")),
                None)


def check_size_and_quality(model: str, size: str, quality: str) -> None:
    """Refuse a size or quality the model does not generate, naming the ones it does."""
    options = options_for(model)
    if options is None:
        raise EstimatorError(f"{model} does not generate images: image prices are for "
                             f"{', '.join(OPTIONS)}", param="model")
    if size not in options["sizes"]:
        raise EstimatorError(f"{model} makes images of {', '.join(options['sizes'])}, not {size!r}", param="size")
    if quality not in options["qualities"]:
        raise EstimatorError(f"{model}'s qualities are {', '.join(options['qualities'])}, not {quality!r}",
                             param="quality")


def output_tokens(model: str, size: str, quality: str) -> int:
    """Output tokens one generated image bills, from OpenAI's table."""
    check_size_and_quality(model, size, quality)
    name = base_name(model)
    if not any(name == m or name.startswith(m + "-2") for m in TOKEN_TABLE_MODELS):
        raise EstimatorError(f"{model}'s output tokens per image are not published (calculator only)", param="model")
    return OUTPUT_TOKENS[(quality, size)]


def generation_cost(model: str, size: str, quality: str, images: int, rows, deployment_type: str, on_date):
    """The cost of `images` generated images: dall-e-3 per image by size and quality; GPT Image models by their
    output tokens per image times the image-output price. Returns (Cost, PriceRow), or raises when there is no price."""
    from shared_rules.pricing import image_generation_cost, match_price, token_cost

    check_size_and_quality(model, size, quality)
    if base_name(model).startswith("dall-e-3"):
        row = match_price(rows, model, deployment_type, on_date, kind="image", size=size, quality=quality)
        if row is None:
            raise EstimatorError(f"no {size} {quality} price for {model} on {deployment_type}", param="model")
        return image_generation_cost(images, row), row
    row = match_price(rows, model, deployment_type, on_date, kind="image_tokens")
    if row is None:
        raise EstimatorError(f"no image-token price for {model} on {deployment_type}", param="model")
    return token_cost(0, output_tokens(model, size, quality) * images, row), row
