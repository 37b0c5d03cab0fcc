"""The image rule of each family, with the reference's worked figures (section 6): tiles and patches."""

from decimal import Decimal

import pytest

from shared_rules import image_rules
from shared_rules.errors import EstimatorError
from shared_rules.images import image_tokens, rule_for
from shared_rules.tokens import count_chat_tokens


@pytest.mark.parametrize(
    "model, detail, width, height, tokens",
    [
        ("gpt-4o", "high", 1024, 1024, 765), ("gpt-4o", "low", 4000, 4000, 85),
        ("gpt-4.1", "high", 2048, 4096, 1105), ("gpt-4o-mini", "high", 1024, 1024, 25_501),
        ("gpt-5", "high", 1024, 1024, 70 + 140 * 4), ("gpt-5", "low", 1024, 1024, 70),
        ("gpt-5-chat", "high", 512, 512, 70 + 140), ("o1", "high", 1024, 1024, 75 + 150 * 4),
        ("o3", "high", 2048, 4096, 75 + 150 * 6), ("o3", "low", 100, 100, 75),
        ("gpt-image-1", "high", 1024, 1024, 65 + 129 * 1),  # short side 512: one tile
    ],
)
def test_tile_rule_constants_per_family(model, detail, width, height, tokens):
    counted = image_tokens(width, height, detail, model)
    assert (counted.rule, counted.tokens) == ("tile", tokens)


@pytest.mark.parametrize(
    "width, height, columns, rows",
    [(1024, 1024, 32, 32), (1800, 2400, 33, 44), (100, 100, 4, 4), (4000, 100, 125, 4)],
)
def test_the_patch_rule_resizes_to_the_budget_as_published(width, height, columns, rows):
    # 1024x1024 -> 1,024 patches; 1800x2400 -> 33 x 44 = 1,452 (the guide's own examples).
    assert image_rules.patches_within(width, height, 1536)[:2] == (columns, rows)


@pytest.mark.parametrize(
    "model, width, height, patches, tokens",
    [
        ("gpt-4.1-mini", 1024, 1024, 1024, 1659),  # 1,024 x 1.62 = 1,658.88, billed whole
        ("gpt-4.1-nano", 1800, 2400, 1452, 3572),  # x 2.46
        ("o4-mini", 1800, 2400, 1452, 2498),  # x 1.72
        ("codex-mini", 1024, 1024, 1024, 1762),  # as o4-mini (COMM)
        ("gpt-5-mini", 1024, 1024, 1024, 1659),  # documented 1.62, not the measured 1.2
        ("gpt-5.4-nano", 1024, 1024, 1024, 2520),  # documented 2.46
        ("gpt-5.2", 1024, 1024, 1024, 1229),  # no documented figure: users' 1.2
    ],
)
def test_patch_models_bill_patches_times_their_multiplier(model, width, height, patches, tokens):
    counted = image_tokens(width, height, "high", model)
    assert (counted.rule, counted.patches, counted.tokens) == ("patch", patches, tokens)


def test_a_disputed_multiplier_uses_the_documented_figure_and_names_both_sources():
    rule = rule_for("gpt-5-mini")
    assert rule.multiplier == Decimal("1.62") and "documented" in rule.multiplier_source
    assert "1.2 measured" in rule.disputed and "COMM" in rule.disputed


def test_low_detail_on_a_patch_model_is_a_512_square():
    assert image_tokens(1024, 1024, "low", "gpt-4.1-mini").patches == 256


def test_gpt_5_4_has_larger_budgets_and_an_original_detail():
    high = image_tokens(4000, 3000, "high", "gpt-5.4")  # fit 2048 -> 2048 x 1536 -> 3,072 > 2,500 -> 57 x 43
    assert (high.steps.fitted, high.patches, high.tokens) == ((2048, 1536), 2451, 2942)
    original = image_tokens(4000, 3000, "original", "gpt-5.4")  # 125 x 94 = 11,750 > 10,000: resized
    assert original.patches <= 10_000 and original.steps.raw_patches == 11_750
    assert image_tokens(4000, 3000, "auto", "gpt-5.4").patches == high.patches  # auto is high on gpt-5.4


def test_gpt_5_5_reads_auto_as_original():
    assert image_tokens(3000, 2000, "auto", "gpt-5.5").patches == 94 * 63


def test_gpt_5_6_and_gpt_6_do_not_downscale_and_refuse_past_30000_patches():
    assert image_tokens(4000, 4000, "original", "gpt-5.6-sol").patches == 125 * 125
    with pytest.raises(EstimatorError, match="would fail .HTTP 400."):
        image_tokens(6000, 6000, "auto", "gpt-6-sol")
    assert image_tokens(6000, 6000, "high", "gpt-6-sol").patches <= 2500


def test_original_detail_is_refused_where_the_model_has_none():
    with pytest.raises(EstimatorError, match="one of low, high, auto"):
        image_tokens(100, 100, "original", "gpt-4o")


def test_the_chat_estimate_uses_the_same_rule_per_model():
    messages = [{"role": "user", "content": [{"type": "image_size", "width": 1024, "height": 1024, "detail": "high"}]}]
    assert count_chat_tokens(messages, "gpt-4.1-mini").image_tokens == 1659
    assert count_chat_tokens(messages, "gpt-5").image_tokens == 630
