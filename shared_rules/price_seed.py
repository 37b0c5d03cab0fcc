"""The 2026 price rows, from shared/reference/models-and-prices-2026.md: every row names its source and that date.

AZR: Azure Retail Prices API snapshot, fetched 2026-08-11 (East US 2 for regional Standard rows; regional rows only
where a meter exists). LL: litellm 1.110.2's Azure keys (about November 2026), the only source for GPT-6.
MD-ftcost: Microsoft's fine-tuning cost page (2026-03-19). OAI-img: OpenAI's image-generation token table.
The rows take effect on the research date, 2026-11-30, so they supersede the 2026-11-01 snapshot where both exist.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from shared_rules.pricing import PriceRow

EFFECTIVE = date(2026, 11, 30)
AZR = ("AZR: Azure Retail Prices API (azure-genai-prices 0.2.0 snapshot)", date(2026, 8, 11))
AZR_SWEDEN = ("AZR: Azure Retail Prices API, Sweden Central (no East US 2 meter)", date(2026, 8, 11))
AZR_REGIONAL_LOW = ("AZR: Azure Retail Prices API, the lowest regional meter", date(2026, 3, 1))
LL = ("LL: litellm 1.110.2, azure/* keys (no Azure meter found for GPT-6)", date(2026, 11, 1))
MD_FTCOST = ("MD-ftcost: Developer-tier fine-tuned deployments pay no hosting fee", date(2026, 3, 19))
AZR_56_NOTE = " (LL, Nov 2026, lists lower gpt-5.6 prices: check the live page)"


def _d(value: str | None) -> Decimal | None:
    return None if value in (None, "", "-") else Decimal(value)


def _row(model: str, kind: str, deployment_type: str, source: tuple[str, date], *, inp: str | None = None,
         cached: str | None = None, out: str | None = None, unit: str | None = None, tier: str = "",
         cache_write: str | None = None, size: str | None = None, quality: str | None = None) -> PriceRow:
    return PriceRow(model, kind, _d(inp), _d(out), _d(unit), size, quality, deployment_type, "USD", EFFECTIVE,
                    _d(cached), source[0], source[1], tier, _d(cache_write))


def _tokens(model: str, source: tuple[str, date], global_: str = "", data_zone: str = "", regional: str = "",
            batch: str = "", note: str = "") -> list[PriceRow]:
    """Token rows from "input / cached / output" strings per deployment type ("" = no meter, "-" = no figure)."""
    rows = []
    for deployment_type, figures in (("GlobalStandard", global_), ("DataZone", data_zone), ("Standard", regional),
                                     ("Batch", batch)):
        if not figures:
            continue
        parts = [p.strip() for p in figures.split("/")]
        inp, cached, out = parts if len(parts) == 3 else (parts[0], None, parts[1] if len(parts) > 1 else None)
        rows.append(_row(model, "tokens", deployment_type, (source[0] + note, source[1]), inp=inp, cached=cached,
                         out=out))
    return rows


TOKEN_ROWS: list[PriceRow] = [
    # GPT-6: LL only.
    *_tokens("gpt-6-astra", LL, "10 / 1 / 50", "11 / - / 55"),
    *_tokens("gpt-6-sol", LL, "2 / 0.20 / 10", "2.2 / - / 11"),
    *_tokens("gpt-6-luna", LL, "0.10 / 0.01 / 0.50", "0.11 / - / 0.55"),
    *_tokens("gpt-6.1-sol", LL, "2 / 0.10 / 10", "2.2 / - / 11"),
    *_tokens("gpt-6.1-terra", LL, "1 / 0.05 / 5", "1.1 / - / 5.5"),
    # GPT-5 family: AZR. No regional meter exists for any gpt-5.x model.
    *_tokens("gpt-5.6-sol", AZR, "5 / 0.50 / 30", "5.5 / 0.55 / 33", note=AZR_56_NOTE),
    *_tokens("gpt-5.6-terra", AZR, "2.5 / 0.25 / 15", "2.75 / 0.275 / 16.5", note=AZR_56_NOTE),
    *_tokens("gpt-5.6-luna", AZR, "1 / 0.10 / 6", "1.1 / 0.11 / 6.6", note=AZR_56_NOTE),
    *_tokens("gpt-5.5", AZR, "5 / 0.50 / 30", "5.5 / 0.55 / 33", batch="2.5 / 15"),
    *_tokens("gpt-5.4", AZR, "2.5 / 0.25 / 15", "2.75 / 0.275 / 16.5", batch="1.25 / 7.5"),
    *_tokens("gpt-5.4-pro", AZR, "30 / - / 180", "33 / - / 198", batch="15 / 90"),
    *_tokens("gpt-5.4-mini", AZR, "0.75 / 0.075 / 4.5", "0.825 / 0.0825 / 4.95", batch="0.375 / 2.25"),
    *_tokens("gpt-5.4-nano", AZR, "0.20 / 0.02 / 1.25", "0.22 / 0.022 / 1.375", batch="0.10 / 0.625"),
    *_tokens("gpt-5.2", AZR, "1.75 / 0.175 / 14", "1.925 / 0.1925 / 15.4", batch="0.875 / 7"),
    *_tokens("gpt-5.2-chat", AZR, "1.75 / 0.175 / 14", "1.925 / 0.1925 / 15.4"),
    *_tokens("gpt-5.3-chat", AZR, "1.75 / 0.175 / 14", "1.925 / 0.1925 / 15.4"),
    *_tokens("gpt-5.1", AZR, "1.25 / 0.125 / 10", "1.375 / 0.1375 / 11", batch="0.625 / 5"),
    *_tokens("gpt-5.1-chat", AZR, "1.25 / 0.125 / 10", "1.375 / 0.1375 / 11"),
    *_tokens("gpt-5", AZR, "1.25 / 0.125 / 10", "1.375 / 0.1375 / 11", batch="0.625 / 5"),
    *_tokens("gpt-5-mini", AZR, "0.25 / 0.025 / 2", "0.275 / 0.0275 / 2.2", batch="0.125 / 1"),
    *_tokens("gpt-5-nano", AZR, "0.05 / 0.005 / 0.40", "0.055 / 0.0055 / 0.44", batch="0.025 / 0.20"),
    *_tokens("gpt-5-chat", AZR, "1.25 / 0.125 / 10"),
    *_tokens("gpt-5-pro", AZR, "15 / - / 120", "16.5 / - / 132", batch="7.5 / 60"),
    *_tokens("gpt-chat-latest", AZR, "5 / 0.50 / 30"),
    # GPT-4.1, GPT-4o, o-series: AZR, with regional (East US 2) meters.
    *_tokens("gpt-4.1", AZR, "2 / 0.50 / 8", "2.2 / 0.55 / 8.8", "2.2 / 0.55 / 8.8", "1 / 4"),
    *_tokens("gpt-4.1-mini", AZR, "0.40 / 0.10 / 1.60", "0.44 / 0.11 / 1.76", "0.44 / 0.11 / 1.76", "0.20 / 0.80"),
    *_tokens("gpt-4.1-nano", AZR, "0.10 / 0.025 / 0.40", "0.11 / 0.028 / 0.44", "0.11 / 0.028 / 0.44", "0.05 / 0.20"),
    *_tokens("gpt-4o", AZR, "2.5 / 1.25 / 10", "2.75 / 1.375 / 11", "2.75 / 1.375 / 11", "1.25 / 5"),
    *_tokens("gpt-4o-2024-05-13", AZR, "5 / - / 15", "5.5 / - / 16.5", "5.5 / - / 16.5", "2.5 / 7.5"),
    *_tokens("gpt-4o-mini", AZR, "0.15 / 0.075 / 0.60", "0.165 / 0.083 / 0.66", "0.165 / 0.083 / 0.66", "0.075 / 0.30"),
    *_tokens("o1", AZR, "15 / 7.5 / 60", "16.5 / 8.25 / 66", "16.5 / 8.25 / 66", "7.5 / 30"),
    *_tokens("o3", AZR, "2 / 0.50 / 8", "2.2 / 0.55 / 8.8", "2.2 / 0.55 / 8.8", "1 / 4"),
    *_tokens("o3-mini", AZR, "1.1 / 0.55 / 4.4", "1.21 / 0.605 / 4.84", "1.21 / 0.605 / 4.84", "0.55 / 2.2"),
    *_tokens("o1-mini", AZR, "1.1 / 0.55 / 4.4", "1.21 / 0.605 / 4.84", "1.21 / 0.605 / 4.84", "0.55 / 2.2"),
    *_tokens("o4-mini", AZR, "1.1 / 0.275 / 4.4", "1.21 / 0.303 / 4.84", "1.21 / 0.303 / 4.84", "0.55 / 2.2"),
    *_tokens("o3-pro", AZR, "20 / - / 80", batch="10 / 40"),
    *_tokens("codex-mini", AZR, "1.5 / 0.375 / 6", "1.65 / 0.413 / 6.6", "1.65 / 0.413 / 6.6"),
    *_tokens("gpt-35-turbo", AZR, regional="0.55 / - / 1.65"),
    *_tokens("gpt-35-turbo-instruct", AZR_SWEDEN, regional="1.815 / - / 2.42"),
    *_tokens("text-embedding-3-small", AZR, "0.02", "0.022", "0.022"),
    *_tokens("text-embedding-3-large", AZR, "0.13", "0.143", "0.143"),
    *_tokens("text-embedding-ada-002", AZR, "0.10", "0.11", "0.11"),
]


def _long_context(model: str, source: tuple[str, date], inp: str, cached: str | None, out: str) -> PriceRow:
    return _row(model, "tokens", "GlobalStandard", source, inp=inp, cached=cached, out=out, tier="long_context")


# Input above 272K tokens (AZR "LongCo" meters; LL *_above_272k_tokens): input and cached x 2, output x 1.5.
LONG_CONTEXT_ROWS: list[PriceRow] = [
    _long_context("gpt-5.4", AZR, "5", "0.5", "22.5"), _long_context("gpt-5.5", AZR, "10", "1", "45"),
    _long_context("gpt-5.4-pro", AZR, "60", None, "270"), _long_context("gpt-5.6-sol", AZR, "10", "1", "45"),
    _long_context("gpt-5.6-terra", AZR, "5", "0.5", "22.5"), _long_context("gpt-5.6-luna", AZR, "2", "0.2", "9"),
    _long_context("gpt-6-astra", LL, "20", None, "75"), _long_context("gpt-6-sol", LL, "4", None, "15"),
    _long_context("gpt-6-luna", LL, "0.2", None, "0.75"), _long_context("gpt-6.1-sol", LL, "4", None, "15"),
    _long_context("gpt-6.1-terra", LL, "2", None, "7.5"),
]
# Cache writes (AZR "Cd Wr" meters, Global): gpt-5.6 only; none for gpt-5.5 and older.
CACHE_WRITES = {"gpt-5.6-sol": ("6.25", "12.5"), "gpt-5.6-terra": ("3.125", "6.25"), "gpt-5.6-luna": ("1.25", "2.5")}
# Priority processing (AZR "PP" meters, 2 x Standard): the reference quotes one row.
PRIORITY_ROWS = [_row("gpt-5.6-sol", "tokens", "GlobalStandard", AZR, inp="10", cached="1", out="60", tier="priority")]


def _with_cache_writes(rows: list[PriceRow]) -> list[PriceRow]:
    out = []
    for row in rows:
        writes = CACHE_WRITES.get(row.model) if row.deployment_type == "GlobalStandard" else None
        if writes:
            row = dataclasses.replace(row, cache_write_per_1m=Decimal(writes[row.tier == "long_context"]))
        out.append(row)
    return out


def _per_type(model: str, kind: str, figures: dict[str, str], source: tuple[str, date], field: str) -> list[PriceRow]:
    return [_row(model, kind, deployment_type, source, **{field: value}) for deployment_type, value in figures.items()]


# Fine-tuning (AZR, East US 2): SFT/DPO training per 1M tokens; o4-mini RFT per hour of training; hosting per hour.
_TRAINING = {
    "gpt-4.1": ("27.50", "27.50", "25.00", "12.50"), "gpt-4.1-mini": ("5.50", "5.50", "5.00", "2.50"),
    "gpt-4.1-nano": ("1.65", "1.65", "1.50", "0.75"), "gpt-4o": ("27.50", "27.50", "25.00", "12.50"),
    "gpt-4o-mini": ("3.30", "3.30", "3.00", "1.50"),
}
_FT_TYPES = ("Standard", "DataZone", "GlobalStandard", "Developer")
FINE_TUNING_ROWS: list[PriceRow] = [
    *[row for model, prices in _TRAINING.items()
      for row in _per_type(model, "training_tokens", dict(zip(_FT_TYPES, prices, strict=True)), AZR, "inp")],
    *_per_type("o4-mini", "training_hour", dict(zip(_FT_TYPES, ("110", "110", "100", "50"), strict=True)), AZR,
               "unit"),
    *[row for model in (*_TRAINING, "o4-mini")
      for row in _per_type(model, "hosting_hour", {t: "1.70" for t in _FT_TYPES[:3]}, AZR, "unit")],
    *[_row(model, "hosting_hour", "Developer", MD_FTCOST, unit="0") for model in (*_TRAINING, "o4-mini")],
]

# Generated images: dall-e-3 per image (regional, 2025-09 rows); gpt-image models per token, text and image apart.
_DALLE = AZR[0] + " (2025-09 rows; dall-e-3 retired 2026-03-04)", date(2025, 9, 1)
IMAGE_ROWS: list[PriceRow] = [
    _row("dall-e-3", "image", "Standard", _DALLE, unit=price, size=size, quality=quality)
    for size, quality, price in (("1024x1024", "standard", "0.044"), ("1792x1024", "standard", "0.088"),
                                 ("1024x1792", "standard", "0.088"), ("1024x1024", "hd", "0.0968"),
                                 ("1792x1024", "hd", "0.1452"), ("1024x1792", "hd", "0.1452"))
] + [
    _row("gpt-image-1", "tokens", "GlobalStandard", AZR, inp="5", cached="1.25"),
    _row("gpt-image-1", "image_tokens", "GlobalStandard", AZR, inp="10", cached="2.5", out="40"),
    _row("gpt-image-1", "tokens", "DataZone", AZR, inp="5.5", cached="1.375"),
    _row("gpt-image-1", "image_tokens", "DataZone", AZR, inp="11", cached="2.75", out="44"),
    _row("gpt-image-1-mini", "tokens", "GlobalStandard", AZR, inp="2", cached="0.20"),
    _row("gpt-image-1-mini", "image_tokens", "GlobalStandard", AZR, inp="2.5", cached="0.25", out="8"),
    _row("gpt-image-1.5", "tokens", "GlobalStandard", AZR, inp="5", cached="1.25", out="10"),
    _row("gpt-image-1.5", "image_tokens", "GlobalStandard", AZR, inp="8", cached="2", out="32"),
    _row("gpt-image-2", "tokens", "GlobalStandard", AZR, inp="5", cached="1.25"),
    _row("gpt-image-2", "image_tokens", "GlobalStandard", AZR, inp="8", cached="2", out="30"),
    _row("gpt-image-2", "tokens", "Batch", AZR, inp="2.5"),
    _row("gpt-image-2", "image_tokens", "Batch", AZR, inp="4", out="15"),
]

# Audio: transcription per second (whisper $0.36 an hour), speech per 1M characters, audio-token models.
AUDIO_ROWS: list[PriceRow] = [
    _row("whisper", "audio_seconds", "GlobalStandard", AZR, unit="0.0001"),
    _row("whisper", "audio_seconds", "Standard", AZR_REGIONAL_LOW, unit="0.00011"),
    _row("tts", "characters", "GlobalStandard", AZR, inp="15"),
    _row("tts-hd", "characters", "GlobalStandard", AZR, inp="30"),
    _row("tts", "characters", "Standard", AZR_REGIONAL_LOW, inp="15"),
    _row("tts-hd", "characters", "Standard", AZR_REGIONAL_LOW, inp="33"),
    _row("gpt-4o-transcribe", "audio_tokens", "GlobalStandard", AZR, inp="6"),
    _row("gpt-4o-transcribe", "tokens", "GlobalStandard", AZR, inp="2.5", out="10"),
    _row("gpt-4o-transcribe", "audio_tokens", "DataZone", AZR, inp="6.6"),
    _row("gpt-4o-transcribe", "tokens", "DataZone", AZR, inp="2.75", out="11"),
    _row("gpt-4o-mini-transcribe", "audio_tokens", "GlobalStandard", AZR, inp="3"),
    _row("gpt-4o-mini-transcribe", "tokens", "GlobalStandard", AZR, inp="1.25", out="5"),
    _row("gpt-4o-mini-tts", "tokens", "GlobalStandard", AZR, inp="0.60"),
    _row("gpt-4o-mini-tts", "audio_tokens", "GlobalStandard", AZR, out="12"),
]

SEED_PRICES_2026: list[PriceRow] = (
    _with_cache_writes(TOKEN_ROWS + LONG_CONTEXT_ROWS) + PRIORITY_ROWS + FINE_TUNING_ROWS + IMAGE_ROWS + AUDIO_ROWS
)
# Models the reference publishes no price for: the estimator says so plainly instead of a figure.
NOT_PUBLISHED = {
    "gpt-5.1-codex": "no Azure meter in the reference", "gpt-5.1-codex-mini": "no Azure meter in the reference",
    "gpt-5.1-codex-max": "no Azure meter in the reference", "gpt-5.2-codex": "no Azure meter in the reference",
    "gpt-5.3-codex": "no Azure meter in the reference", "gpt-5-codex": "no Azure meter in the reference",
    "gpt-oss-120b": "open weights: billed by the compute that hosts them",
    "gpt-4o-transcribe-diarize": "no Azure meter in the reference",
    "gpt-image-2.5-flare": "not published (reference section 8)", "gpt-image-2.5-sunburst":
        "not published (reference section 8)",
}
