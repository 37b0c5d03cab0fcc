"""Price rules: the seed price table, matching a price row to a model, and costs in exact Decimal."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared_rules.errors import EstimatorError
from shared_rules.tokens import base_model_name

ONE_MILLION = Decimal(1_000_000)
SNAPSHOT_DATE = date(2026, 11, 1)  # the wire reference's price snapshot (its section 16)
KINDS = ("tokens", "image", "audio_seconds", "characters", "hosting_hour", "training_tokens")
# Kinds the 2026 models add: reinforcement training by the hour, image and audio tokens (gpt-image, gpt-4o-transcribe).
KINDS_2026 = ("training_hour", "image_tokens", "audio_tokens")
# Token rows are billed at one of these tiers: standard, above LONG_CONTEXT_TOKENS of input, or priority processing.
TIERS = ("", "long_context", "priority")
LONG_CONTEXT_TOKENS = 272_000

# Azure SKU names mapped to the deployment types prices are kept under.
DEPLOYMENT_TYPE_ALIASES = {"GlobalBatch": "Batch", "DataZoneStandard": "DataZone"}
# Priced from another type's row when no row of their own exists: Batch is 50 % of Global Standard token prices.
DERIVED_DEPLOYMENT_TYPES = {"Batch": ("GlobalStandard", Decimal("0.5"))}
# Data Zone can be 10-20 % over Global (wire reference section 16); the seed takes the low end, +10 %.
DATA_ZONE_FACTOR = Decimal("1.1")
DATA_ZONE_SOURCE = "Global x 1.10 (the wire reference: Data Zone is 10-20 % over Global)"


@dataclass(frozen=True)
class PriceRow:
    """One price. Which fields apply depends on `kind`:

    tokens: input_per_1m / output_per_1m (output None for embeddings), cached_input_per_1m optional;
    training_tokens: input_per_1m per 1M billed training tokens; characters: input_per_1m per 1M characters;
    image: unit_price per image of `size` and `quality`; audio_seconds: unit_price per second;
    hosting_hour: unit_price per hour a fine-tuned deployment exists.
    """

    model: str
    kind: str
    input_per_1m: Decimal | None = None
    output_per_1m: Decimal | None = None
    unit_price: Decimal | None = None
    size: str | None = None
    quality: str | None = None
    deployment_type: str = "GlobalStandard"
    currency: str = "USD"
    effective_from: date = SNAPSHOT_DATE
    cached_input_per_1m: Decimal | None = None
    source: str = "wire reference section 16 (litellm 1.110.2 snapshot)"
    source_date: date | None = None  # the date the source states
    tier: str = ""  # "", "long_context" or "priority" (token rows only)
    cache_write_per_1m: Decimal | None = None  # gpt-5.6 bills writing to the prompt cache


@dataclass(frozen=True)
class Cost:
    input: Decimal
    output: Decimal
    total: Decimal
    currency: str


def _d(value: object) -> Decimal:
    # str() first so a float such as 0.1 becomes Decimal("0.1"), not its binary approximation.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _tokens(model: str, inp: str, out: str | None, cached: str | None = None) -> PriceRow:
    return PriceRow(
        model, "tokens", _d(inp), _d(out) if out else None, cached_input_per_1m=_d(cached) if cached else None
    )


# Section 16 of the wire reference, base rows as Global Standard. Model names are prefixes: "gpt-4o" prices every
# gpt-4o version except those with a longer row of their own ("gpt-4o-2024-05-13").
_BASE_TOKEN_ROWS = [
    _tokens("gpt-4o", "2.50", "10.00", cached="1.25"),  # 2024-08-06, the default version
    _tokens("gpt-4o-2024-05-13", "5.00", "15.00"),
    _tokens("gpt-4o-mini", "0.15", "0.60", cached="0.075"),  # 2024-07-18
    _tokens("gpt-4-turbo", "11.00", "33.00"),  # 2024-04-09
    _tokens("gpt-4-0125-preview", "10.00", "30.00"),
    _tokens("gpt-4-1106-preview", "10.00", "30.00"),
    _tokens("gpt-4", "30.00", "60.00"),  # OpenAI list price (O); 0613, 8K
    _tokens("gpt-4-32k", "60.00", "120.00"),  # (O)
    _tokens("gpt-35-turbo", "0.50", "1.50"),  # 0125
    _tokens("gpt-35-turbo-instruct", "1.65", "2.20"),
    _tokens("text-embedding-ada-002", "0.11", None),
    _tokens("text-embedding-3-small", "0.022", None),
    _tokens("text-embedding-3-large", "0.143", None),
    _tokens("babbage-002", "0.40", "0.40"),  # (O), Azure figure unknown
    _tokens("davinci-002", "2.00", "2.00"),  # (O), Azure figure unknown
]
_OTHER_ROWS = [
    PriceRow("dall-e-3", "image", unit_price=Decimal("0.044"), size="1024x1024", quality="standard"),
    PriceRow("dall-e-3", "image", unit_price=Decimal("0.088"), size="1024x1024", quality="hd"),
    PriceRow("dall-e-3", "image", unit_price=Decimal("0.088"), size="1792x1024", quality="standard"),
    PriceRow("dall-e-3", "image", unit_price=Decimal("0.132"), size="1792x1024", quality="hd"),
    PriceRow("dall-e-3", "image", unit_price=Decimal("0.088"), size="1024x1792", quality="standard"),
    PriceRow("dall-e-3", "image", unit_price=Decimal("0.132"), size="1024x1792", quality="hd"),
    PriceRow("whisper", "audio_seconds", unit_price=Decimal("0.0001")),  # $0.36 / hour
    PriceRow("tts-1", "characters", input_per_1m=Decimal("15")),
    PriceRow("tts-1-hd", "characters", input_per_1m=Decimal("33")),
]
FINE_TUNABLE_MODELS = (
    "gpt-35-turbo", "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o4-mini",
    "babbage-002", "davinci-002",
)
# Training prices per 1M tokens. Only gpt-4.1's $2 comes from an Azure doc example; the others are ADMIN-EDITABLE
# PLACEHOLDERS from OpenAI's public list prices (Azure publishes none in the reference's sources). gpt-4.1-mini,
# gpt-4.1-nano and o4-mini have no figure at all and get no training row, so the estimator says "no price".
_TRAINING_PER_1M = {
    "gpt-4.1": "2.00",  # Azure doc example, Global
    "gpt-4o-mini": "3.00",  # placeholder (OpenAI list)
    "gpt-4o": "25.00",  # placeholder (OpenAI list)
    "gpt-35-turbo": "8.00",  # placeholder (OpenAI list)
    "babbage-002": "0.40",  # placeholder (OpenAI list)
    "davinci-002": "6.00",  # placeholder (OpenAI list)
}
_TRAINING_ROWS = [PriceRow(m, "training_tokens", input_per_1m=_d(p)) for m, p in _TRAINING_PER_1M.items()]
# Hosting a fine-tuned deployment: the doc example's $1.70/hour, billed while deployed, used or not.
_HOSTING_ROWS = [PriceRow(m, "hosting_hour", unit_price=Decimal("1.70")) for m in FINE_TUNABLE_MODELS]


def _scaled(row: PriceRow, factor: Decimal, deployment_type: str) -> PriceRow:
    def times(value: Decimal | None) -> Decimal | None:
        return None if value is None else value * factor

    return dataclasses.replace(
        row, deployment_type=deployment_type, input_per_1m=times(row.input_per_1m),
        output_per_1m=times(row.output_per_1m), unit_price=times(row.unit_price),
        cached_input_per_1m=times(row.cached_input_per_1m), cache_write_per_1m=times(row.cache_write_per_1m),
    )


def _seed_rows() -> list[PriceRow]:
    global_rows = _BASE_TOKEN_ROWS + _OTHER_ROWS + _TRAINING_ROWS + _HOSTING_ROWS
    # Standard (regional) at the Global prices: the sources give no separate regional figures.
    standard = [dataclasses.replace(r, deployment_type="Standard") for r in global_rows]
    data_zone = [dataclasses.replace(_scaled(r, DATA_ZONE_FACTOR, "DataZone"), source=DATA_ZONE_SOURCE)
                 for r in _BASE_TOKEN_ROWS]
    return global_rows + standard + data_zone


SEED_PRICES: list[PriceRow] = _seed_rows()


def _price_name(model: str) -> str:
    # Fine-tuned models bill at their base model's token rates; Azure spells gpt-3.5 as gpt-35.
    return base_model_name(model).replace("gpt-3.5-turbo", "gpt-35-turbo")


# What may follow a priced model's name and still be that model: a version such as 2024-08-06, 0125 or 1106-preview.
# Anything else names another model (gpt-4.1-mini is not gpt-4.1, gpt-4-32k is not gpt-4).
_VERSION_SUFFIX = re.compile(r"\d{4}(-\d{2}-\d{2})?(-preview)?|preview")


def _names_model(row_model: str, name: str) -> bool:
    row_model = row_model.lower()
    if name == row_model:
        return True
    return name.startswith(row_model + "-") and _VERSION_SUFFIX.fullmatch(name[len(row_model) + 1:]) is not None


def _latest(rows: Iterable[PriceRow], name: str, deployment_type: str, on_date: date, kind: str,
            size: str | None, quality: str | None, tier: str = "") -> PriceRow | None:
    candidates = [
        r for r in rows
        if r.kind == kind and r.deployment_type == deployment_type and r.effective_from <= on_date and r.tier == tier
        and (size is None or (r.size or "").lower() == size.lower())
        and (quality is None or (r.quality or "").lower() == quality.lower())
        and _names_model(r.model, name)
    ]
    # The longest model name wins first (gpt-4o-mini over gpt-4o), then the newest price.
    return max(candidates, key=lambda r: (len(r.model), r.effective_from), default=None)


def match_price(
    rows: Iterable[PriceRow], model: str, deployment_type: str, on_date: date, *,
    kind: str = "tokens", size: str | None = None, quality: str | None = None, tier: str = "",
) -> PriceRow | None:
    """The price row in force on `on_date` for the model and deployment type, or None when there is none."""
    rows = list(rows)
    name = _price_name(model)
    deployment_type = DEPLOYMENT_TYPE_ALIASES.get(deployment_type, deployment_type)
    found = _latest(rows, name, deployment_type, on_date, kind, size, quality, tier)
    if found is None and deployment_type in DERIVED_DEPLOYMENT_TYPES and kind == "tokens":
        source_type, factor = DERIVED_DEPLOYMENT_TYPES[deployment_type]
        source = _latest(rows, name, source_type, on_date, kind, size, quality, tier)
        if source:
            found = dataclasses.replace(_scaled(source, factor, deployment_type),
                                        source=f"half the {source_type} price ({source.source})")
    return found


def _price(row: PriceRow, field: str) -> Decimal:
    value = getattr(row, field)
    if value is None:
        raise EstimatorError(f"{row.model} ({row.kind}) has no {field.replace('_', ' ')} price", param="model")
    return _d(value)


def _cost(amount: Decimal, row: PriceRow) -> Cost:
    return Cost(input=amount, output=Decimal(0), total=amount, currency=row.currency)


def token_cost(input_tokens: int, output_tokens: int, row: PriceRow, *, cached_input_tokens: int = 0) -> Cost:
    """Input x input price + output x output price, per 1M tokens; cached input at its own price when it has one."""
    if min(input_tokens, output_tokens, cached_input_tokens) < 0 or cached_input_tokens > input_tokens:
        raise EstimatorError("token counts must be 0 or more, and cached tokens at most the input tokens")
    input_price = _price(row, "input_per_1m")
    cached_price = input_price if row.cached_input_per_1m is None else _d(row.cached_input_per_1m)
    uncached = input_tokens - cached_input_tokens
    inp = (Decimal(uncached) * input_price + Decimal(cached_input_tokens) * cached_price) / ONE_MILLION
    out = Decimal(output_tokens) * _price(row, "output_per_1m") / ONE_MILLION if output_tokens else Decimal(0)
    return Cost(input=inp, output=out, total=inp + out, currency=row.currency)


def image_generation_cost(n_images: int, row: PriceRow) -> Cost:
    return _cost(Decimal(n_images) * _price(row, "unit_price"), row)


def audio_cost(seconds: Decimal | float | int, row: PriceRow) -> Cost:
    """Transcription, billed per second of audio."""
    return _cost(_d(seconds) * _price(row, "unit_price"), row)


def speech_cost(characters: int, row: PriceRow) -> Cost:
    """Text to speech, billed per input character."""
    return _cost(Decimal(characters) * _price(row, "input_per_1m") / ONE_MILLION, row)


def training_cost(billed_tokens: int, row: PriceRow) -> Cost:
    return _cost(Decimal(billed_tokens) * _price(row, "input_per_1m") / ONE_MILLION, row)


def hosting_cost(hours: Decimal | float | int, row: PriceRow) -> Cost:
    return _cost(_d(hours) * _price(row, "unit_price"), row)


def monthly_projection(cost_per_request: Decimal | float | int, requests_per_day: int, days: int = 30) -> Decimal:
    return _d(cost_per_request) * requests_per_day * days
