"""The model registry: what the estimator knows of each Azure OpenAI model, and how a name finds its entry.

The entries live in shared_rules/model_data.py (each with its source); an Admin can add more from Studio's UI,
which builds the same ModelInfo and passes it wherever a model name is taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from shared_rules.image_rules import ImageRule

KINDS = ("chat", "embeddings", "completions", "image", "transcription", "speech", "responses")
STATUSES = ("ga", "preview", "deprecated", "retired")
FINE_TUNING_METHODS = ("supervised", "dpo", "reinforcement")
GROUPS = ("current", "deprecated", "retired")
# What may follow a model's name and still be that model: a dated or numbered version, as Azure and OpenAI write them.
VERSION_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4}|\d{3}|preview|latest)(-preview)?$")


@dataclass(frozen=True)
class Lifecycle:
    status: str  # as published: ga, preview, deprecated or retired
    retires_on: date | None = None
    successor: str | None = None
    source: str = ""

    def group(self, on_date: date) -> str:
        """current, deprecated or retired on the day: a retirement date that has passed retires the model."""
        if self.status == "retired" or (self.retires_on is not None and self.retires_on <= on_date):
            return "retired"
        return "deprecated" if self.status == "deprecated" else "current"


@dataclass(frozen=True)
class FineTuning:
    methods: tuple[str, ...]  # supervised, dpo, reinforcement
    deployment_types: tuple[str, ...]  # Standard (regional), DataZone, GlobalStandard, Developer
    note: str = ""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    family: str  # what the pickers and the price table group by: gpt-5, gpt-4.1, gpt-4o, o-series, embeddings...
    kind: str = "chat"
    encoding: str | None = "o200k_base"  # None: the model takes no text (nothing to count)
    tokenizer_note: str = ""  # set when the encoding is a stand-in for an unpublished tokenizer
    context: int | None = None  # the whole window, in tokens
    max_input: int | None = None  # where the doc splits the window
    max_output: int | None = None
    vision: bool = False
    image_rule: ImageRule | None = None
    lifecycle: Lifecycle = Lifecycle("ga")
    versions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other spellings: gpt-3.5-turbo for gpt-35-turbo
    fine_tuning: FineTuning | None = None
    source: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def tokenizer_published(self) -> bool:
        return not self.tokenizer_note

    def group(self, on_date: date) -> str:
        return self.lifecycle.group(on_date)

    def lifecycle_note(self, on_date: date) -> str | None:
        """Plain words for a deprecated or retired model: since when, until when, and what replaces it."""
        group = self.group(on_date)
        if group == "current":
            return None
        when = self.lifecycle.retires_on
        if group == "retired":
            text = f"{self.name} is retired" + (f" since {when:%-d %b %Y}" if when else "")
            text += "; requests to its deployments fail"
        else:
            text = f"{self.name} is deprecated" + (f" and retires on {when:%-d %b %Y}" if when else "")
        if self.lifecycle.successor:
            text += f"; its successor is {self.lifecycle.successor}"
        return text


class Registry:
    """Models by name, with the version, alias and prefix matching that tiktoken uses for its own table."""

    def __init__(self, models: list[ModelInfo]) -> None:
        self.models = list(models)
        self._by_name: dict[str, ModelInfo] = {}
        for model in self.models:
            for name in (model.name, *model.aliases):
                self._by_name[name.lower()] = model

    def with_models(self, extra: list[ModelInfo]) -> Registry:
        """This registry and more (an Admin's additions, which win over a shipped entry of the same name)."""
        names = {m.name.lower() for m in extra}
        return Registry([m for m in self.models if m.name.lower() not in names] + list(extra))

    def find(self, model: str) -> ModelInfo | None:
        """The entry for a name: exact, an alias, a dated version (gpt-4o-2024-08-06) or a fine-tune of one.

        Nothing looser: o3-deep-research is not o3. Deployment names are resolved by Studio, from its deployments.
        """
        name = base_name(model)
        for candidate in _spellings(name):
            if candidate in self._by_name:
                return self._by_name[candidate]
        return None

    def names(self) -> list[str]:
        return [m.name for m in self.models]

    def grouped(self, on_date: date, kinds: tuple[str, ...] | None = None) -> dict[str, list[ModelInfo]]:
        """Models as the pickers show them: current, deprecated and retired, each in registry order."""
        groups: dict[str, list[ModelInfo]] = {g: [] for g in GROUPS}
        for model in self.models:
            if kinds is None or model.kind in kinds:
                groups[model.group(on_date)].append(model)
        return groups


def base_name(model: str) -> str:
    """The base model of a fine-tune (`ft:<base>:org::id`, `<base>.ft-<id>`), lower-cased."""
    name = model.strip().lower()
    if name.startswith("ft:"):
        name = name[3:].split(":", 1)[0]
    return name.split(".ft-", 1)[0]


def _spellings(name: str) -> list[str]:
    spellings = [name]
    stripped = VERSION_SUFFIX.sub("", name)
    if stripped != name:
        spellings.append(stripped)
    return spellings


def _default_registry() -> Registry:
    from shared_rules.model_data import MODELS

    return Registry(MODELS)


REGISTRY: Registry = _default_registry()
