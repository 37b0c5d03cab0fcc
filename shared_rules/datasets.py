"""Fine-tuning dataset rules: line-by-line JSONL validation, token counts, epochs and billed tokens."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from shared_rules.errors import EstimatorError, TooLarge
from shared_rules.images import decode_data_url, read_image_size
from shared_rules.json_input import JSONInputError, loads_bounded
from shared_rules.tokens import (
    APPROXIMATE_RUNS_NOTE,
    base_model_name,
    count_chat_tokens,
    count_text,
    encoding_name_for_model,
)

MIN_EXAMPLES = 10
MAX_LISTED_ERRORS = 1000
LEGACY_MODELS = ("babbage-002", "davinci-002")
ROLES = ("system", "user", "assistant", "tool", "function")
MESSAGE_KEYS = ("role", "content", "name", "weight", "function_call", "tool_calls", "tool_call_id")
PART_TYPES = ("text", "image_url")
# Images given by a remote URL can't be fetched offline: count them at the most tiles the high-detail rule can
# give (768 x 2048 -> 8 tiles), so the estimate is an upper bound.
WORST_CASE_IMAGE_SIZE = (768, 2048)

# Per-example token limits from the Azure docs, first matching prefix wins (so 0613 before the family).
_EXAMPLE_LIMITS = (
    ("gpt-35-turbo-0613", 4096), ("gpt-3.5-turbo-0613", 4096),
    ("gpt-35-turbo", 16385), ("gpt-3.5-turbo", 16385),
    ("gpt-4.1-nano", 32768),
    ("gpt-4o", 65536), ("gpt-4.1", 65536), ("o4-mini", 65536),
    ("babbage-002", 16384), ("davinci-002", 16384),
)
# Models the docs give no figure for: the limit most current fine-tunable models have. The cap only lowers
# billed tokens, so a generous default errs towards a higher estimate.
DEFAULT_EXAMPLE_LIMIT = 65536


@dataclass(frozen=True)
class LineError:
    line: int  # 1-based, as an editor shows it
    reason: str


@dataclass
class DatasetReport:
    format: str  # "chat" | "prompt_completion"
    examples: int = 0
    errors: list[LineError] = field(default_factory=list)
    errors_not_listed: int = 0  # broken lines beyond MAX_LISTED_ERRORS
    example_tokens: list[int] = field(default_factory=list)
    truncated_examples: int = 0
    warnings: list[str] = field(default_factory=list)
    approximate_examples: int = 0  # examples with text runs counted in pieces (see tokens.LONG_RUN_BYTES)

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_not_listed

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.examples >= MIN_EXAMPLES

    @property
    def min_tokens(self) -> int:
        return min(self.example_tokens, default=0)

    @property
    def max_tokens(self) -> int:
        return max(self.example_tokens, default=0)

    @property
    def mean_tokens(self) -> float:
        return sum(self.example_tokens) / len(self.example_tokens) if self.example_tokens else 0.0

    def histogram(self, bins: int = 10) -> list[tuple[int, int, int]]:
        """(lowest, highest, count) per bin, bounds inclusive; fewer bins when the spread is narrower than `bins`."""
        if not self.example_tokens:
            return []
        lo, span = self.min_tokens, self.max_tokens - self.min_tokens + 1
        bins = max(1, min(bins, span))
        counts = [0] * bins
        for t in self.example_tokens:
            counts[(t - lo) * bins // span] += 1
        edges = [lo + span * i // bins for i in range(bins + 1)]
        return [(edges[i], edges[i + 1] - 1, counts[i]) for i in range(bins)]

    def _add_error(self, line: int, reason: str) -> None:
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(LineError(line, reason))
        else:
            self.errors_not_listed += 1


def per_example_limit(model: str) -> int:
    base = base_model_name(model)
    for prefix, limit in _EXAMPLE_LIMITS:
        if base == prefix or base.startswith(prefix + "-"):
            return limit
    return DEFAULT_EXAMPLE_LIMIT


def default_epochs(n_examples: int) -> int:
    """OpenAI's auto policy: 3 epochs, more for small sets, fewer for big ones; 0 when there is nothing to train."""
    if n_examples <= 0:
        return 0
    if n_examples * 3 < 100:
        return min(25, 100 // n_examples)
    if n_examples * 3 > 25000:
        return max(1, 25000 // n_examples)
    return 3


def billed_training_tokens(example_tokens: Iterable[int], model: str, epochs: int) -> int:
    """Tokens training bills: each example capped at the model's per-example limit, times the epochs."""
    if epochs < 0:
        raise EstimatorError(f"epochs must be 0 or more, got {epochs}", param="n_epochs")
    limit = per_example_limit(model)
    return sum(min(t, limit) for t in example_tokens) * epochs


def _is_legacy(model: str) -> bool:
    base = base_model_name(model)
    return any(base == m or base.startswith(m + "-") for m in LEGACY_MODELS)


class _OfflineImageSizer:
    """Sizes data: URL images from their header; remote ones get the worst case, and are counted for a warning."""

    def __init__(self) -> None:
        self.remote = 0

    def __call__(self, part: dict) -> tuple[int, int]:
        image_url = part.get("image_url")
        url = image_url.get("url") if isinstance(image_url, dict) else image_url
        if isinstance(url, str) and url.lower().startswith("data:"):
            width, height, _ = read_image_size(decode_data_url(url))
            return width, height
        self.remote += 1
        return WORST_CASE_IMAGE_SIZE


def _content_problem(message: dict) -> str | None:
    content = message.get("content")
    if content is None:
        has_call = message.get("function_call") or message.get("tool_calls")
        return None if has_call and message.get("role") == "assistant" else 'has no "content"'
    if isinstance(content, str):
        return None
    if not isinstance(content, list) or not content:
        return "content must be a string or a non-empty list of parts"
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in PART_TYPES:
            return f"content part type {kind!r} is not allowed; use {' or '.join(PART_TYPES)}"
        if kind == "text" and not isinstance(part.get("text"), str):
            return 'a text part needs a string "text"'
    return None


def _chat_problem(example: dict, model: str) -> str | None:
    messages = example.get("messages")
    if "prompt" in example or "completion" in example:
        legacy = " and ".join(LEGACY_MODELS)
        return f'{model} needs {{"messages": [...]}} lines; prompt/completion lines are for {legacy}'
    if messages is None:
        return 'missing "messages": each line needs {"messages": [{"role": ..., "content": ...}, ...]}'
    if not isinstance(messages, list) or not messages:
        return '"messages" must be a non-empty list'
    for i, message in enumerate(messages, start=1):
        if not isinstance(message, dict):
            return f"message {i} must be an object with role and content"
        role = message.get("role")
        if role not in ROLES:
            if role is None:
                return f'message {i} has no "role"'
            return f"message {i}: unknown role {role!r}; use {', '.join(ROLES)}"
        unknown = [k for k in message if k not in MESSAGE_KEYS]
        if unknown:
            return f"message {i}: unknown key {unknown[0]!r}; allowed: {', '.join(MESSAGE_KEYS)}"
        problem = _content_problem(message)
        if problem:
            return f"message {i} ({role}): {problem}"
        if "weight" in message:
            if role != "assistant":
                return f"message {i}: weight is only allowed on assistant messages"
            if type(message["weight"]) is not int or message["weight"] not in (0, 1):
                return f"message {i}: weight must be 0 or 1, got {message['weight']!r}"
    if not any(m["role"] == "assistant" for m in messages):
        return "no assistant message: each example needs at least one answer to learn from"
    return None


def _prompt_completion_problem(example: dict, model: str) -> str | None:
    if "messages" in example:
        return f'{model} needs {{"prompt": ..., "completion": ...}} lines, not "messages"'
    for key in ("prompt", "completion"):
        if not isinstance(example.get(key), str):
            return f'"{key}" must be a string' if key in example else f'missing "{key}"'
    extra = [k for k in example if k not in ("prompt", "completion")]
    return f"unknown key {extra[0]!r}; lines hold only prompt and completion" if extra else None


def _decode(raw: bytes | str, line_no: int) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")  # UnicodeDecodeError is reported by the caller with the byte position
    if line_no == 1:
        raw = raw.removeprefix("\ufeff")  # editors on Windows write a BOM; tolerate it at the file start
    return raw


Progress = Callable[[int, int], None]  # (lines read, bytes read)
PROGRESS_EVERY_LINES = 5000


def _example_tokens(example: dict, model: str, legacy: bool, sizer: _OfflineImageSizer) -> tuple[int, bool]:
    if legacy:
        prompt, completion = count_text(example["prompt"], model), count_text(example["completion"], model)
        return prompt.tokens + completion.tokens, prompt.approximate or completion.approximate
    counted = count_chat_tokens(example["messages"], model, image_size=sizer)
    return counted.prompt_tokens, counted.approximate


def _json_problem(error: JSONInputError) -> str:
    cause = error.__cause__
    if isinstance(cause, json.JSONDecodeError):  # the column is what an editor shows on a one-line example
        return f"invalid JSON at column {cause.colno}: {cause.msg}"
    return str(error)


def validate_training_jsonl(
    lines: Iterable[bytes | str], model: str, *, max_bytes: int | None = None, progress: Progress | None = None
) -> DatasetReport:
    """Check a training file line by line, listing each broken line; valid lines are counted regardless.

    `progress`, when given, is called every PROGRESS_EVERY_LINES lines, every huge line and at the end.
    """
    encoding_name_for_model(model)  # an unknown model fails once, up front, not on every line
    legacy = _is_legacy(model)
    report = DatasetReport(format="prompt_completion" if legacy else "chat")
    limit = per_example_limit(model)
    if isinstance(lines, str | bytes):
        lines = lines.splitlines()
    seen_bytes = 0
    sizer = _OfflineImageSizer()
    line_no = 0
    for line_no, raw in enumerate(lines, start=1):
        size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", errors="replace"))
        seen_bytes += size
        if progress is not None and (line_no % PROGRESS_EVERY_LINES == 0 or size > 1_000_000):
            progress(line_no, seen_bytes)
        if max_bytes is not None and seen_bytes > max_bytes:
            raise TooLarge(f"training file is over {max_bytes:,} bytes (at line {line_no})", param="training_file")
        try:
            text = _decode(raw, line_no)
        except UnicodeDecodeError as e:
            report._add_error(line_no, f"not UTF-8 at byte {e.start + 1}: save the file as UTF-8")
            continue
        if not text.strip():
            continue
        try:
            example = loads_bounded(text)
        except JSONInputError as e:
            report._add_error(line_no, _json_problem(e))
            continue
        if not isinstance(example, dict):
            report._add_error(line_no, f"each line must be a JSON object, got {type(example).__name__}")
            continue
        problem = _prompt_completion_problem(example, model) if legacy else _chat_problem(example, model)
        if problem:
            report._add_error(line_no, problem)
            continue
        try:
            tokens, approximate = _example_tokens(example, model, legacy, sizer)
        except EstimatorError as e:
            report._add_error(line_no, str(e))
            continue
        report.approximate_examples += approximate
        report.examples += 1
        report.example_tokens.append(tokens)
        report.truncated_examples += tokens > limit
    if progress is not None:
        progress(line_no, seen_bytes)
    _add_warnings(report, limit, sizer.remote)
    return report


def _counted(n: int, one: str, many: str) -> str:
    """ "1 example is", "2 examples are": the number with the words that agree with it."""
    return f"1 {one}" if n == 1 else f"{n:,} {many}"


def _add_warnings(report: DatasetReport, limit: int, remote_images: int) -> None:
    if report.examples < MIN_EXAMPLES:
        examples = _counted(report.examples, "valid example", "valid examples")
        report.warnings.append(f"{examples}; fine-tuning needs at least {MIN_EXAMPLES}")
    if report.approximate_examples:
        which = _counted(report.approximate_examples, "example's token count is", "examples' token counts are")
        report.warnings.append(f"{which} {APPROXIMATE_RUNS_NOTE}")
    if report.truncated_examples:
        which = _counted(report.truncated_examples, "example is", "examples are")
        report.warnings.append(f"{which} over the {limit:,}-token limit per example and will be truncated")
    if remote_images:
        which = _counted(remote_images, "image given by URL", "images given by URL")
        report.warnings.append(
            f"{which} can't be fetched offline; each was counted at the most a "
            f"high-detail image can cost ({WORST_CASE_IMAGE_SIZE[0]} x {WORST_CASE_IMAGE_SIZE[1]})"
        )
    if report.errors_not_listed:
        which = _counted(report.errors_not_listed, "more broken line is", "more broken lines are")
        report.warnings.append(f"{which} not listed")
