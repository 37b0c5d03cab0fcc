"""POST /api/v1/estimate: the contract others rely on, its figures, and every bad input answered as JSON."""

import base64
import io
import json
import struct
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from studio.estimator.models import Price
from studio.resources.models import Deployment, Resource

URL = "/api/v1/estimate"
ANSWER_KEYS = {"model", "deployment", "encoding", "prompt_tokens", "text_tokens", "image_tokens", "output_tokens",
               "images", "deployment_type", "cost", "cost_note", "approximate", "notes", "model_notes"}
COST_KEYS = {"input", "output", "total", "currency", "price_effective", "price_model", "input_per_1m",
             "output_per_1m", "price_source", "price_source_date"}


def png_bytes(width, height):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def image_size(width, height, detail="high"):
    return {"type": "image_size", "width": width, "height": height, "detail": detail}


def chat_with(*parts):
    return [{"role": "user", "content": list(parts)}]


@pytest.fixture
def api(client_as, developer_user):
    client = client_as(developer_user)

    def post(body, **extra):
        raw = body if isinstance(body, str | bytes) else json.dumps(body)
        return client.post(URL, raw, content_type="application/json", **extra)

    return post


def error_of(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"code", "message", "param"}
    return error


# --- The contract ---
def test_a_text_answer_has_every_field_and_exact_decimal_costs(api):
    answer = api({"model": "gpt-4o", "text": "hello world", "max_output_tokens": 100}).json()
    assert set(answer) == ANSWER_KEYS
    assert answer["model"] == "gpt-4o" and answer["deployment"] is None
    assert (answer["encoding"], answer["prompt_tokens"], answer["text_tokens"]) == ("o200k_base", 2, 2)
    assert (answer["image_tokens"], answer["images"], answer["output_tokens"]) == (0, [], 100)
    assert answer["deployment_type"] == "GlobalStandard" and answer["cost_note"] is None
    assert answer["cost"] == {
        "input": "0.000005", "output": "0.001", "total": "0.001005", "currency": "USD",
        "price_effective": "2026-11-30", "price_model": "gpt-4o", "input_per_1m": "2.5", "output_per_1m": "10",
        "price_source": "AZR: Azure Retail Prices API (azure-genai-prices 0.2.0 snapshot)",
        "price_source_date": "2026-08-11",
    }


def test_empty_text_is_zero_tokens_not_an_error(api):
    answer = api({"model": "gpt-4o", "text": ""}).json()
    assert (answer["prompt_tokens"], answer["cost"]["total"]) == (0, "0")


def test_messages_count_the_overhead_per_message_name_and_reply(api):
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},  # 3 + role 1 + text 6
        {"role": "user", "name": "ada", "content": "hello world"},  # 3 + role 1 + name 1 (+1) + text 2
    ]
    answer = api({"model": "gpt-4o", "messages": messages}).json()
    assert answer["prompt_tokens"] == answer["text_tokens"] == 10 + 8 + 3


def test_a_legacy_prompt_counts_its_text_or_token_ids(api):
    assert api({"model": "gpt-35-turbo-instruct", "prompt": "hello world"}).json()["prompt_tokens"] == 2
    assert api({"model": "gpt-35-turbo-instruct", "prompt": [[1, 2, 3], [4]]}).json()["prompt_tokens"] == 4


@pytest.mark.parametrize(
    "model, part, image",
    [
        ("gpt-4o", image_size(2048, 4096), {"width": 2048, "height": 4096, "detail": "high",
                                            "resized": [768, 1536], "tiles": 6, "tokens": 1105}),
        ("gpt-4o", image_size(2048, 4096, "low"), {"width": 2048, "height": 4096, "detail": "low",
                                                   "resized": [2048, 4096], "tiles": 0, "tokens": 85}),
        ("gpt-4o-mini", image_size(1024, 1024), {"width": 1024, "height": 1024, "detail": "high",
                                                 "resized": [768, 768], "tiles": 4, "tokens": 25501}),
    ],
)
def test_image_size_parts_follow_the_worked_examples(api, model, part, image):
    answer = api({"model": model, "messages": chat_with(part)}).json()
    assert answer["images"] == [image]
    assert answer["image_tokens"] == image["tokens"]
    assert answer["prompt_tokens"] == image["tokens"] + answer["text_tokens"]


