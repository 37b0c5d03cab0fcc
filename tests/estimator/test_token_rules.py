"""Token counting: model to encoding, text and chat counts, and the offline tiktoken cache."""

import base64
import hashlib
import io
import socket

import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry
from PIL import Image

from shared_rules.errors import EstimatorError, ImageError, UnknownModel
from shared_rules.tokens import (
    KNOWN_MODELS,
    count_chat_tokens,
    count_prompt_tokens,
    count_text_tokens,
    encoding_name_for_model,
    ensure_tiktoken_cache,
    get_encoding,
    tokenize,
)

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}  # "system" 1 token, content 6
USER = {"role": "user", "content": "hello world"}  # "user" 1 token, content 2


def png_data_url(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize(
    "model, encoding",
    [
        ("gpt-4o", "o200k_base"),
        ("GPT-4o", "o200k_base"),
        ("gpt-4o-2024-08-06", "o200k_base"),
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-4.1-nano-2025-04-14", "o200k_base"),
        ("o1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini-2025-04-16", "o200k_base"),
        ("gpt-4o-mini-2024-07-18.ft-5fd1f2c3", "o200k_base"),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-4-turbo-2024-04-09", "cl100k_base"),
        ("gpt-4-32k", "cl100k_base"),
        ("gpt-35-turbo", "cl100k_base"),
        ("gpt-35-turbo-0125", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-35-turbo-instruct", "cl100k_base"),
        ("gpt-35-turbo-0125.ft-0a9b", "cl100k_base"),
        ("text-embedding-ada-002", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("text-embedding-3-large", "cl100k_base"),
        ("babbage-002", "cl100k_base"),
        ("davinci-002", "cl100k_base"),
    ],
)
def test_model_maps_to_its_encoding(model, encoding):
    assert encoding_name_for_model(model) == encoding


@pytest.mark.parametrize("model", ["llama-3", "gpt2", "text-davinci-003", "my-chat-deployment", "gpt-4oo", ""])
def test_unknown_model_is_refused_naming_the_known_ones(model):
    with pytest.raises(UnknownModel) as caught:
        encoding_name_for_model(model)
    assert caught.value.code == "unknown_model"
    assert caught.value.known == KNOWN_MODELS
    assert "gpt-4o" in str(caught.value) and "gpt-35-turbo" in str(caught.value)


@pytest.mark.parametrize(
    "model, ids",
    [("gpt-35-turbo", [15339, 1917]), ("gpt-4", [15339, 1917]), ("gpt-4o", [24912, 2375])],
)
def test_hello_world_has_the_known_token_ids(model, ids):
    assert [token_id for token_id, _ in tokenize("hello world", model)] == ids
    assert count_text_tokens("hello world", model) == 2


def test_tokenize_gives_each_tokens_text():
    assert tokenize("hello world", "gpt-4o") == [(24912, "hello"), (2375, " world")]


def test_tokenize_shows_a_replacement_char_for_a_token_that_splits_a_character():
    pieces = tokenize("\u4e00\u4e01\u4e02\u4e03\u4e04" * 3 + "\U0001f9ec", "gpt-4")
    assert "".join(text for _, text in pieces).count("\ufffd") > 0


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-35-turbo"])
def test_special_token_text_in_user_input_counts_as_plain_text(model):
    assert count_text_tokens("<|endoftext|>", model) == 7


@pytest.mark.parametrize(
    "messages, expected",
    [
        ([SYSTEM, USER], 3 + (3 + 1 + 6) + (3 + 1 + 2)),
        ([SYSTEM, {**USER, "name": "bob"}], 3 + (3 + 1 + 6) + (3 + 1 + 2 + 1 + 1)),  # "bob" 1 token, +1 per name
        ([], 3),
    ],
)
@pytest.mark.parametrize("model", ["gpt-4o", "gpt-35-turbo"])
def test_chat_overhead_matches_the_hand_count(messages, expected, model):
    counted = count_chat_tokens(messages, model)
    assert counted.prompt_tokens == counted.text_tokens == expected
    assert counted.image_tokens == 0 and counted.images == []


def test_weight_and_null_values_count_nothing():
    plain = count_chat_tokens([USER, {"role": "assistant", "content": "hello world"}], "gpt-4o")
    extra = count_chat_tokens([USER, {"role": "assistant", "content": "hello world", "weight": 0}], "gpt-4o")
    assert extra == plain


def test_tool_calls_count_as_compact_json():
    call = [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    base = count_chat_tokens([{"role": "assistant", "content": None}], "gpt-4o").prompt_tokens
    with_call = count_chat_tokens([{"role": "assistant", "content": None, "tool_calls": call}], "gpt-4o")
    json_text = '[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]'
    assert with_call.prompt_tokens == base + count_text_tokens(json_text, "gpt-4o")


@pytest.mark.parametrize(
    "model, high_1024, low_64",
    [("gpt-4o", 765, 85), ("gpt-4o-mini", 25501, 2833)],
)
def test_images_in_content_arrays_are_sized_from_their_data_urls(model, high_1024, low_64):
    content = [
        {"type": "text", "text": "hello world"},
        {"type": "image_url", "image_url": {"url": png_data_url(1024, 1024), "detail": "high"}},
        {"type": "image_url", "image_url": {"url": png_data_url(64, 64), "detail": "low"}},
    ]
    counted = count_chat_tokens([{"role": "user", "content": content}], model)
    assert counted.text_tokens == 3 + 3 + 1 + 2
    assert [(i.width, i.height, i.tokens) for i in counted.images] == [(1024, 1024, high_1024), (64, 64, low_64)]
    assert counted.image_tokens == high_1024 + low_64
    assert counted.prompt_tokens == counted.text_tokens + counted.image_tokens


def test_image_without_detail_is_priced_as_high():
    content = [{"type": "image_url", "image_url": {"url": png_data_url(1024, 1024)}}]
    assert count_chat_tokens([{"role": "user", "content": content}], "gpt-4o").image_tokens == 765


def test_image_size_parts_are_priced_without_image_bytes():
    content = [{"type": "image_size", "width": 2048, "height": 4096, "detail": "high"}]
    assert count_chat_tokens([{"role": "user", "content": content}], "gpt-4o").image_tokens == 1105


def test_a_given_sizer_sizes_remote_image_urls():
    seen = []

    def sizer(part):
        seen.append(part["image_url"]["url"])
        return 512, 512

    content = [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]
    counted = count_chat_tokens([{"role": "user", "content": content}], "gpt-4o", image_size=sizer)
    assert counted.image_tokens == 255 and seen == ["https://example.com/cat.png"]


def test_remote_image_url_without_a_sizer_is_refused():
    content = [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]
    with pytest.raises(EstimatorError, match="image_size"):
        count_chat_tokens([{"role": "user", "content": content}], "gpt-4o")


def test_broken_image_data_url_is_an_image_error():
    content = [{"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(b"no").decode()}}]
    with pytest.raises(ImageError):
        count_chat_tokens([{"role": "user", "content": content}], "gpt-4o")


def test_unknown_content_part_is_refused():
    with pytest.raises(EstimatorError, match="input_audio"):
        count_chat_tokens([{"role": "user", "content": [{"type": "input_audio"}]}], "gpt-4o")


@pytest.mark.parametrize(
    "prompt, expected",
    [("hello world", 2), (["hello world", "hello world"], 4), ([15339, 1917, 0], 3), ([[1, 2], [3]], 3), ([], 0)],
)
def test_legacy_prompt_tokens_sum_over_a_list(prompt, expected):
    assert count_prompt_tokens(prompt, "gpt-35-turbo-instruct") == expected


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network is off in this test")

    monkeypatch.setattr(tiktoken.load, "read_file", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    # Forget encodings loaded earlier in this process, so the next lookup really reads the cache.
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    get_encoding.cache_clear()
    yield
    get_encoding.cache_clear()


def _cache_file(directory, name):
    url = f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
    return directory / hashlib.sha1(url.encode()).hexdigest()  # noqa: S324 tiktoken's cache key, not security


def test_encodings_load_from_an_empty_cache_dir_with_the_network_off(tmp_path, monkeypatch, no_network):
    cache_dir = tmp_path / "tiktoken"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache_dir))
    assert ensure_tiktoken_cache() == cache_dir
    assert _cache_file(cache_dir, "cl100k_base").is_file() and _cache_file(cache_dir, "o200k_base").is_file()
    assert get_encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert tiktoken.get_encoding("cl100k_base").encode("hello world") == [15339, 1917]


def test_the_network_off_fixture_really_blocks_a_download(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "unseeded"))
    with pytest.raises(OSError, match="network is off"):
        tiktoken.get_encoding("o200k_base")


def test_a_corrupt_cache_file_is_replaced(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    _cache_file(tmp_path, "o200k_base").write_bytes(b"half a file")
    ensure_tiktoken_cache()
    assert get_encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert not list(tmp_path.glob("*.tmp"))


def test_seeding_twice_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    ensure_tiktoken_cache()
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    ensure_tiktoken_cache()
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before and len(before) == 2


def test_an_empty_cache_dir_setting_falls_back_to_the_project_var_dir(monkeypatch):
    # tiktoken reads "" as "no cache, download", which must never happen.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    path = ensure_tiktoken_cache()
    assert path.parts[-2:] == ("var", "tiktoken") and path.is_dir()


def test_an_encoding_that_is_not_bundled_is_refused_before_any_download(no_network):
    with pytest.raises(EstimatorError, match="bundled"):
        get_encoding("gpt2")
