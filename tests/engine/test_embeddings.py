"""Embeddings: deterministic unit vectors, dimensions, base64, token arrays and usage."""

from __future__ import annotations

import base64
import math
import struct

import pytest

from shared_rules.tokens import count_text_tokens


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


def test_vectors_are_unit_length_and_the_same_for_the_same_text(sdk):
    answer = sdk.embeddings.create(model="embeddings", input=["a river", "a bridge", "a river"])
    vectors = [d.embedding for d in answer.data]
    assert [d.index for d in answer.data] == [0, 1, 2]
    assert all(len(v) == 1536 and norm(v) == pytest.approx(1.0) for v in vectors)
    assert vectors[0] == vectors[2] and vectors[0] != vectors[1]
    assert answer.model == "text-embedding-3-small"
    expected = sum(count_text_tokens(t, "text-embedding-3-small") for t in ["a river", "a bridge", "a river"])
    assert answer.usage.prompt_tokens == answer.usage.total_tokens == expected


def test_dimensions_shorten_the_vector_and_keep_it_unit_length(sdk):
    full = sdk.embeddings.create(model="embeddings", input="a river").data[0].embedding
    short = sdk.embeddings.create(model="embeddings", input="a river", dimensions=256).data[0].embedding
    assert len(short) == 256 and norm(short) == pytest.approx(1.0)
    scale = norm(full[:256])
    assert short == pytest.approx([x / scale for x in full[:256]])


def test_dimensions_on_ada_002_is_400(post):
    response = post("ada", "embeddings", {"input": "x", "dimensions": 256})
    assert response.status_code == 400 and response.json()["error"]["param"] == "dimensions"


def test_base64_decodes_to_the_same_float32_values(post):
    floats = post("embeddings", "embeddings", {"input": "a river"}).json()["data"][0]["embedding"]
    encoded = post("embeddings", "embeddings", {"input": "a river", "encoding_format": "base64"}).json()
    decoded = struct.unpack(f"<{len(floats)}f", base64.b64decode(encoded["data"][0]["embedding"]))
    assert list(decoded) == pytest.approx(floats, abs=1e-7)


def test_token_array_input_gives_the_vector_of_the_text_it_spells(sdk):
    text = sdk.embeddings.create(model="embeddings", input="hello world").data[0].embedding
    tokens = sdk.embeddings.create(model="embeddings", input=[[15339, 1917]])  # cl100k "hello world"
    assert tokens.data[0].embedding == text
    assert tokens.usage.prompt_tokens == 2


@pytest.mark.parametrize("bad", [[], [""], ["x"] * 2049, 5])
def test_input_outside_the_limits_is_400(post, bad):
    response = post("embeddings", "embeddings", {"input": bad})
    assert response.status_code == 400 and response.json()["error"]["param"] == "input"