def test_a_data_url_image_is_sized_from_its_header(api):
    part = {"type": "image_url", "image_url": {"url": data_url(png_bytes(2048, 4096)), "detail": "high"}}
    answer = api({"model": "gpt-4o", "messages": chat_with({"type": "text", "text": "what is this?"}, part)}).json()
    assert answer["images"][0]["tokens"] == 1105
    assert answer["image_tokens"] == 1105


def test_gpt_4o_mini_image_cost_is_exact_from_the_seeded_price(api):
    answer = api({"model": "gpt-4o-mini", "messages": chat_with(image_size(1024, 1024))}).json()
    tokens = answer["prompt_tokens"]
    assert Decimal(answer["cost"]["input"]) == Decimal(tokens) * Decimal("0.15") / 1_000_000
    assert answer["cost"]["price_model"] == "gpt-4o-mini"


def test_batch_is_half_the_global_standard_price(api):
    body = {"model": "gpt-4o", "text": "", "max_output_tokens": 1_000_000}
    standard = api({**body, "deployment_type": "GlobalStandard"}).json()["cost"]
    batch = api({**body, "deployment_type": "Batch"}).json()
    assert batch["deployment_type"] == "Batch"
    assert Decimal(standard["output"]) == Decimal("10")
    assert Decimal(batch["cost"]["output"]) == Decimal("5")
    assert Decimal(batch["cost"]["input_per_1m"]) == Decimal("1.25")


def test_costs_are_plain_decimal_strings_never_exponents(api):
    cost = api({"model": "gpt-4o-mini", "text": "hi"}).json()["cost"]
    assert cost["input"] == "0.00000015"


def test_a_deployment_name_resolves_to_its_model_version_and_type(api, db):
    resource = Resource.objects.create(name="east", endpoint="https://east.openai.azure.com")
    Deployment.objects.create(resource=resource, name="chat-prod", model_name="gpt-4o", model_version="2024-05-13",
                              sku_name="Standard")
    answer = api({"model": "chat-prod", "text": "hello world"}).json()
    assert (answer["model"], answer["deployment"], answer["deployment_type"]) == (
        "gpt-4o-2024-05-13", "chat-prod", "Standard")
    # Standard is the regional meter (East US 2), 10 % over Global's $5: never a copy of Global.
    assert (answer["cost"]["price_model"], answer["cost"]["input_per_1m"]) == ("gpt-4o-2024-05-13", "5.5")


def test_the_price_table_in_the_database_is_what_prices(api, admin_user):
    yesterday = timezone.localdate() - timedelta(days=1)
    Price.objects.create(model="gpt-4o", kind="tokens", deployment_type="GlobalStandard", input_per_1m=Decimal("2"),
                         output_per_1m=Decimal("8"), effective_from=yesterday)
    cost = api({"model": "gpt-4o", "text": "hello world"}).json()["cost"]
    assert (cost["input_per_1m"], cost["price_effective"]) == ("2", yesterday.isoformat())
    assert cost["input"] == "0.000004"


def test_no_price_says_so_instead_of_zero(api):
    answer = api({"model": "gpt-5.3-codex", "text": "hello"}).json()
    assert answer["cost"] is None
    assert answer["cost_note"] == ("no price for gpt-5.3-codex: not published (no Azure meter in the reference); "
                                   "an Admin can add one")
    assert answer["prompt_tokens"] == 1


def test_an_unpriced_deployment_type_says_which(api):
    answer = api({"model": "gpt-5.4", "text": "hello", "deployment_type": "Standard"}).json()
    assert answer["cost"] is None  # no regional meter exists for any gpt-5.x model
    assert answer["cost_note"] == "no price for gpt-5.4 on Standard; an Admin can add one"


@pytest.mark.parametrize("model", ["gpt-5", "gpt-5.4-mini", "gpt-5.4-mini-2026-03-17", "gpt-5.6-terra", "o3",
                                   "gpt-4.1-nano", "gpt-6-sol"])
