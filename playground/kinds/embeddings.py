"""Embeddings: several inputs in one call, their vectors summarised, cosine similarities and a nearest-to query."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from playground.kinds.common import CallRefused, record_call, record_failure
from shared_rules.errors import EstimatorError
from shared_rules.models import base_name
from shared_rules.tokens import count_text_tokens
from studio.upstream import media
from studio.upstream.errors import UpstreamError
from studio.usage.models import UsageRecord
from studio.usage.records import tariff_for

MAX_INPUTS = 64  # Azure takes 2048; a similarity matrix past 64 rows is no longer readable
MAX_INPUT_TOKENS = 8191
FIRST_VALUES = 6
NATIVE_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


def native_dimensions(model: str) -> int | None:
    name = base_name(model)
    return next((size for known, size in NATIVE_DIMENSIONS.items() if name.startswith(known)), None)


def dimensions_settable(model: str) -> bool:
    """Only text-embedding-3-* take `dimensions` (trap 21)."""
    return base_name(model).startswith("text-embedding-3")


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms else 0.0


def similarity_matrix(vectors: list[list[float]]) -> list[list[float]]:
    """Cosine similarity of every pair; computed once per pair, so it is symmetric by construction."""
    size = len(vectors)
    matrix = [[1.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            matrix[i][j] = matrix[j][i] = cosine(vectors[i], vectors[j])
    return matrix


def clean_inputs(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = raw.splitlines()
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise CallRefused("inputs must be texts, one per line", param="inputs")
    inputs = [item.strip() for item in raw if item.strip()]
    if not inputs:
        raise CallRefused("type at least one input (one per line)", param="inputs")
    if len(inputs) > MAX_INPUTS:
        raise CallRefused(f"{len(inputs)} inputs: the playground compares at most {MAX_INPUTS} at once",
                          param="inputs")
    return inputs


def clean_dimensions(model: str, raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    if not dimensions_settable(model):
        raise CallRefused(f"{model} has a fixed vector size; dimensions is for text-embedding-3 models only",
                          param="dimensions")
    try:
        value = int(raw)
    except (TypeError, ValueError) as error:
        raise CallRefused("dimensions must be a whole number", param="dimensions") from error
    native = native_dimensions(model) or 3072
    if not 1 <= value <= native:
        raise CallRefused(f"dimensions must be between 1 and {native} for {model}", param="dimensions")
    return value


@dataclass
class InputSummary:
    text: str
    tokens: int
    cost: str | None
    dimension: int
    norm: float
    first: list[float]

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "tokens": self.tokens, "cost": self.cost, "dimension": self.dimension,
                "norm": round(self.norm, 6), "first": [round(value, 6) for value in self.first]}


def _tokens(text: str, model: str) -> int:
    try:
        return count_text_tokens(text, model)
    except EstimatorError:
        return len(text.split())  # an unknown tokenizer: a rough figure rather than none


def embeddings_run(user, deployment, *, inputs: Any, dimensions: Any = None, query: Any = "") -> dict[str, Any]:
    """Embed the inputs (and the query, in the same call), summarise, compare, rank; one usage record."""
    texts = clean_inputs(inputs)
    size = clean_dimensions(deployment.model_name, dimensions)
    query = query.strip() if isinstance(query, str) else ""
    for index, text in enumerate(texts + ([query] if query else [])):
        tokens = _tokens(text, deployment.model_name)
        if tokens > MAX_INPUT_TOKENS:
            which = "the query" if index == len(texts) else f"input {index + 1}"
            raise CallRefused(f"{which} has {tokens} tokens; an embedding input takes at most {MAX_INPUT_TOKENS}",
                              param="inputs")
    tariff = tariff_for(deployment)
    started = time.perf_counter()
    try:
        answer = media.embeddings_create(deployment.resource, deployment.name, texts + ([query] if query else []),
                                         dimensions=size)
    except UpstreamError as error:
        record_failure(deployment, user, UsageRecord.Kind.EMBEDDINGS, error,
                       round((time.perf_counter() - started) * 1000))
        raise
    vectors = answer.vectors[:len(texts)]
    query_vector = answer.vectors[len(texts)] if query and len(answer.vectors) > len(texts) else None
    total_cost = tariff.tokens(answer.prompt_tokens, 0)
    record_call(deployment, user, UsageRecord.Kind.EMBEDDINGS, prompt_tokens=answer.prompt_tokens,
                completion_tokens=0, cost=total_cost, currency=tariff.row.currency if tariff.row else "USD",
                latency_ms=answer.latency_ms, http_status=answer.status, upstream_request_id=answer.request_id)
    summaries = []
    for text, vector in zip(texts, vectors, strict=True):
        tokens = _tokens(text, deployment.model_name)
        cost = tariff.tokens(tokens, 0)
        summaries.append(InputSummary(text, tokens, None if cost is None else str(cost), len(vector),
                                      math.sqrt(sum(v * v for v in vector)), vector[:FIRST_VALUES]))
    nearest = []
    if query_vector is not None:
        nearest = sorted(({"index": i, "text": text, "similarity": round(cosine(query_vector, vector), 6)}
                          for i, (text, vector) in enumerate(zip(texts, vectors, strict=True))),
                         key=lambda row: -row["similarity"])
    return {
        "inputs": [summary.as_json() for summary in summaries],
        "matrix": [[round(value, 6) for value in row] for row in similarity_matrix(vectors)],
        "query": query, "nearest": nearest,
        "query_tokens": _tokens(query, deployment.model_name) if query else 0,
        "usage": {"prompt_tokens": answer.prompt_tokens},
        "cost": None if total_cost is None else str(total_cost),
        "currency": tariff.row.currency if tariff.row else "USD",
        "latency_ms": answer.latency_ms, "request_id": answer.request_id,
        "dimensions": len(vectors[0]) if vectors else 0,
    }
