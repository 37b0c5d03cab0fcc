"""Embeddings against the engine over real HTTP: the similarity matrix, the nearest-to ranking, tokens and cost."""

from __future__ import annotations

import math

import pytest
from openai import AzureOpenAI

from playground.kinds import embeddings
from playground.kinds.common import CallRefused
from studio.usage.models import UsageRecord
from tests.engine_server import API_VERSION
from tests.playground_kinds.conftest import post_json

INPUTS = ["The cat sat on the mat.", "A kitten rests on a rug.", "Quarterly revenue grew by four percent."]


def _cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_the_similarity_matrix_of_three_inputs_matches_a_computation_here(kinds, developer, engine):
    answer = post_json(developer, "/playground/embeddings/run/",
                       {"deployment": kinds["embeddings"].pk, "inputs": INPUTS, "query": "a small cat"})
    assert answer.status_code == 200, answer.content
    result = answer.json()
    matrix = result["matrix"]
    assert len(matrix) == 3 and all(len(row) == 3 for row in matrix)
    for i in range(3):
        assert matrix[i][i] == pytest.approx(1.0)
        for j in range(3):
            assert matrix[i][j] == matrix[j][i]

    # The same vectors, fetched here straight from the engine, give the same similarities.
    direct = AzureOpenAI(azure_endpoint=engine.url, api_key=engine.api_key, api_version=API_VERSION, max_retries=0)
    vectors = [item.embedding for item in direct.embeddings.create(model="embeddings", input=INPUTS).data]
    for i in range(3):
        for j in range(3):
            assert matrix[i][j] == pytest.approx(_cosine(vectors[i], vectors[j]), abs=1e-5)

    query = direct.embeddings.create(model="embeddings", input=["a small cat"]).data[0].embedding
    expected = sorted(range(3), key=lambda i: -_cosine(query, vectors[i]))
    assert [row["index"] for row in result["nearest"]] == expected
    assert result["nearest"][0]["similarity"] == pytest.approx(_cosine(query, vectors[expected[0]]), abs=1e-5)

    first = result["inputs"][0]
    assert first["dimension"] == 1536 and first["norm"] == pytest.approx(math.sqrt(sum(v * v for v in vectors[0])),
                                                                          abs=1e-4)
    assert first["first"] == pytest.approx(vectors[0][:embeddings.FIRST_VALUES], abs=1e-5)
    assert all(item["tokens"] > 0 and item["cost"] is not None for item in result["inputs"])
    assert result["usage"]["prompt_tokens"] == sum(i["tokens"] for i in result["inputs"]) + result["query_tokens"]


def test_each_call_is_recorded_with_its_tokens_and_cost_and_no_text(kinds, developer, flushed_usage):
    post_json(developer, "/playground/embeddings/run/", {"deployment": kinds["embeddings"].pk, "inputs": INPUTS})
    [record] = flushed_usage()
    assert record.kind == UsageRecord.Kind.EMBEDDINGS and record.status == UsageRecord.Status.OK
    assert record.prompt_tokens > 0 and record.cost > 0 and record.upstream_request_id
    assert not any(text in str(vars(record)) for text in INPUTS)


def test_dimensions_shorten_the_vectors(kinds, developer):
    answer = post_json(developer, "/playground/embeddings/run/",
                       {"deployment": kinds["embeddings"].pk, "inputs": INPUTS[:2], "dimensions": 256})
    assert answer.status_code == 200, answer.content
    assert answer.json()["dimensions"] == 256


def test_bad_input_is_refused_with_a_reason(kinds, developer):
    empty = post_json(developer, "/playground/embeddings/run/", {"deployment": kinds["embeddings"].pk, "inputs": []})
    assert empty.status_code == 400 and "at least one input" in empty.json()["error"]["message"]
    huge = post_json(developer, "/playground/embeddings/run/",
                     {"deployment": kinds["embeddings"].pk, "inputs": INPUTS, "dimensions": 5000})
    assert huge.status_code == 400 and huge.json()["error"]["param"] == "dimensions"
    wrong = post_json(developer, "/playground/embeddings/run/", {"deployment": kinds["chat"].pk, "inputs": INPUTS})
    assert wrong.status_code == 400 and "chat deployment" in wrong.json()["error"]["message"]
    with pytest.raises(CallRefused, match="fixed vector size"):
        embeddings.clean_dimensions("text-embedding-ada-002", 512)


def test_a_viewer_sees_the_page_but_cannot_embed(kinds, client_as, viewer_user):
    viewer = client_as(viewer_user)
    page = viewer.get("/playground/embeddings/")
    assert page.status_code == 200 and b"Cosine similarity" in page.content
    assert post_json(viewer, "/playground/embeddings/run/",
                     {"deployment": kinds["embeddings"].pk, "inputs": INPUTS}).status_code == 403
