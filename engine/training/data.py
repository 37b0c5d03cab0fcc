"""Training examples as token ids and labels: the chat template llama.cpp uses, loss on assistant tokens only."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.backends.llamacpp import chat_messages

IGNORE = -100  # the label torch's cross-entropy skips


@dataclass
class Example:
    ids: list[int]
    labels: list[int]

    @property
    def learned_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def encode_chat(example: dict[str, Any], tokenize: Callable[[str], list[int]], max_tokens: int) -> Example:
    """ChatML as SmolLM2's template writes it, with the engine's default system message when the example has none
    (the same one inference adds). Assistant content and its end marker are learned unless `weight` is 0."""
    ids: list[int] = []
    labels: list[int] = []
    weights = [m.get("weight", 1) for m in example["messages"]]
    plain = chat_messages(example["messages"])
    offset = len(plain) - len(weights)  # a default system message may have been put first
    for i, message in enumerate(plain):
        header = tokenize(f"<|im_start|>{message['role']}\n")
        body = tokenize(f"{message['content']}<|im_end|>")
        newline = tokenize("\n")
        learned = message["role"] == "assistant" and i >= offset and weights[i - offset] != 0
        ids += header + body + newline
        labels += [IGNORE] * len(header) + (body if learned else [IGNORE] * len(body)) + [IGNORE] * len(newline)
    return Example(ids[:max_tokens], labels[:max_tokens])


@dataclass
class Pair:
    """A DPO example: the same prompt with the preferred and the non-preferred answer, only the answers learned."""

    preferred: Example
    non_preferred: Example

    @property
    def learned_tokens(self) -> int:
        return min(self.preferred.learned_tokens, self.non_preferred.learned_tokens)


def encode_pair(example: dict[str, Any], tokenize: Callable[[str], list[int]], max_tokens: int) -> Pair:
    # Earlier assistant turns in the input are context, not an answer to prefer: never learned.
    prompt = [{**m, "weight": 0} if m.get("role") == "assistant" else m for m in example["input"]["messages"]]
    return Pair(*(encode_chat({"messages": prompt + [{**example[key][0], "weight": 1}]}, tokenize, max_tokens)
                  for key in ("preferred_output", "non_preferred_output")))


def batches(examples: list[Any], size: int, order: list[int]) -> list[list[Any]]:
    picked = [examples[i] for i in order]
    return [picked[i:i + size] for i in range(0, len(picked), size)]
