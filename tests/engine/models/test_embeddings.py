"""all-MiniLM-L6-v2 behind the embeddings API: 384-dimensional unit vectors that place meaning."""

from __future__ import annotations

import math

import openai
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.models]


def _cosine(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_related_sentences_are_closer_than_unrelated_ones(real_sdk):
    texts = ["A cat sleeps on the warm windowsill.", "The kitten is napping in the sun by the window.",
             "Quarterly tax filings are due at the end of the month."]
    data = real_sdk.embeddings.create(model="embeddings", input=texts).data
    cat, kitten, taxes = (d.embedding for d in data)
    assert len(cat) == 384
    assert all(abs(math.sqrt(sum(v * v for v in e)) - 1) < 1e-4 for e in (cat, kitten, taxes))
    assert _cosine(cat, kitten) > _cosine(cat, taxes) + 0.2


def test_dimensions_shortens_the_vector_and_above_384_is_refused(real_sdk):
    short = real_sdk.embeddings.create(model="embeddings", input="hello there", dimensions=64).data[0].embedding
    assert len(short) == 64 and abs(math.sqrt(sum(v * v for v in short)) - 1) < 1e-4
    with pytest.raises(openai.BadRequestError) as refused:
        real_sdk.embeddings.create(model="embeddings", input="hello there", dimensions=385)
    assert refused.value.body["param"] == "dimensions"
