"""Reads the estimator needs: the price in force for a model, and which model a picked name means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from shared_rules import pricing
from shared_rules.errors import EstimatorError, UnknownModel
from shared_rules.models import GROUPS, REGISTRY, ModelInfo, Registry
from shared_rules.price_seed import NOT_PUBLISHED
from shared_rules.tokens import encoding_name_for_model, tokenizer_note
from studio.estimator.models import CustomModel, Price
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
        what = _KIND_WORDS.get(self.kind, f"{self.kind.replace('_', ' ')} ")
        info = REGISTRY.find(self.model)
        unpublished = NOT_PUBLISHED.get(info.name) if info else None
        if unpublished:
            return f"no {what}price for {self.model}: not published ({unpublished}); an Admin can add one"
        return f"no {what}price for {self.model} on {self.deployment_type}; an Admin can add one"


class PriceBook:
    """The price table as of one day, read once per request and asked many times."""

    def __init__(self, rows: list[pricing.PriceRow], on_date: date) -> None:
        self.rows = rows
        self.on_date = on_date

    def quote(self, model: str, deployment_type: str, kind: str = "tokens", *, tier: str = "",
              size: str | None = None, quality: str | None = None) -> PriceQuote:
        row = pricing.match_price(self.rows, model, deployment_type, self.on_date, kind=kind, tier=tier, size=size,
                                  quality=quality)
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
    info: ModelInfo | None = None  # the registry entry, None for a name only tiktoken's prefixes know
    on_date: date | None = None

    @property
    def label(self) -> str:
        return f"{self.deployment} ({self.name})" if self.deployment else self.name

    @property
    def counts_with(self) -> ModelInfo | str:
        """What the counting rules take: the registry entry (an Admin's model has no shipped name), else the name."""
        return self.info or self.name

    @property
    def tokenizer_note(self) -> str | None:
        return tokenizer_note(self.counts_with)

    @property
    def lifecycle_note(self) -> str | None:
        return self.info.lifecycle_note(self.on_date or timezone.localdate()) if self.info else None

    @property
    def registry_note(self) -> str | None:
        if self.info is None:
            return (f"{self.name} is not in the model registry: counted with {self.encoding} by tiktoken's name "
                    "prefixes; its context window and image rule are unknown (an Admin can add it)")
        return None


def model_registry() -> Registry:
    """The shipped registry with the models Admins added (theirs win over a shipped entry of the same name)."""
    return REGISTRY.with_models([m.as_info() for m in CustomModel.objects.all()])


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


def priced_deployment_type(sku_name: str) -> str | None:
    sku = pricing.DEPLOYMENT_TYPE_ALIASES.get(sku_name, sku_name)
    return sku if sku in DEPLOYMENT_TYPES else None  # Provisioned SKUs bill PTU-hours, not tokens


def resolve_model(requested: str) -> ResolvedModel:
    """A model name, or one of the site's deployment names (optionally resource/name), as the model it runs."""
    requested = (requested or "").strip()
    registry = model_registry()
    if not requested:
        raise EstimatorError("choose a model or a deployment", param="model")
    deployment = _deployment_named(requested)
    name = requested
    if deployment is not None:
        # The version matters for the price: gpt-4o-2024-05-13 costs twice gpt-4o-2024-08-06.
        name = deployment.model_name + (f"-{deployment.model_version}" if deployment.model_version else "")
    info = registry.find(name)
    try:
        encoding = encoding_name_for_model(info or name)
    except UnknownModel as e:
        known = tuple(m.name for m in registry.models if m.encoding)
        raise UnknownModel(name, known=known) from e
    if deployment is None:
        return ResolvedModel(name, encoding, info=info)
    return ResolvedModel(name, encoding, deployment.name, priced_deployment_type(deployment.sku_name), info=info)


GROUP_LABELS = {"current": "Current models", "deprecated": "Deprecated", "retired": "Retired"}
TEXT_KINDS = ("chat", "responses", "embeddings", "completions")


def _option(model: ModelInfo, group: str) -> tuple[str, str]:
    if group == "retired" and model.lifecycle.retires_on:
        return model.name, f"{model.name} (retired {model.lifecycle.retires_on:%-d %b %Y})"
    if group == "deprecated" and model.lifecycle.retires_on:
        return model.name, f"{model.name} (retires {model.lifecycle.retires_on:%-d %b %Y})"
    return model.name, model.name


def model_choices(*, kinds: tuple[str, ...] = TEXT_KINDS, with_deployments: bool = True,
                  only: tuple[str, ...] | None = None, on_date: date | None = None) -> list:
    """Grouped <select> choices: current, deprecated and retired models, then the site's deployments."""
    on_date = on_date or timezone.localdate()
    groups = model_registry().grouped(on_date, kinds)
    choices: list = []
    for group in GROUPS:
        options = [_option(m, group) for m in groups[group] if only is None or m.name in only]
        if options:
            choices.append((GROUP_LABELS[group], options))
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


def fine_tunable_models(on_date: date | None = None) -> list:
    """The dataset mode's picker: models with fine-tuning in the registry, grouped by lifecycle."""
    registry = model_registry()
    tunable = tuple(m.name for m in registry.models if m.fine_tuning) + ("gpt-35-turbo", "babbage-002", "davinci-002")
    return model_choices(kinds=KINDS_ALL, with_deployments=False, only=tunable, on_date=on_date)


KINDS_ALL = ("chat", "responses", "embeddings", "completions", "image", "transcription", "speech")


OTHER_FAMILY = "other"


def family_of(model: str, registry: Registry | None = None) -> str:
    """A price row's model family, from the registry (rows name models or their dated versions)."""
    info = (registry or REGISTRY).find(model)
    return info.family if info else OTHER_FAMILY


def price_families() -> list[str]:
    """The families the price table can be filtered by, in registry order."""
    families = list(dict.fromkeys(m.family for m in model_registry().models))
    return [*families, OTHER_FAMILY]


def price_table(*, q: str = "", family: str = "", kind: str = "", deployment_type: str = "", history: bool = False,
                on_date: date | None = None, **_ignored) -> list[tuple[Price, str]]:
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
    registry = model_registry() if family else None
    rows = []
    for price in prices:
        if family and family_of(price.model, registry) != family:
            continue
        status = "scheduled" if price.effective_from > on_date else "current" if price.pk in current else "superseded"
        if history or status != "superseded":
            rows.append((price, status))
    return rows


def priced_models(on_date: date | None = None) -> set[str]:
    """Names of the registry models that some current price row prices (any kind, any deployment type)."""
    on_date = on_date or timezone.localdate()
    rows = [price.as_row() for price in Price.objects.filter(effective_from__lte=on_date)]
    names = set()
    for model in model_registry().models:
        if any(pricing.match_price([row], model.name, row.deployment_type, on_date, kind=row.kind, size=row.size,
                                   quality=row.quality, tier=row.tier) for row in rows):
            names.add(model.name)
    return names
