"""Estimates the page and the JSON API share (tokens of a text, chat or prompt, their cost) and price changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

from shared_rules import pricing
from shared_rules.errors import EstimatorError
from shared_rules.images import ImageTokens
from shared_rules.tokens import (
    APPROXIMATE_RUNS_NOTE,
    REPLY_PRIMING_TOKENS,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    ImageSizer,
    count_chat_tokens,
    count_prompt,
    count_text,
    tokenize,
)
from studio.estimator.models import Price
from studio.estimator.selectors import (
    DEFAULT_DEPLOYMENT_TYPE,
    DEPLOYMENT_TYPES,
    PriceBook,
    PriceQuote,
    ResolvedModel,
    price_book,
    resolve_model,
)

DAYS_PER_MONTH = 30
TOKENS_SHOWN = 5000  # coloured token spans on the page; the count itself is always exact
# Tokens average about 4 characters; a prefix 4 times longer than that holds the first TOKENS_SHOWN tokens of any
# ordinary text, so a 10 MB text is not split into millions of Python strings just to draw 5,000 of them.
_CHARS_PER_SHOWN_TOKEN = 16


@dataclass(frozen=True)
class Priced:
    """A cost and the price row it came from, or why there is no cost."""

    quote: PriceQuote
    cost: pricing.Cost | None = None
    problem: str | None = None  # e.g. output tokens for a model without an output price

    @property
    def note(self) -> str | None:
        return self.problem or (None if self.quote.row else self.quote.missing)


@dataclass(frozen=True)
class TokenEstimate:
    model: ResolvedModel
    prompt_tokens: int
    text_tokens: int
    image_tokens: int = 0
    images: list[ImageTokens] = field(default_factory=list)
    output_tokens: int = 0
    priced: Priced | None = None
    approximate: bool = False  # long runs were counted in pieces (see shared_rules.tokens.LONG_RUN_BYTES)

    @property
    def notes(self) -> list[str]:
        """Plain words on why the count is approximate, when it is: long runs, or an unpublished tokenizer."""
        notes = [APPROXIMATE_RUNS_NOTE] if self.approximate else []
        if self.model.tokenizer_note:
            notes.append(self.model.tokenizer_note)
        return notes

    @property
    def model_notes(self) -> list[str]:
        """What to know about the model itself: retired or deprecated, or unknown to the registry."""
        return [n for n in (self.model.lifecycle_note, self.model.registry_note) if n]


@dataclass(frozen=True)
class MessageCount:
    role: str
    name: str
    tokens: int  # its 3 tokens of overhead, name, text and images
    image_tokens: int


@dataclass(frozen=True)
class ChatEstimate(TokenEstimate):
    messages: list[MessageCount] = field(default_factory=list)
    per_message_overhead: int = 0
    name_overhead: int = 0
    reply_priming: int = REPLY_PRIMING_TOKENS

    @property
    def content_tokens(self) -> int:
        return self.text_tokens - self.per_message_overhead - self.name_overhead - self.reply_priming


@dataclass(frozen=True)
class TokenizedText:
    count: int
    tokens: list[tuple[int, str]]  # (id, text) of the first TOKENS_SHOWN tokens

    @property
    def capped(self) -> bool:
        return self.count > len(self.tokens)


@dataclass(frozen=True)
class ProjectionRow:
    deployment_type: str
    priced: Priced
    per_day: Decimal | None = None
    per_month: Decimal | None = None
    tier: str = ""  # "", "long_context" or "priority": which rate the row bills at
    workings: list[str] = field(default_factory=list)  # how the cost per request was reached, line by line
    tier_note: str | None = None


@dataclass(frozen=True)
class Projection:
    model: ResolvedModel
    input_tokens: int
    output_tokens: int
    requests_per_day: int
    rows: list[ProjectionRow]
    days: int = DAYS_PER_MONTH
    cached_input_tokens: int = 0

    @property
    def long_context(self) -> bool:
        return self.input_tokens > pricing.LONG_CONTEXT_TOKENS


def deployment_type_for(model: ResolvedModel, requested: str | None) -> str:
    """The type asked for, else the picked deployment's own, else Global Standard (the reference's prices)."""
    return requested or model.deployment_type or DEFAULT_DEPLOYMENT_TYPE


def cost_by(quote: PriceQuote, cost_of: Callable[[pricing.PriceRow], pricing.Cost]) -> Priced:
    """The cost by the quote's row, or why there is none: no row, or a price the row lacks."""
    if quote.row is None:
        return Priced(quote)
    try:
        return Priced(quote, cost_of(quote.row))
    except EstimatorError as e:
        return Priced(quote, problem=str(e))


