"""The Files API: upload, validation (pending -> processed | error), list, get, content, delete, limits."""

from __future__ import annotations

import io
import json

import openai
import pytest

from tests.engine.conftest import training_jsonl, upload_training_file
from tests.engine_server import API_VERSION


def test_valid_training_file_goes_from_pending_to_processed(sdk):
    data = training_jsonl(12)
    created = sdk.files.create(file=("train.jsonl", io.BytesIO(data)), purpose="fine-tune")
    assert created.status == "pending" and created.bytes == len(data) and created.filename == "train.jsonl"
    processed = upload_training_file(sdk, data)
    assert processed.status == "processed" and processed.status_details is None
    assert sdk.files.retrieve(processed.id).status == "processed"
    assert sdk.files.content(processed.id).content == data


def test_invalid_lines_are_listed_by_number_in_status_details(sdk):
    lines = training_jsonl(11).decode().splitlines()
    lines[2] = "{not json"
    lines[4] = json.dumps({"messages": [{"role": "user", "content": "no answer"}]})
    record = upload_training_file(sdk, ("\n".join(lines) + "\n").encode(), "broken.jsonl")
    assert record.status == "error"
    assert "line 3: invalid JSON" in record.status_details
    assert "line 5: no assistant message" in record.status_details


def test_too_few_examples_is_an_error(sdk):
    record = upload_training_file(sdk, training_jsonl(3))
    assert record.status == "error" and "at least 10" in record.status_details


def test_upload_answers_201_with_location(http, engine):
    response = http.post("/openai/files", params={"api-version": API_VERSION}, headers=engine.api_headers,
                         files={"file": ("notes.jsonl", b'{"a": 1}\n')}, data={"purpose": "batch"})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "processed" and body["object"] == "file" and body["id"].startswith("file-")
    assert response.headers["location"].startswith(f"{engine.url}/openai/files/{body['id']}?api-version=")


def test_list_filters_by_purpose_and_delete_removes_the_file(sdk):
    kept = upload_training_file(sdk, training_jsonl(10), wait=False)
    other = sdk.files.create(file=("b.jsonl", io.BytesIO(b"{}\n")), purpose="batch")
    fine_tune_ids = {f.id for f in sdk.files.list(purpose="fine-tune")}
    assert kept.id in fine_tune_ids and other.id not in fine_tune_ids
    deleted = sdk.files.delete(other.id)
    assert deleted.deleted is True and deleted.id == other.id
    with pytest.raises(openai.NotFoundError) as missing:
        sdk.files.retrieve(other.id)
    assert missing.value.body["code"] == "notFound"


@pytest.mark.parametrize(("purpose", "name"), [("fine-tune-results", "x.jsonl"), ("training", "x.jsonl"),
                                               ("fine-tune", "x.csv")])
def test_bad_purpose_or_extension_is_400(http, engine, purpose, name):
    response = http.post("/openai/files", params={"api-version": API_VERSION}, headers=engine.api_headers,
                         files={"file": (name, b"{}\n")}, data={"purpose": purpose})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalidPayload"


def test_upload_over_the_size_limit_is_413(http, engine):
    big = b"x" * 2_100_000  # the session engine allows 2,000,000 bytes
    response = http.post("/openai/files", params={"api-version": API_VERSION}, headers=engine.api_headers,
                         files={"file": ("big.jsonl", big)}, data={"purpose": "fine-tune"})
    assert response.status_code == 413
    assert "2000000" in response.json()["error"]["message"]
