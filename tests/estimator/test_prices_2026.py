"""The 2026 price rows as the pure rules read them: the reference's figures, per family and billing dimension."""

from datetime import date
from decimal import Decimal

import pytest

from shared_rules.price_seed import SEED_PRICES_2026
from shared_rules.pricing import audio_cost, match_price, speech_cost, token_cost, training_cost

TODAY = date(2026, 12, 2)


def row(model, deployment_type="GlobalStandard", **kwargs):
    found = match_price(SEED_PRICES_2026, model, deployment_type, TODAY, **kwargs)
    assert found is not None, (model, deployment_type, kwargs)
    return found


@pytest.mark.parametrize(
    "model, deployment_type, prices",
    [("gpt-5.4", "GlobalStandard", ("2.5", "0.25", "15")), ("gpt-5.4", "DataZone", ("2.75", "0.275", "16.5")),
     ("gpt-5.4-mini-2026-03-17", "Batch", ("0.375", None, "2.25")),
     ("gpt-6-astra", "GlobalStandard", ("10", "1", "50")),
     ("gpt-4.1", "Standard", ("2.2", "0.55", "8.8")), ("o3", "GlobalStandard", ("2", "0.50", "8")),
     ("o4-mini", "DataZone", ("1.21", "0.303", "4.84")), ("gpt-4o-2024-05-13", "GlobalStandard", ("5", None, "15")),
     ("ft:gpt-4.1-mini-2025-04-14:acme::x", "GlobalStandard", ("0.40", "0.10", "1.60"))],
)
def test_token_prices_per_deployment_type(model, deployment_type, prices):
    found = row(model, deployment_type)
    expected = tuple(None if p is None else Decimal(p) for p in prices)
    assert (found.input_per_1m, found.cached_input_per_1m, found.output_per_1m) == expected
    assert found.source and found.source_date


def test_no_gpt_5_model_has_a_regional_row():
    assert not [r for r in SEED_PRICES_2026 if r.model.startswith("gpt-5") and r.deployment_type == "Standard"]


@pytest.mark.parametrize("model, prices", [("gpt-5.4", ("5", "0.5", "22.5")), ("gpt-5.5", ("10", "1", "45")),
                                           ("gpt-6-sol", ("4", None, "15"))])
def test_long_context_rates_above_272k(model, prices):
    found = row(model, tier="long_context")
    expected = tuple(None if p is None else Decimal(p) for p in prices)
    assert (found.input_per_1m, found.cached_input_per_1m, found.output_per_1m) == expected


def test_cache_writes_are_billed_for_gpt_5_6_only():
    assert row("gpt-5.6-sol").cache_write_per_1m == Decimal("6.25")
    assert row("gpt-5.6-luna", tier="long_context").cache_write_per_1m == Decimal("2.5")
    assert row("gpt-5.5").cache_write_per_1m is None


def test_priority_processing_is_twice_standard():
    priority, standard = row("gpt-5.6-sol", tier="priority"), row("gpt-5.6-sol")
    assert priority.input_per_1m == 2 * standard.input_per_1m and priority.output_per_1m == 2 * standard.output_per_1m


def test_a_cached_request_on_gpt_5_4():
    cost = token_cost(10_000, 1_000, row("gpt-5.4"), cached_input_tokens=8_000)
    assert cost.total == Decimal("0.022")


@pytest.mark.parametrize(
    "model, deployment_type, per_1m",
    [("gpt-4.1", "GlobalStandard", "25"), ("gpt-4.1", "Standard", "27.5"), ("gpt-4.1", "Developer", "12.5"),
     ("gpt-4.1-nano", "DataZone", "1.65"), ("gpt-4o-mini", "GlobalStandard", "3")],
)
def test_training_prices_per_deployment_type(model, deployment_type, per_1m):
    found = row(model, deployment_type, kind="training_tokens")
    assert found.input_per_1m == Decimal(per_1m)
    assert training_cost(2_000_000, found).total == 2 * Decimal(per_1m)


def test_reinforcement_training_and_hosting_by_the_hour():
    assert row("o4-mini", kind="training_hour").unit_price == Decimal("100")
    assert row("o4-mini", "Developer", kind="training_hour").unit_price == Decimal("50")
    assert row("gpt-4.1", "DataZone", kind="hosting_hour").unit_price == Decimal("1.70")
    assert row("gpt-4.1", "Developer", kind="hosting_hour").unit_price == 0


def test_audio_prices():
    assert audio_cost(60, row("whisper", kind="audio_seconds")).total == Decimal("0.006")  # $0.36 an hour
    assert speech_cost(1000, row("tts-hd", kind="characters")).total == Decimal("0.03")
    assert row("gpt-4o-mini-tts", kind="audio_tokens").output_per_1m == Decimal("12")
