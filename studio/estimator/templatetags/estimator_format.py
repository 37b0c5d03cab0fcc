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
