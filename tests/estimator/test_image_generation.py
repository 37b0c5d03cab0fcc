"""Generated images: sizes and qualities per model, and GPT Image output tokens from OpenAI's table."""

from datetime import date
from decimal import Decimal

import pytest

from shared_rules.errors import EstimatorError
from shared_rules.image_generation import check_size_and_quality, generation_cost, output_tokens
from shared_rules.price_seed import SEED_PRICES_2026
from shared_rules.pricing import match_price, token_cost


@pytest.mark.parametrize(
    "quality, size, tokens",
    [("low", "1024x1024", 272), ("medium", "1024x1536", 1584), ("high", "1536x1024", 6208),
     ("high", "1024x1024", 4160)],
)
def test_gpt_image_output_tokens_per_size_and_quality(quality, size, tokens):
    assert output_tokens("gpt-image-1", size, quality) == tokens


def test_a_gpt_image_1_high_square_costs_what_the_reference_derives():
    row = match_price(SEED_PRICES_2026, "gpt-image-1", "GlobalStandard", date(2026, 12, 2), kind="image_tokens")
    cost = token_cost(0, output_tokens("gpt-image-1", "1024x1024", "high"), row)
    assert cost.total == Decimal("0.1664")  # the reference rounds it to $0.167


@pytest.mark.parametrize(
    "model, size, quality, param",
    [("dall-e-3", "1024x1536", "standard", "size"), ("dall-e-3", "1024x1024", "high", "quality"),
     ("gpt-image-1", "1792x1024", "low", "size"), ("gpt-image-1", "1024x1024", "hd", "quality"),
     ("gpt-4o", "1024x1024", "hd", "model")],
)
def test_sizes_and_qualities_a_model_does_not_make_are_refused(model, size, quality, param):
    with pytest.raises(EstimatorError) as caught:
        check_size_and_quality(model, size, quality)
    assert caught.value.param == param


def test_gpt_image_2s_output_tokens_are_not_published():
    with pytest.raises(EstimatorError, match="not published"):
        output_tokens("gpt-image-2", "1024x1024", "low")


@pytest.mark.parametrize(
    "model, size, quality, per_image",
    [("gpt-image-1", "1024x1024", "low", "0.01088"), ("gpt-image-1", "1024x1024", "medium", "0.04224"),
     ("gpt-image-1", "1024x1536", "high", "0.2496"), ("gpt-image-1-mini", "1024x1024", "low", "0.002176"),
     ("gpt-image-1-mini", "1024x1536", "high", "0.04992")],
)
def test_gpt_image_costs_per_image_match_the_references_derived_figures(model, size, quality, per_image):
    # The reference rounds these (1024x1024 low $0.011, 1024x1536 high $0.25; mini $0.0022 / $0.0499).
    cost, row = generation_cost(model, size, quality, 1, SEED_PRICES_2026, "GlobalStandard", date(2026, 12, 2))
    assert cost.total == Decimal(per_image) and row.kind == "image_tokens"


def test_dall_e_3_is_priced_per_image_by_size_and_quality():
    cost, row = generation_cost("dall-e-3", "1792x1024", "hd", 10, SEED_PRICES_2026, "Standard", date(2026, 12, 2))
    assert cost.total == Decimal("1.452") and row.source_date == date(2025, 9, 1)
