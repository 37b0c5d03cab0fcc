"""Hostile input to the pure rules: deep JSON lines, pathological runs for the tokenizer, impossible token ids and
image sizes. Each gets a clear error or an answer in bounded time, never a crash."""

import json
import time

import pytest

from shared_rules.datasets import validate_training_jsonl
from shared_rules.errors import EstimatorError, ImageError
from shared_rules.images import check_image_size, image_tokens, read_image_size
from shared_rules.tokens import (
    LONG_RUN_BYTES,
    count_chat_tokens,
    count_prompt_tokens,
    count_text,
    get_encoding,
    tokenize,
)

GOOD = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]})
ENCODING = get_encoding("o200k_base")


# --- Deep JSON in a dataset line ---
def test_a_line_nested_100000_levels_deep_is_listed_and_the_other_lines_still_count():
    deep = '{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}"
    report = validate_training_jsonl([GOOD, deep, GOOD], "gpt-4o")
    assert report.examples == 2
    assert [(e.line, "nested more than 64 levels" in e.reason) for e in report.errors] == [(2, True)]


def test_a_line_nested_just_past_the_bound_is_listed_too():
    deep = json.dumps({"messages": [{"role": "user", "content": "x", "tool_calls": json.loads("[" * 70 + "]" * 70)}]})
    report = validate_training_jsonl([deep, GOOD], "gpt-4o")
    assert [e.line for e in report.errors] == [1] and report.examples == 1


# --- Pathological runs for the tokenizer ---
@pytest.mark.parametrize(
    "text",
    ["hello world, " * 50_000, "数据 déjà vu 42\n" * 20_000, "x" * (LONG_RUN_BYTES - 1) + " " + "y" * LONG_RUN_BYTES],
    ids=["english", "mixed", "runs-at-the-bound"],
)
def test_ordinary_text_is_counted_exactly(text):
    counted = count_text(text, "gpt-4o")
    assert (counted.tokens, counted.approximate) == (len(ENCODING.encode_ordinary(text)), False)


@pytest.mark.parametrize(
    "text",
    ["a" * 1_000_000, " " * 1_000_000, "\n" * 300_000, "!" * 500_000, "\u3000" * 300_000, "ab" * 400_000,
     "word " * 1000 + "z" * 100_000 + " tail"],
    ids=["letter", "spaces", "newlines", "punctuation", "wide-space", "pair", "run-inside-text"],
)
def test_a_pathological_run_is_counted_fast_and_marked_approximate(text):
    started = time.process_time()
    counted = count_text(text, "gpt-4o")
    assert time.process_time() - started < 1.0  # a million spaces used to panic tiktoken's regex engine
    assert counted.approximate is True and counted.tokens > 0


def test_the_approximate_count_of_one_repeated_letter_is_the_exact_one():
    # 100,000 letters is slow but possible whole; cut in 128-character pieces the count is the same.
    text = "a" * 100_000
    assert count_text(text, "gpt-4o").tokens == len(ENCODING.encode_ordinary(text))


def test_tokenize_uses_the_same_bound():
    pieces = tokenize(" " * 1_000_000, "gpt-4o")
    assert "".join(piece for _, piece in pieces) == " " * 1_000_000


def test_chat_counts_say_when_a_message_was_approximate():
    plain = count_chat_tokens([{"role": "user", "content": "hello"}], "gpt-4o")
    long = count_chat_tokens([{"role": "user", "content": [{"type": "text", "text": "a" * 10_000}]}], "gpt-4o")
    assert (plain.approximate, long.approximate) == (False, True)


def test_a_dataset_with_a_pathological_example_warns_that_its_count_is_approximate():
    huge = json.dumps({"messages": [{"role": "user", "content": "a" * 50_000}, {"role": "assistant", "content": "b"}]})
    report = validate_training_jsonl([huge] + [GOOD] * 10, "gpt-4o")
    assert report.approximate_examples == 1 and report.examples == 11
    assert any(w.startswith("1 example's token count is approximate") for w in report.warnings)


# --- Token ids ---
@pytest.mark.parametrize("prompt", [[-1], [200_019], [[1, 2], [10**20]]], ids=["negative", "past", "huge"])
def test_token_ids_outside_the_vocabulary_are_refused(prompt):
    with pytest.raises(EstimatorError, match=r"ids run from 0 to 200,018"):
        count_prompt_tokens(prompt, "gpt-4o")


def test_cl100k_has_its_own_vocabulary_bound():
    assert count_prompt_tokens([100_276], "gpt-4") == 1
    with pytest.raises(EstimatorError, match="100,276"):
        count_prompt_tokens([100_277], "gpt-4")


# --- Image sizes and bytes ---
@pytest.mark.parametrize(
    "width, height, words",
    [(10**9, 10**9, "1 to 100,000"), (100_001, 10, "1 to 100,000"), (0, 5, "1 to 100,000"),
     (40_000, 30_000, "over the limit"), (True, 5, "1 to 100,000"), (2.5, 5, "1 to 100,000")],
)
def test_impossible_image_sizes_are_refused_with_the_limit(width, height, words):
    with pytest.raises(EstimatorError, match=words):
        image_tokens(width, height, "high")
    with pytest.raises(EstimatorError):
        check_image_size(width, height)


def test_the_largest_possible_size_is_still_counted():
    assert image_tokens(40_000, 25_000, "high").tiles > 0


@pytest.mark.parametrize("data", [b"\x00\x01\x02binary", b"", "héllo".encode()], ids=["binary", "empty", "text"])
def test_bytes_that_are_not_an_image_get_a_message_without_a_bytes_repr(data):
    with pytest.raises(ImageError) as caught:
        read_image_size(data)
    assert "b'" not in str(caught.value) and "\\x" not in str(caught.value)
    assert "PNG, JPEG, GIF or WEBP" in str(caught.value)


def test_a_damaged_header_gets_a_message_without_pillows_bytes_repr():
    damaged = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 13 + b"BADC"
    with pytest.raises(ImageError) as caught:
        read_image_size(damaged)
    assert "b'" not in str(caught.value) and "truncated or damaged" in str(caught.value)
