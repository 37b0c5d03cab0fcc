"""Fine-tuning dataset estimates: the validator's report, the epochs, billed tokens, training and hosting cost."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from shared_rules import datasets, pricing
from shared_rules.json_input import loads_bounded
from shared_rules.models import REGISTRY
from studio.estimator.selectors import price_book
from studio.estimator.services import DAYS_PER_MONTH, Priced, cost_by

HOURS_PER_MONTH = 24 * DAYS_PER_MONTH
PREVIEWS = 3
PREVIEW_CHARS = 400


@dataclass(frozen=True)
class Preview:
    line: int
    turns: list[tuple[str, str]]  # (role, text); images show as "[image]"


@dataclass
class DatasetEstimate:
    model: str
    report: datasets.DatasetReport
    epochs: int
    epochs_auto: bool
    billed_tokens: int
    training: Priced
    hosting: Priced  # one hour of a deployed fine-tune
    hosting_month: Decimal | None = None
    previews: list[Preview] = field(default_factory=list)
    training_hourly: Priced | None = None  # reinforcement fine-tuning bills hours of training, not tokens

    @property
    def histogram(self) -> list[tuple[int, int, int]]:
        return self.report.histogram()

    @property
    def histogram_peak(self) -> int:
        return max((count for _, _, count in self.histogram), default=0)


def _text_of(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") if p.get("type") == "text" else "[image]" for p in content)
    return ""


def _previews(file: BinaryIO, broken: set[int], limit: int = PREVIEWS) -> list[Preview]:
    """The first few valid examples, read again from the start; only these lines are parsed a second time."""
    file.seek(0)
    previews = []
    for line_no, raw in enumerate(file, start=1):
        if len(previews) >= limit:
            break
        if line_no in broken or not raw.strip():
            continue
        try:
            example = loads_bounded(raw.decode("utf-8-sig"))
            if "messages" in example:
                turns = [(m["role"], _text_of(m.get("content"))) for m in example["messages"]]
            else:
                turns = [("prompt", example["prompt"]), ("completion", example["completion"])]
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a broken line beyond the listed ones: the report already counts it
        previews.append(Preview(line_no, [(role, text[:PREVIEW_CHARS]) for role, text in turns]))
    return previews


def validate_file(file: BinaryIO, model: str, *, max_bytes: int,
                  progress: datasets.Progress | None = None) -> tuple[datasets.DatasetReport, list[Preview]]:
    """The slow part: stream the file through the validator line by line, then read its first examples again."""
    file.seek(0)
    report = datasets.validate_training_jsonl(file, model, max_bytes=max_bytes, progress=progress)
    return report, _previews(file, {e.line for e in report.errors})


def price_dataset(report: datasets.DatasetReport, model: str, *, epochs: int | None, deployment_type: str,
                  previews: list[Preview]) -> DatasetEstimate:
    """The quick part: epochs, billed tokens and the training and hosting cost of a validated file."""
    chosen = epochs if epochs is not None else datasets.default_epochs(report.examples)
    billed = datasets.billed_training_tokens(report.example_tokens, model, chosen)
    book = price_book()
    training = cost_by(book.quote(model, deployment_type, "training_tokens"),
                       lambda row: pricing.training_cost(billed, row))
    hourly = None
    info = REGISTRY.find(model)
    if info and info.fine_tuning and "reinforcement" in info.fine_tuning.methods:
        hourly = cost_by(book.quote(model, deployment_type, "training_hour"), lambda row: pricing.hosting_cost(1, row))
    hosting_quote = book.quote(model, deployment_type, "hosting_hour")
    hosting = cost_by(hosting_quote, lambda row: pricing.hosting_cost(1, row))
    hosting_month = pricing.hosting_cost(HOURS_PER_MONTH, hosting_quote.row).total if hosting.cost else None
    return DatasetEstimate(
        model=model, report=report, epochs=chosen, epochs_auto=epochs is None, billed_tokens=billed,
        training=training, hosting=hosting, hosting_month=hosting_month, previews=previews, training_hourly=hourly,
    )


def estimate_dataset(file: BinaryIO, model: str, *, epochs: int | None, deployment_type: str,
                     max_bytes: int) -> DatasetEstimate:
    """Validate and price in one go (small files, validated while the page waits)."""
    report, previews = validate_file(file, model, max_bytes=max_bytes)
    return price_dataset(report, model, epochs=epochs, deployment_type=deployment_type, previews=previews)


def report_to_json(report: datasets.DatasetReport, previews: list[Preview]) -> dict:
    """What a background validation keeps in the database, to price and show it later."""
    return {"report": dataclasses.asdict(report), "previews": [dataclasses.asdict(p) for p in previews]}


def report_from_json(data: dict) -> tuple[datasets.DatasetReport, list[Preview]]:
    fields = dict(data["report"])
    fields["errors"] = [datasets.LineError(**e) for e in fields["errors"]]
    previews = [Preview(p["line"], [tuple(turn) for turn in p["turns"]]) for p in data["previews"]]
    return datasets.DatasetReport(**fields), previews