def test_the_new_model_names_are_counted_and_priced(api, model):
    answer = api({"model": model, "text": "hello world", "max_output_tokens": 10}).json()
    assert (answer["encoding"], answer["prompt_tokens"]) == ("o200k_base", 2)
    assert answer["cost"] is not None and answer["cost"]["price_source"]


def test_gpt_6_says_its_count_is_approximate(api):
    answer = api({"model": "gpt-6-astra", "text": "hello world"}).json()
    assert answer["approximate"] is True and "tokenizer is not published" in answer["notes"][0]


def test_a_retired_model_is_still_estimated_and_says_so(api):
    answer = api({"model": "gpt-4o-mini", "text": "hello"}).json()
    assert answer["prompt_tokens"] == 1
    assert answer["model_notes"] == ["gpt-4o-mini is retired since 1 Oct 2026; requests to its deployments fail; "
                                     "its successor is gpt-4.1-mini"]


def test_a_name_only_tiktoken_knows_is_counted_and_said_to_be_unregistered(api):
    answer = api({"model": "gpt-5.9-mini", "text": "hello"}).json()
    assert answer["prompt_tokens"] == 1 and "not in the model registry" in answer["model_notes"][0]


# --- Bad input ---
def test_malformed_json_is_a_400_that_says_so(api):
    error = error_of(api('{"model": "gpt-4o", "text": '), 400)
    assert error["code"] == "invalid_json" and "not valid JSON" in error["message"]


def test_a_body_that_is_not_an_object_is_refused(api):
    assert "JSON object" in error_of(api([1, 2]), 400)["message"]


@pytest.mark.parametrize("body", [{"model": "gpt-4o"}, {"model": "gpt-4o", "text": "a", "messages": []}])
def test_exactly_one_of_text_messages_or_prompt_is_needed(api, body):
    assert "exactly one of text, messages or prompt" in error_of(api(body), 400)["message"]


def test_an_unknown_model_is_refused_naming_the_known_ones(api):
    error = error_of(api({"model": "llama-3", "text": "hi"}), 400)
    assert (error["code"], error["param"]) == ("unknown_model", "model")
    assert "'llama-3'" in error["message"] and "gpt-4o-mini" in error["message"]


@pytest.mark.parametrize(
    "body, param",
    [
        ({"text": "hi"}, "model"),
        ({"model": "gpt-4o", "text": 3}, "text"),
        ({"model": "gpt-4o", "text": "hi", "max_tokens": 3}, "max_tokens"),
        ({"model": "gpt-4o", "text": "hi", "max_output_tokens": -1}, "max_output_tokens"),
        ({"model": "gpt-4o", "text": "hi", "max_output_tokens": True}, "max_output_tokens"),
        ({"model": "gpt-4o", "text": "hi", "deployment_type": "Provisioned"}, "deployment_type"),
        ({"model": "gpt-4o", "messages": "hi"}, "messages"),
        ({"model": "gpt-4o", "messages": [{"content": "no role"}]}, "messages"),
        ({"model": "gpt-4o", "messages": [{"role": "user", "content": 5}]}, "messages"),
        ({"model": "gpt-4o", "prompt": {"a": 1}}, "prompt"),
        ({"model": "gpt-4o", "messages": chat_with(image_size(0, 10))}, "width"),
        ({"model": "gpt-4o", "messages": chat_with(image_size(10, 10, "medium"))}, "detail"),
    ],
)
def test_bad_fields_are_400_naming_the_param(api, body, param):
    error = error_of(api(body), 400)
    assert error["param"] == param, error


def test_a_non_image_data_url_is_a_bad_image(api):
    part = {"type": "image_url", "image_url": {"url": data_url(b"hello, not a picture")}}
    error = error_of(api({"model": "gpt-4o", "messages": chat_with(part)}), 400)
    assert error["code"] == "invalid_image" and "not an image" in error["message"]


def test_a_truncated_image_is_a_bad_image(api):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    cut_header = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0))[:10]
    part = {"type": "image_url", "image_url": {"url": data_url(cut_header)}}
    error = error_of(api({"model": "gpt-4o", "messages": chat_with(part)}), 400)
    assert error["code"] == "invalid_image" and "truncated" in error["message"]