def price_tokens(model: ResolvedModel, input_tokens: int, output_tokens: int, deployment_type: str,
                 book: PriceBook | None = None) -> Priced:
    quote = (book or price_book()).quote(model.name, deployment_type)
    return cost_by(quote, lambda row: pricing.token_cost(input_tokens, output_tokens, row))


def _estimate(model: ResolvedModel, output_tokens: int, deployment_type: str | None, **counts) -> dict:
    priced = price_tokens(model, counts["prompt_tokens"], output_tokens, deployment_type_for(model, deployment_type))
    return {"model": model, "output_tokens": output_tokens, "priced": priced, **counts}


def estimate_text(text: str, model: str, *, output_tokens: int = 0,
                  deployment_type: str | None = None) -> TokenEstimate:
    """Tokens of plain text (an embeddings input, say): no chat overhead."""
    resolved = resolve_model(model)
    counted = count_text(text, resolved.counts_with)
    return TokenEstimate(**_estimate(resolved, output_tokens, deployment_type, prompt_tokens=counted.tokens,
                                     text_tokens=counted.tokens, approximate=counted.approximate))


def estimate_prompt(prompt: str | list, model: str, *, output_tokens: int = 0,
                    deployment_type: str | None = None) -> TokenEstimate:
    """Tokens of a legacy completions prompt."""
    resolved = resolve_model(model)
    counted = count_prompt(prompt, resolved.counts_with)
    return TokenEstimate(**_estimate(resolved, output_tokens, deployment_type, prompt_tokens=counted.tokens,
                                     text_tokens=counted.tokens, approximate=counted.approximate))


def estimate_chat(messages: list[dict], model: str, *, output_tokens: int = 0, deployment_type: str | None = None,
                  image_size: ImageSizer | None = None) -> ChatEstimate:
    """Prompt tokens of a chat request, message by message, with the overhead the cookbook rule adds."""
    resolved = resolve_model(model)
    total = count_chat_tokens(messages, resolved.counts_with, image_size=image_size)
    per_message = []
    for message in messages:
        # Counting one message at a time is the same rule: the sum plus the reply priming is the total.
        one = count_chat_tokens([message], resolved.counts_with, image_size=image_size)
        name = message.get("name") if isinstance(message.get("name"), str) else ""
        per_message.append(MessageCount(str(message.get("role", "")), name, one.prompt_tokens - REPLY_PRIMING_TOKENS,
                                        one.image_tokens))
    named = sum(1 for m in per_message if m.name)
    return ChatEstimate(
        **_estimate(resolved, output_tokens, deployment_type, prompt_tokens=total.prompt_tokens,
                    text_tokens=total.text_tokens, image_tokens=total.image_tokens, images=total.images,
                    approximate=total.approximate),
        messages=per_message, per_message_overhead=TOKENS_PER_MESSAGE * len(messages),
        name_overhead=TOKENS_PER_NAME * named,
    )


def tokens_to_show(text: str, estimate: TokenEstimate, limit: int = TOKENS_SHOWN) -> TokenizedText:
    """The first `limit` tokens of an estimated text, to draw; tokenizing only a prefix keeps huge texts cheap."""
    model, count = estimate.model.counts_with, estimate.prompt_tokens
    if count <= limit:
        return TokenizedText(count, tokenize(text, model))
    shown = tokenize(text[: limit * _CHARS_PER_SHOWN_TOKEN], model)
    if len(shown) <= limit:
        # Unusually long tokens: the prefix's last token may be cut, and only the whole text is sure to be right.
        shown = tokenize(text, model)
    # The prefix's tokens equal the whole text's but for its last, possibly cut one, which lies past `limit`.
    return TokenizedText(count, shown[:limit])


def _money(value: Decimal, currency: str) -> str:
    from studio.estimator.templatetags.estimator_format import money

    return money(value, currency)


