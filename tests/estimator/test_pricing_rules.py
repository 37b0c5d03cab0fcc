"""Price rules: the seed table, matching a price to a model, and exact Decimal costs."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from shared_rules.errors import EstimatorError
from shared_rules.pricing import (
    KINDS,
    SEED_PRICES,
    SNAPSHOT_DATE,
    Cost,
    PriceRow,
    audio_cost,
    hosting_cost,
    image_generation_cost,
    match_price,
    monthly_projection,
    speech_cost,
    token_cost,
    training_cost,
)

TODAY = date(2027, 1, 1)


def price(model, deployment_type="GlobalStandard", **kwargs):
    return match_price(SEED_PRICES, model, deployment_type, TODAY, **kwargs)


@pytest.mark.parametrize(
    "model, input_per_1m, output_per_1m",
    [  # every token row of the wire reference's section 16
        ("gpt-4o-2024-08-06", "2.50", "10.00"),
        ("gpt-4o-2024-05-13", "5.00", "15.00"),
        ("gpt-4o-mini-2024-07-18", "0.15", "0.60"),
        ("gpt-4-turbo-2024-04-09", "11.00", "33.00"),
        ("gpt-4-0125-preview", "10.00", "30.00"),
        ("gpt-4-1106-preview", "10.00", "30.00"),
        ("gpt-4-0613", "30.00", "60.00"),
        ("gpt-4-32k", "60.00", "120.00"),
        ("gpt-35-turbo-0125", "0.50", "1.50"),
        ("gpt-35-turbo-instruct", "1.65", "2.20"),
        ("text-embedding-ada-002", "0.11", None),
        ("text-embedding-3-small", "0.022", None),
        ("text-embedding-3-large", "0.143", None),
        ("babbage-002", "0.40", "0.40"),
        ("davinci-002", "2.00", "2.00"),
    ],
)
@pytest.mark.parametrize("deployment_type", ["GlobalStandard", "Standard"])
def test_seed_token_prices_match_the_reference(model, input_per_1m, output_per_1m, deployment_type):
    row = price(model, deployment_type)
    assert row.input_per_1m == Decimal(input_per_1m)
    assert row.output_per_1m == (Decimal(output_per_1m) if output_per_1m else None)
    assert (row.currency, row.effective_from, row.deployment_type) == ("USD", SNAPSHOT_DATE, deployment_type)


@pytest.mark.parametrize(
    "size, quality, unit_price",
    [
        ("1024x1024", "standard", "0.044"),
        ("1024x1024", "hd", "0.088"),
        ("1792x1024", "standard", "0.088"),
        ("1792x1024", "hd", "0.132"),
        ("1024x1792", "standard", "0.088"),
        ("1024x1792", "HD", "0.132"),
    ],
)
def test_dall_e_3_is_priced_per_image_by_size_and_quality(size, quality, unit_price):
    row = price("dall-e-3", kind="image", size=size, quality=quality)
    assert row.unit_price == Decimal(unit_price)
    assert image_generation_cost(2, row).total == 2 * Decimal(unit_price)


@pytest.mark.parametrize(
    "model, kind, field, value",
    [
        ("whisper", "audio_seconds", "unit_price", "0.0001"),
        ("tts-1", "characters", "input_per_1m", "15"),
        ("tts-1-hd", "characters", "input_per_1m", "33"),
        ("gpt-4.1-2025-04-14", "training_tokens", "input_per_1m", "2.00"),
        ("gpt-4o-mini-2024-07-18", "training_tokens", "input_per_1m", "3.00"),
        ("gpt-4o-2024-08-06", "training_tokens", "input_per_1m", "25.00"),
        ("gpt-35-turbo-0125", "training_tokens", "input_per_1m", "8.00"),
        ("babbage-002", "training_tokens", "input_per_1m", "0.40"),
        ("davinci-002", "training_tokens", "input_per_1m", "6.00"),
        ("gpt-4o-mini-2024-07-18", "hosting_hour", "unit_price", "1.70"),
        ("gpt-4.1-nano", "hosting_hour", "unit_price", "1.70"),
    ],
)
def test_seed_prices_for_audio_speech_training_and_hosting(model, kind, field, value):
    assert getattr(price(model, kind=kind), field) == Decimal(value)


@pytest.mark.parametrize(
    "model, priced_as",
    [
        ("gpt-4o", "gpt-4o"),
        ("GPT-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-2024-11-20", "gpt-4o"),
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18.ft-5fd1", "gpt-4o-mini"),  # fine-tunes bill at their base's token rates
        ("ft:gpt-4o-mini-2024-07-18:acme::x1", "gpt-4o-mini"),
        ("gpt-4-32k-0613", "gpt-4-32k"),
        ("gpt-4-turbo", "gpt-4-turbo"),
        ("gpt-3.5-turbo-0125", "gpt-35-turbo"),
        ("gpt-35-turbo-instruct-0914", "gpt-35-turbo-instruct"),
        ("gpt-4.1", None),  # no token price in the reference; never priced as gpt-4
        ("gpt-4oo", None),
        ("llama-3", None),
    ],
)
def test_the_longest_matching_model_name_prices_a_model(model, priced_as):
    row = price(model)
    assert (row.model if row else None) == priced_as


def test_a_model_family_member_is_not_priced_as_its_shorter_sibling():
    rows = [PriceRow(model="gpt-4.1", kind="tokens", input_per_1m=2, output_per_1m=8, deployment_type="GlobalStandard",
                     currency="USD", effective_from=date(2026, 1, 1))]
    assert match_price(rows, "gpt-4.1-2025-04-14", "GlobalStandard", date(2026, 6, 1)) is not None
    assert match_price(rows, "gpt-4.1-mini", "GlobalStandard", date(2026, 6, 1)) is None
    assert match_price(rows, "gpt-4.1-nano-2025-04-14", "GlobalStandard", date(2026, 6, 1)) is None


def test_the_newest_price_in_force_on_the_date_wins():
    old = PriceRow("gpt-4o", "tokens", Decimal("5"), Decimal("15"), effective_from=date(2024, 1, 1))
    new = replace(old, input_per_1m=Decimal("2.5"), effective_from=date(2025, 1, 1))
    later = replace(old, input_per_1m=Decimal("1"), effective_from=date(2030, 1, 1))
    rows = [new, later, old]
    assert match_price(rows, "gpt-4o", "GlobalStandard", date(2024, 6, 1)) is old
    assert match_price(rows, "gpt-4o", "GlobalStandard", date(2025, 1, 1)) is new
    assert match_price(rows, "gpt-4o", "GlobalStandard", date(2023, 12, 31)) is None


def test_a_longer_model_name_beats_a_newer_shorter_one():
    specific = PriceRow("gpt-4o-2024-05-13", "tokens", Decimal("5"), Decimal("15"), effective_from=date(2024, 1, 1))
    general = PriceRow("gpt-4o", "tokens", Decimal("2.5"), Decimal("10"), effective_from=date(2026, 1, 1))
    assert match_price([general, specific], "gpt-4o-2024-05-13", "GlobalStandard", TODAY) is specific


def test_the_deployment_type_must_match():
    assert price("gpt-4o", "ProvisionedManaged") is None


@pytest.mark.parametrize("batch_name", ["Batch", "GlobalBatch"])
def test_batch_is_half_the_global_standard_price(batch_name):
    row = price("gpt-4o-2024-08-06", batch_name)
    assert (row.input_per_1m, row.output_per_1m, row.deployment_type) == (Decimal("1.25"), Decimal("5.00"), "Batch")
    assert not any(r.deployment_type == "Batch" for r in SEED_PRICES)


def test_a_batch_row_of_its_own_wins_over_the_derived_one():
    own = PriceRow("gpt-4o", "tokens", Decimal("1"), Decimal("4"), deployment_type="Batch")
    assert match_price(SEED_PRICES + [own], "gpt-4o", "Batch", TODAY) is own


@pytest.mark.parametrize("data_zone_name", ["DataZone", "DataZoneStandard"])
def test_data_zone_is_seeded_ten_percent_over_global(data_zone_name):
    row = price("gpt-4o-mini", data_zone_name)
    assert (row.input_per_1m, row.output_per_1m) == (Decimal("0.165"), Decimal("0.660"))


def test_every_seed_row_is_usd_at_the_snapshot_date_with_a_known_kind():
    assert {(r.currency, r.effective_from) for r in SEED_PRICES} == {("USD", SNAPSHOT_DATE)}
    assert {r.kind for r in SEED_PRICES} == set(KINDS)
    assert {r.deployment_type for r in SEED_PRICES} == {"GlobalStandard", "Standard", "DataZone"}


@pytest.mark.parametrize(
    "model, input_tokens, output_tokens, cost_in, cost_out",
    [
        ("gpt-4o-mini", 1, 0, "0.00000015", "0"),
        ("gpt-4o-mini", 1_000_000, 1_000_000, "0.15", "0.60"),
        ("gpt-4o", 1234, 567, "0.003085", "0.00567"),
        ("gpt-35-turbo", 333_333, 333_333, "0.1666665", "0.4999995"),
        ("text-embedding-3-small", 1000, 0, "0.000022", "0"),
    ],
)
def test_token_cost_is_exact_in_decimal(model, input_tokens, output_tokens, cost_in, cost_out):
    cost = token_cost(input_tokens, output_tokens, price(model))
    assert cost == Cost(Decimal(cost_in), Decimal(cost_out), Decimal(cost_in) + Decimal(cost_out), "USD")
    assert all(isinstance(value, Decimal) for value in (cost.input, cost.output, cost.total))


def test_cached_input_tokens_are_billed_at_the_cached_price():
    cost = token_cost(1_000_000, 0, price("gpt-4o"), cached_input_tokens=400_000)
    assert cost.input == Decimal("0.6") * Decimal("2.50") + Decimal("0.4") * Decimal("1.25")


def test_a_float_price_is_read_as_its_decimal_text():
    row = PriceRow("x", "tokens", input_per_1m=0.1, output_per_1m=0.3)
    assert token_cost(3_000_000, 0, row).total == Decimal("0.3")


def test_output_tokens_without_an_output_price_are_refused():
    with pytest.raises(EstimatorError, match="output"):
        token_cost(10, 5, price("text-embedding-ada-002"))


def test_negative_or_impossible_token_counts_are_refused():
    with pytest.raises(EstimatorError):
        token_cost(-1, 0, price("gpt-4o"))
    with pytest.raises(EstimatorError):
        token_cost(1, 0, price("gpt-4o"), cached_input_tokens=2)


def test_whisper_bills_per_second():
    assert audio_cost(3600, price("whisper", kind="audio_seconds")).total == Decimal("0.36")


def test_speech_bills_per_character():
    assert speech_cost(1_000_000, price("tts-1", kind="characters")).total == Decimal("15")
    assert speech_cost(1, price("tts-1-hd", kind="characters")).total == Decimal("0.000033")


def test_training_bills_the_billed_tokens():
    billed = (100 + 5000 + 65536) * 3
    assert training_cost(billed, price("gpt-4.1", kind="training_tokens")).total == Decimal("0.423816")


def test_hosting_a_fine_tuned_model_for_a_month_costs_about_1224():
    assert hosting_cost(24 * 30, price("gpt-4o-mini", kind="hosting_hour")).total == Decimal("1224.00")


@pytest.mark.parametrize(
    "per_request, per_day, days, monthly",
    [(Decimal("0.0125"), 1000, 30, "375"), (Decimal("0.00000015"), 7, 31, "0.00003255"), ("0.1", 3, 1, "0.3")],
)
def test_monthly_projection_multiplies_exactly(per_request, per_day, days, monthly):
    assert monthly_projection(per_request, per_day, days) == Decimal(monthly)
