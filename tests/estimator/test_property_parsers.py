"""Generated input thrown at every estimator parser: always a 2xx or a 4xx with a message, never a 5xx."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shared_rules.datasets import validate_training_jsonl
from shared_rules.errors import EstimatorError

# The client and the user are built once per test, not per example; requests change nothing they depend on.
PROPERTY = hypothesis_settings(
    max_examples=40, deadline=None, database=None, derandomize=True,  # the same examples each run: reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

SCALARS = st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | st.floats(
    allow_nan=False, allow_infinity=False) | st.text(max_size=40)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                          max_size=4), max_leaves=25)
MODELS = st.sampled_from(["gpt-4o", "gpt-4o-mini", "gpt-4", "text-embedding-3-small", "gpt-5.4-mini", "llama", ""])
MODELS = MODELS | st.text(max_size=20)
PART = st.fixed_dictionaries({"type": st.sampled_from(["text", "image_url", "image_size", "audio"])}, optional={
    "text": JSON, "width": JSON, "height": JSON, "detail": st.sampled_from(["low", "high", "auto", "x"]) | JSON,
    "image_url": JSON | st.fixed_dictionaries({"url": st.sampled_from(["data:image/png;base64,AAAA", "http://x",
                                                                       "data:image/png;base64,!!"]) | st.text()}),
})
MESSAGE = st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant", "tool"]) | JSON}, optional={
    "content": st.text(max_size=30) | st.lists(PART, max_size=3) | JSON, "name": JSON, "tool_calls": JSON,
})
BODY = st.fixed_dictionaries({"model": MODELS | JSON}, optional={
    "text": st.text(max_size=50) | JSON, "messages": st.lists(MESSAGE, max_size=3) | JSON,
    "prompt": st.text(max_size=20) | st.lists(st.integers(min_value=-5, max_value=300_000), max_size=5) | JSON,
    "max_output_tokens": JSON, "deployment_type": st.sampled_from(["Standard", "Batch", "GlobalBatch"]) | JSON,
}) | JSON
FORM_TEXT = st.text(max_size=30)
# Nesting as deep as a hostile client likes: Python's decoder gives up past ~1,000 levels with a RecursionError.
DEEP = st.integers(min_value=1, max_value=200_000).flatmap(
    lambda n: st.sampled_from(["[" * n + "]" * n, '{"a":' * n + "1" + "}" * n]))


def assert_handled(response):
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400 and response["Content-Type"] == "application/json":
        assert response.json()["error"]["message"]


@pytest.fixture
def dev(client_as, developer_user):
    return client_as(developer_user)


@PROPERTY
@given(body=BODY)
def test_the_api_answers_any_json_with_an_answer_or_a_clear_400(dev, body):
    response = dev.post("/api/v1/estimate", json.dumps(body), content_type="application/json")
    assert_handled(response)
    assert response.status_code in (200, 400, 413)


@PROPERTY
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode) | DEEP.map(
    lambda deep: f'{{"model": "gpt-4o", "messages": {deep}}}'.encode()))
def test_the_api_answers_any_bytes(dev, raw):
    response = dev.post("/api/v1/estimate", raw, content_type="application/json")
    assert_handled(response)


@PROPERTY
@given(model=MODELS, text=FORM_TEXT, deployment_type=FORM_TEXT)
def test_text_mode_takes_any_form_values(dev, model, text, deployment_type):
    assert_handled(dev.post("/estimator/", {"model": model, "text": text, "deployment_type": deployment_type}))


@PROPERTY
@given(fields=st.dictionaries(
    st.sampled_from(["model", "deployment_type", "messages-TOTAL_FORMS", "messages-INITIAL_FORMS",
                     "messages-0-role", "messages-0-text", "messages-0-name", "messages-0-image_width",
                     "messages-0-image_height", "messages-0-image_detail", "messages-0-DELETE", "add_message",
                     "messages-1-role"]),
    FORM_TEXT | st.integers(min_value=-(10**12), max_value=10**12).map(str), max_size=12))
def test_chat_mode_takes_any_form_values(dev, fields):
    assert_handled(dev.post("/estimator/chat/", fields))
    assert_handled(dev.get("/estimator/chat/message/", {k: v for k, v in fields.items() if "TOTAL" in k}))


@PROPERTY
@given(model=MODELS, detail=FORM_TEXT, sizes=FORM_TEXT | st.tuples(
    st.integers(min_value=-5, max_value=10**12), st.integers(min_value=-5, max_value=10**12)).map(
        lambda s: f"{s[0]}x{s[1]}"), data=st.binary(max_size=64))
def test_image_mode_takes_any_form_values_and_files(dev, model, detail, sizes, data):
    upload = SimpleUploadedFile("x.png", data, content_type="image/png")
    assert_handled(dev.post("/estimator/image/", {"model": model, "detail": detail, "sizes": sizes,
                                                  "images": [upload]}))


@PROPERTY
@given(query=st.dictionaries(st.sampled_from(["model", "input_tokens", "output_tokens", "requests_per_day",
                                              "cached_input_tokens", "deployment_type", "batch"]),
                             FORM_TEXT | st.integers(min_value=-(10**40), max_value=10**40).map(str), max_size=6))
def test_cost_mode_takes_any_query(dev, query):
    assert_handled(dev.get("/estimator/cost/", query))


JSONL_LINE = JSON.map(json.dumps) | st.text(max_size=60) | DEEP | st.builds(
    lambda messages: json.dumps({"messages": messages}), st.lists(MESSAGE, max_size=3))


@PROPERTY
@given(lines=st.lists(JSONL_LINE, max_size=8), epochs=FORM_TEXT, model=FORM_TEXT | st.sampled_from(
    ["gpt-4o-mini", "gpt-4.1", "babbage-002"]))
def test_dataset_mode_takes_any_jsonl_and_form_values(dev, settings, lines, epochs, model):
    settings.STUDIO_INLINE_DATASET_BYTES = 10**9  # checked while the request waits: no worker in this test
    upload = SimpleUploadedFile("t.jsonl", "\n".join(lines).encode("utf-8", "surrogatepass"))
    assert_handled(dev.post("/estimator/dataset/", {"model": model, "epochs": epochs,
                                                    "deployment_type": "GlobalStandard", "training_file": upload}))


@PROPERTY
@given(lines=st.lists(JSONL_LINE | st.binary(max_size=40), max_size=8))
def test_the_dataset_rule_lists_any_line_it_cannot_count(lines):
    try:
        report = validate_training_jsonl(lines, "gpt-4o")
    except EstimatorError:
        return  # a whole-file problem, said with a message
    assert report.examples + report.error_count <= len(lines)
    assert all(error.reason for error in report.errors)


@PROPERTY
@given(fields=st.dictionaries(
    st.sampled_from(["model", "kind", "deployment_type", "tier", "input_per_1m", "output_per_1m", "cached_input_per_1m",
                     "cache_write_per_1m", "unit_price", "size", "quality", "currency", "effective_from", "source",
                     "source_date"]),
    FORM_TEXT | st.decimals(allow_nan=False, allow_infinity=False).map(str) | st.dates().map(str), max_size=12))
def test_the_price_form_takes_any_values(client_as, admin_user, fields):
    assert_handled(client_as(admin_user).post("/estimator/prices/new/", fields))


@PROPERTY
@given(query=st.dictionaries(st.sampled_from(["q", "kind", "deployment_type", "family", "history", "page"]),
                             FORM_TEXT, max_size=6))
def test_the_price_table_takes_any_filter(dev, query):
    assert_handled(dev.get("/estimator/prices/", query))


@PROPERTY
@given(fields=st.dictionaries(
    st.sampled_from(["name", "family", "kind", "encoding", "tokenizer_published", "context", "max_output", "image_rule",
                     "tile_base", "tile_tokens", "patch_multiplier", "patch_budget", "status", "retires_on",
                     "successor", "source"]),
    FORM_TEXT | st.integers(min_value=-(10**12), max_value=10**12).map(str) | st.sampled_from(
        ["tile", "patch", "o200k_base", "ga", "retired", "chat", "1.5", "2026-12-01"]), max_size=16))
def test_the_model_form_takes_any_values(client_as, admin_user, fields):
    assert_handled(client_as(admin_user).post("/estimator/models/new/", fields))
