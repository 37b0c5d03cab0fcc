"""Pure rules, shared by Studio and the engine, about a dataset's shape that the estimator's validator does not
report: messages per example, the assistant turns that will be learned (weight 1 or absent), and the preference
(DPO) format, checked by turning each pair into one chat example that the estimator's rules then check and count."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from shared_rules.datasets import DatasetReport, Progress, validate_training_jsonl
from shared_rules.json_input import JSONInputError, loads_bounded

PREFERENCE_KEYS = ("input", "preferred_output", "non_preferred_output")


@dataclass
class Shape:
    examples: int = 0
    messages: list[int] = field(default_factory=list)  # per example
    assistant_turns: int = 0
    learned_turns: int = 0

    def as_dict(self) -> dict:
        counts = self.messages
        return {"examples": self.examples, "assistant_turns": self.assistant_turns,
                "learned_turns": self.learned_turns, "messages_min": min(counts, default=0),
                "messages_max": max(counts, default=0),
                "messages_mean": round(sum(counts) / len(counts), 2) if counts else 0}


def _decode(raw: bytes | str) -> str | None:
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        return None
    return text if text.strip() else None


def chat_shape(lines: Iterable[bytes | str]) -> Shape:
    """Messages and assistant turns of each readable chat line (broken lines are the validator's to report)."""
    shape = Shape()
    for raw in lines:
        text = _decode(raw)
        if text is None:
            continue
        try:
            example = loads_bounded(text)
        except JSONInputError:
            continue
        messages = example.get("messages") if isinstance(example, dict) else None
        if not isinstance(messages, list):
            continue
        assistants = [m for m in messages if isinstance(m, dict) and m.get("role") == "assistant"]
        shape.examples += 1
        shape.messages.append(len(messages))
        shape.assistant_turns += len(assistants)
        shape.learned_turns += sum(1 for m in assistants if m.get("weight", 1) != 0)
    return shape


def _output_problem(value, key: str) -> str | None:
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        return f'"{key}" must be a list holding one assistant message'
    if value[0].get("role") != "assistant":
        return f'"{key}" must hold an assistant message, not {value[0].get("role")!r}'
    return None


def preference_problem(example) -> str | None:
    if not isinstance(example, dict):
        return f"each line must be a JSON object, got {type(example).__name__}"
    missing = [key for key in PREFERENCE_KEYS if key not in example]
    if missing:
        return (f'missing "{missing[0]}": preference lines hold "input": {{"messages": [...]}}, '
                '"preferred_output" and "non_preferred_output"')
    messages = example["input"].get("messages") if isinstance(example["input"], dict) else None
    if not isinstance(messages, list) or not messages:
        return '"input" must hold a non-empty "messages" list'
    if any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages[-1:]):
        return '"input" must end with the user\'s turn; the answers go in the two outputs'
    return (_output_problem(example["preferred_output"], "preferred_output")
            or _output_problem(example["non_preferred_output"], "non_preferred_output"))


class PreferenceLines:
    """Iterates a preference file as chat lines for the estimator's validator (one line out per line in, so line
    numbers hold): input messages + preferred + non-preferred answer, all counted as training tokens. A line whose
    pair structure is wrong comes out blank (skipped by the validator) and its reason is kept in `problems`."""

    def __init__(self, lines: Iterable[bytes | str]) -> None:
        self.lines = lines
        self.problems: dict[int, str] = {}
        self.shape = Shape()

    def __iter__(self) -> Iterator[bytes]:
        for line_no, raw in enumerate(self.lines, start=1):
            text = _decode(raw)
            if text is None:
                yield raw if isinstance(raw, bytes) else raw.encode()  # the validator reports bad UTF-8 itself
                continue
            try:
                example = loads_bounded(text)
            except JSONInputError:
                yield raw if isinstance(raw, bytes) else raw.encode()  # ... and bad JSON, with its column
                continue
            problem = preference_problem(example)
            if problem:
                self.problems[line_no] = problem
                yield b"\n"
                continue
            messages = example["input"]["messages"]
            self.shape.examples += 1
            self.shape.messages.append(len(messages) + 1)
            self.shape.assistant_turns += 2
            self.shape.learned_turns += 2
            chat = messages + example["preferred_output"] + example["non_preferred_output"]
            yield json.dumps({"messages": chat}).encode()


def validate_preference_jsonl(lines: Iterable[bytes | str], model: str, *, max_bytes: int | None = None,
                              progress: Progress | None = None) -> tuple[DatasetReport, Shape]:
    """A preference (DPO) file checked as the estimator checks chat files, with each broken pair's line and reason."""
    pairs = PreferenceLines(lines)
    report = validate_training_jsonl(pairs, model, max_bytes=max_bytes, progress=progress)
    for line, reason in pairs.problems.items():
        report._add_error(line, reason)
    report.errors.sort(key=lambda error: error.line)
    report.format = "preference"
    return report, pairs.shape


def is_preference_line(example) -> bool:
    return isinstance(example, dict) and "input" in example and (
        "preferred_output" in example or "non_preferred_output" in example)
