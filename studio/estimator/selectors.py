"""Reads the estimator needs: the price in force for a model, and which model a picked name means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from shared_rules import pricing
from shared_rules.errors import EstimatorError
from shared_rules.tokens import KNOWN_MODELS, encoding_name_for_model
from studio.estimator.models import Price
from studio.resources.models import Deployment

DEPLOYMENT_TYPES: tuple[str, ...] = tuple(Price.DeploymentType.values)  # Standard, GlobalStandard, DataZone, Batch
DEFAULT_DEPLOYMENT_TYPE = Price.DeploymentType.GLOBAL_STANDARD.value
_KIND_WORDS = {"tokens": "", "training_tokens": "training ", "hosting_hour": "hosting "}


@dataclass(frozen=True)
class PriceQuote:
    """The price row a figure is computed with, or the plain reason there is none."""

    model: str
    deployment_type: str
    kind: str
    row: pricing.PriceRow | None

    @property
    def missing(self) -> str:
        what = _KIND_WORDS.get(self.kind, f"{self.kind} ")
        return f"no {what}price for {self.model} on {self.deployment_type}; an Admin can add one"


class PriceBook:
    """The price table as of one day, read once per request and asked many times."""

    def __init__(self, rows: list[pricing.PriceRow], on_date: date) -> None:
        self.rows = rows
        self.on_date = on_date

    def quote(self, model: str, deployment_type: str, kind: str = "tokens") -> PriceQuote:
        row = pricing.match_price(self.rows, model, deployment_type, self.on_date, kind=kind)
        return PriceQuote(model, deployment_type, kind, row)


def price_book(on_date: date | None = None) -> PriceBook:
    return PriceBook([price.as_row() for price in Price.objects.all()], on_date or timezone.localdate())


def current_price_ids(on_date: date | None = None) -> set[int]:
    """Ids of the rows in force on the day: per price line, the newest row that has started."""
    on_date = on_date or timezone.localdate()
    newest: dict[tuple, Price] = {}
    for price in Price.objects.filter(effective_from__lte=on_date).order_by("effective_from"):
        newest[tuple(price.line_filter().values())] = price
    return {price.pk for price in newest.values()}


@dataclass(frozen=True)
class ResolvedModel:
    """What a picked name means: the model that is tokenized and priced, and the deployment it came through."""

    name: str  # e.g. "gpt-4o-2024-08-06"
    encoding: str
    deployment: str | None = None
    deployment_type: str | None = None  # the deployment's SKU, when it is one the price table knows

    @property
    def label(self) -> str:
        return f"{self.deployment} ({self.name})" if self.deployment else self.name


def _deployment_named(requested: str) -> Deployment | None:
    resource, _, name = requested.rpartition("/")
    found = Deployment.objects.select_related("resource").filter(name=name)
    if resource:
        found = found.filter(resource__name=resource)
    found = list(found)
    if len({(d.model_name, d.model_version) for d in found}) > 1:
        where = ", ".join(f"{d.resource.name}/{d.name}" for d in found)
        raise EstimatorError(
            f"{name!r} names deployments of different models ({where}); pick one as resource/deployment",
            param="model",
        )
    return found[0] if found else None


def _priced_type(sku_name: str) -> str | None:
    sku = pricing.DEPLOYMENT_TYPE_ALIASES.get(sku_name, sku_name)
    return sku if sku in DEPLOYMENT_TYPES else None  # Provisioned SKUs bill PTU-hours, not tokens


def resolve_model(requested: str) -> ResolvedModel:
    """A model name, or one of the site's deployment names (optionally resource/name), as the model it runs."""
    requested = (requested or "").strip()
    if not requested:
        raise EstimatorError(f"choose a model, one of {', '.join(KNOWN_MODELS)}, or a deployment", param="model")
    deployment = _deployment_named(requested)
    if deployment is None:
        return ResolvedModel(requested, encoding_name_for_model(requested))
    # The version matters for the price: gpt-4o-2024-05-13 costs twice gpt-4o-2024-08-06.
    name = f"{deployment.model_name}-{deployment.model_version}" if deployment.model_version else deployment.model_name
    return ResolvedModel(name, encoding_name_for_model(name), deployment.name, _priced_type(deployment.sku_name))


def model_choices(models: tuple[str, ...] = KNOWN_MODELS, *, with_deployments: bool = True) -> list:
    """Grouped <select> choices: the known models, then the site's deployments named as resolve_model reads them."""
    choices: list = [("Models", [(m, m) for m in models])]
    if with_deployments:
        deployments = list(Deployment.objects.select_related("resource").order_by("name", "resource__name"))
        names = [d.name for d in deployments]
        options = []
        for d in deployments:
            value = d.name if names.count(d.name) == 1 else f"{d.resource.name}/{d.name}"
            options.append((value, f"{value} → {d.model_name} {d.model_version}".rstrip()))
        if options:
            choices.append(("Deployments", options))
    return choices


def price_table(*, q: str = "", kind: str = "", deployment_type: str = "", history: bool = False,
                on_date: date | None = None) -> list[tuple[Price, str]]:
    """Price rows with their status on the day: current, scheduled (starts later) or superseded (history)."""
    on_date = on_date or timezone.localdate()
    prices = Price.objects.select_related("created_by")
    if q.strip():
        prices = prices.filter(model__icontains=q.strip())
    if kind:
        prices = prices.filter(kind=kind)
    if deployment_type:
        prices = prices.filter(deployment_type=deployment_type)
    current = current_price_ids(on_date)
    rows = []
    for price in prices:
        status = "scheduled" if price.effective_from > on_date else "current" if price.pk in current else "superseded"
        if history or status != "superseded":
            rows.append((price, status))
    return rows