def token_workings(input_tokens: int, output_tokens: int, cached_input_tokens: int, row: pricing.PriceRow,
                   cost: pricing.Cost) -> list[str]:
    """The cost per request, term by term, as the page shows it: tokens x price per 1M."""
    lines = []
    uncached = input_tokens - cached_input_tokens
    cached_price = row.cached_input_per_1m if row.cached_input_per_1m is not None else row.input_per_1m
    if uncached:
        lines.append(f"{uncached:,} input × {_money(row.input_per_1m, row.currency)}")
    if cached_input_tokens:
        lines.append(f"{cached_input_tokens:,} cached input × {_money(cached_price, row.currency)}"
                     + ("" if row.cached_input_per_1m is not None else " (no cached price: the input price)"))
    if output_tokens:
        lines.append(f"{output_tokens:,} output × {_money(row.output_per_1m, row.currency)}")
    return [" + ".join(lines) + f" per 1M = {_money(cost.total, cost.currency)}"] if lines else []


def _projection_row(resolved: ResolvedModel, deployment_type: str, tier: str, book: PriceBook, *, input_tokens: int,
                    output_tokens: int, cached_input_tokens: int, requests_per_day: int, days: int,
                    tier_note: str | None = None) -> ProjectionRow:
    quote = book.quote(resolved.name, deployment_type, tier=tier)
    priced = cost_by(quote, lambda row: pricing.token_cost(input_tokens, output_tokens, row,
                                                           cached_input_tokens=cached_input_tokens))
    if priced.cost is None:
        return ProjectionRow(deployment_type, priced, tier=tier, tier_note=tier_note)
    per_day = pricing.monthly_projection(priced.cost.total, requests_per_day, days=1)
    per_month = pricing.monthly_projection(priced.cost.total, requests_per_day, days=days)
    workings = token_workings(input_tokens, output_tokens, cached_input_tokens, quote.row, priced.cost)
    return ProjectionRow(deployment_type, priced, per_day, per_month, tier, workings, tier_note)


def project_cost(model: str, *, input_tokens: int, output_tokens: int, requests_per_day: int,
                 cached_input_tokens: int = 0, days: int = DAYS_PER_MONTH) -> Projection:
    """Cost per request, day and month on every deployment type, each with the price row it used and the workings.

    Input over LONG_CONTEXT_TOKENS bills at the long-context rate where the table has one (gpt-5.4 and later);
    a priority-processing row, where one exists, is shown as one more row.
    """
    resolved = resolve_model(model)
    book = price_book()
    counts = {"input_tokens": input_tokens, "output_tokens": output_tokens, "cached_input_tokens": cached_input_tokens,
              "requests_per_day": requests_per_day, "days": days}
    long_context = input_tokens > pricing.LONG_CONTEXT_TOKENS
    rows = []
    for deployment_type in DEPLOYMENT_TYPES:
        if deployment_type == Price.DeploymentType.DEVELOPER:
            continue  # fine-tuned deployments only: their tokens bill at Global Standard rates
        tier, note = "", None
        if long_context:
            if book.quote(resolved.name, deployment_type, tier="long_context").row is not None:
                tier = "long_context"
                note = f"input over {pricing.LONG_CONTEXT_TOKENS:,} tokens: the long-context rate"
            else:
                note = (f"input over {pricing.LONG_CONTEXT_TOKENS:,} tokens, but the table has no long-context rate "
                        f"for {resolved.name} on {deployment_type}: priced at the standard rate")
        rows.append(_projection_row(resolved, deployment_type, tier, book, tier_note=note, **counts))
    if book.quote(resolved.name, DEFAULT_DEPLOYMENT_TYPE, tier="priority").row is not None:
        rows.append(_projection_row(resolved, DEFAULT_DEPLOYMENT_TYPE, "priority", book,
                                    tier_note="priority processing", **counts))
    return Projection(resolved, input_tokens, output_tokens, requests_per_day, rows, days, cached_input_tokens)


@transaction.atomic
def price_change(price: Price, *, values: dict, effective_from: date, changed_by) -> Price:
    """Correct the row when the date is its own; from any other date add a row, so the old price stays as history."""
    if effective_from == price.effective_from:
        for name, value in values.items():
            setattr(price, name, value)
        price.save(update_fields=list(values))
        return price
    return Price.objects.create(**price.line_filter(), **values, effective_from=effective_from, created_by=changed_by)
