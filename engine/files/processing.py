"""Validating an uploaded fine-tune file with Studio's dataset rules, line by line, off the event loop."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shared_rules.dataset_shapes import is_preference_line, validate_preference_jsonl
from shared_rules.datasets import MIN_EXAMPLES, DatasetReport, validate_training_jsonl
from shared_rules.json_input import loads_bounded

# Which model's rules check a file before any job names a model: the format decides, the job re-checks later.
CHAT_PROBE_MODEL = "gpt-4o-mini"
LEGACY_PROBE_MODEL = "babbage-002"
LISTED_ERRORS = 20


@dataclass
class Outcome:
    ok: bool
    format: str
    details: str | None
    report: DatasetReport


def detect_format(path: Path) -> str:
    with path.open("rb") as f:
        for raw in f:
            if raw.strip():
                try:
                    first = loads_bounded(raw.decode("utf-8-sig"))
                except (ValueError, UnicodeDecodeError):  # the validation that follows names the line
                    return "chat"
                if is_preference_line(first):
                    return "preference"  # DPO pairs: input, preferred_output, non_preferred_output
                return "prompt_completion" if isinstance(first, dict) and "prompt" in first else "chat"
    return "chat"


def describe(report: DatasetReport) -> str | None:
    """status_details for a file that failed: each broken line with its number, or why the set is unusable."""
    if report.ok:
        return None
    if report.errors:
        listed = "; ".join(f"line {e.line}: {e.reason}" for e in report.errors[:LISTED_ERRORS])
        more = report.error_count - min(LISTED_ERRORS, len(report.errors))
        suffix = f"; and {more} more" if more else ""
        return f"Training file validation failed with {report.error_count} invalid line(s): {listed}{suffix}"
    return (f"Training file validation failed: it has {report.examples} valid examples and at least {MIN_EXAMPLES} "
            "are required.")


def validate_file(path: Path, model: str | None = None) -> Outcome:
    fmt = detect_format(path)
    probe = model or (LEGACY_PROBE_MODEL if fmt == "prompt_completion" else CHAT_PROBE_MODEL)
    with path.open("rb") as f:
        report = validate_preference_jsonl(f, probe)[0] if fmt == "preference" else validate_training_jsonl(f, probe)
    return Outcome(report.ok, fmt, describe(report), report)