def test_a_remote_image_url_asks_for_a_data_url_or_a_size(api):
    part = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    assert "image_size" in error_of(api({"model": "gpt-4o", "messages": chat_with(part)}), 400)["message"]


def test_a_body_over_the_limit_is_413(api, settings):
    settings.STUDIO_MAX_ESTIMATE_BYTES = 1000
    error = error_of(api({"model": "gpt-4o", "text": "x" * 2000}), 413)
    assert error["code"] == "too_large" and "1,000 bytes" in error["message"]


def test_a_form_body_over_djangos_memory_limit_is_413_json_not_a_crash(client, developer_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(developer_user)
    client.handler.enforce_csrf_checks = True  # with its cookie set, the CSRF check reads a form body for the token
    client.cookies["csrftoken"] = "a" * 32
    response = client.post(URL, {"text": "x" * 5000})
    assert error_of(response, 413)["code"] == "too_large"


def test_get_is_405_with_allow(api, client):
    response = client.get(URL)
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert response["Allow"] == "POST"


# --- Hostile bodies: a clear 400 or an answer in bounded time, never a 500 ---
def test_json_nested_100000_levels_deep_is_a_400_not_a_crash(api):
    deep = '{"model": "gpt-4o", "messages": ' + "[" * 100_000 + "]" * 100_000 + "}"
    error = error_of(api(deep), 400)
    assert error["code"] == "invalid_json" and "nested more than 64 levels" in error["message"]


def test_json_nested_past_the_bound_but_within_the_interpreter_is_refused_too(api):
    calls = json.loads("[" * 70 + "]" * 70)
    deep = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x", "tool_calls": calls}]}
    assert "nested more than 64 levels" in error_of(api(deep), 400)["message"]


def test_nan_is_not_a_json_number(api):
    assert error_of(api('{"model": "gpt-4o", "text": "a", "max_output_tokens": NaN}'), 400)["code"] == "invalid_json"


def test_ten_megabytes_of_one_letter_is_counted_quickly_and_said_to_be_approximate(api, settings):
    import time

    settings.STUDIO_MAX_ESTIMATE_BYTES = 11 * 1024 * 1024
    started = time.process_time()
    answer = api({"model": "gpt-4o", "text": "a" * 10_000_000}).json()
    assert time.process_time() - started < 3  # it took 8.5 s of CPU before the bound
    assert answer["approximate"] is True and "approximate" in answer["notes"][0]
    assert answer["prompt_tokens"] == 1_250_000  # "aaaaaaaa" is one token; cut at 128 characters it still is


def test_an_ordinary_text_is_exact_and_says_so(api):
    answer = api({"model": "gpt-4o", "text": "hello world " * 1000}).json()
    assert (answer["approximate"], answer["notes"]) == (False, [])


@pytest.mark.parametrize("prompt", [[1, -1], [[5], [200_019]], [10**30]], ids=["negative", "past-vocab", "huge"])
def test_token_ids_the_encoding_lacks_are_refused(api, prompt):
    error = error_of(api({"model": "gpt-4o", "prompt": prompt}), 400)
    assert error["param"] == "prompt" and "ids run from 0 to 200,018" in error["message"]


def test_token_ids_in_range_are_counted(api):
    assert api({"model": "gpt-4o", "prompt": [0, 200_018]}).json()["prompt_tokens"] == 2


@pytest.mark.parametrize("size", [(10**9, 10**9), (100_001, 1), (50_000, 50_000)], ids=["giga", "side", "pixels"])
def test_impossible_image_sizes_are_refused(api, size):
    error = error_of(api({"model": "gpt-4o", "messages": chat_with(image_size(*size))}), 400)
    assert error["param"] == "width" and ("100,000" in error["message"] or "over the limit" in error["message"])


def test_image_bytes_that_are_not_an_image_get_a_human_message(api):
    part = {"type": "image_url", "image_url": {"url": data_url(b"\x00\x01hello")}}
    message = error_of(api({"model": "gpt-4o", "messages": chat_with(part)}), 400)["message"]
    assert "b'" not in message and "\\x" not in message and "PNG, JPEG, GIF or WEBP" in message
