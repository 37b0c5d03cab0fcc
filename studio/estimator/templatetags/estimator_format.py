"""Template filters for the estimator's figures: exact money without exponents, counts with thousands separators."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()
CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}


@register.filter
def money(value, currency: str = "USD") -> str:
    """Every significant digit (a cost of 1 token is a few millionths), at least two decimals: $0.00000015."""
    if value is None or value == "":
        return "—"
    whole, _, fraction = format(Decimal(value), ",f").partition(".")
    text = f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"
    sign = CURRENCY_SIGNS.get(currency)
    return f"{sign}{text}" if sign else f"{text} {currency}"


@register.filter
def count(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


# The words each price field is shown with in the table, after its figure.
_PRICE_WORDS = {
    "input_per_1m": "in", "cached_input_per_1m": "cached", "output_per_1m": "out",
    "cache_write_per_1m": "cache write", "unit_price": "",
}
_UNITS = {"tokens": "per 1M tokens", "image_tokens": "per 1M image tokens", "audio_tokens": "per 1M audio tokens",
          "training_tokens": "per 1M training tokens", "characters": "per 1M characters", "image": "per image",
          "audio_seconds": "per second of audio", "hosting_hour": "per hour deployed",
          "training_hour": "per hour of training"}


@register.filter
def price_figures(price) -> str:
    """Only the prices a row's kind is billed by: "$2.50 in · $1.25 cached · $10.00 out per 1M tokens"."""
    from studio.estimator.forms import fields_for_kind

    parts = []
    for name in fields_for_kind(price.kind):
        value = getattr(price, name)
        if value is not None:
            parts.append(f"{money(value, price.currency)} {_PRICE_WORDS[name]}".rstrip())
    return f"{' · '.join(parts)} {_UNITS.get(price.kind, '')}".strip() if parts else "—"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
