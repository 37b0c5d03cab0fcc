"""Fine-tuning dataset validation, epochs and billed training tokens."""

import base64
import io
import json

import pytest
from PIL import Image

from shared_rules.datasets import (
    DatasetReport,
    billed_training_tokens,
    default_epochs,
    per_example_limit,
    validate_training_jsonl,
)
from shared_rules.errors import EstimatorError, TooLarge, UnknownModel
from shared_rules.tokens import count_chat_tokens, count_text_tokens


def chat(user: str = "hello world", answer: str = "hi") -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def line(example: object) -> str:
    return json.dumps(example)


def turn(user: dict, **answer_fields) -> str:
    """A line with the given user message and an assistant answer carrying extra fields."""
    return line({"messages": [user, {"role": "assistant", "content": "b", **answer_fields}]})


GOOD = line(chat())
GOOD_TOKENS = count_chat_tokens(chat()["messages"], "gpt-4o-mini").prompt_tokens


def test_a_clean_file_of_ten_examples_is_ok():
    report = validate_training_jsonl([GOOD] * 10, "gpt-4o-mini-2024-07-18")
    assert (report.ok, report.examples, report.errors, report.warnings) == (True, 10, [], [])
    assert report.format == "chat"
    assert report.example_tokens == [GOOD_TOKENS] * 10


BROKEN_LINES = [
    ('{"messages": [', "invalid JSON at column 15"),
    ("[1, 2]", "must be a JSON object"),
    (line({"prompt": "a", "completion": "b"}), "prompt/completion lines are for babbage-002 and davinci-002"),
    (line({"msgs": []}), 'missing "messages"'),
    (line({"messages": []}), "non-empty list"),
    (line({"messages": ["hi"]}), "message 1 must be an object"),
    (line({"messages": [{"content": "a"}]}), 'message 1 has no "role"'),
    (line({"messages": [{"role": "x", "content": "a"}]}), "unknown role 'x'"),
    (line({"messages": [{"role": "user", "content": "a"}]}), "no assistant message"),
    (turn({"role": "user"}), 'message 1 (user): has no "content"'),
    (turn({"role": "user", "content": 5}), "string or a non-empty list"),
    (turn({"role": "user", "content": [{"type": "text"}]}), 'a text part needs a string "text"'),
    (turn({"role": "user", "content": [{"type": "audio"}]}), "'audio' is not allowed"),
    (turn({"role": "user", "content": "a"}, weight=2), "weight must be 0 or 1"),
    (turn({"role": "user", "content": "a"}, weight=True), "weight must be 0 or 1"),
    (turn({"role": "user", "content": "a", "weight": 1}), "only allowed on assistant"),
    (turn({"role": "user", "content": "a", "mood": "ok"}), "unknown key 'mood'"),
    (b'{"messages": "caf\xe9"}', "not UTF-8 at byte 18"),
]


@pytest.mark.parametrize("broken, reason", BROKEN_LINES)
def test_a_broken_line_is_reported_with_its_number_and_reason(broken, reason):
    report = validate_training_jsonl([GOOD, GOOD, broken, GOOD], "gpt-4o-mini")
    assert [(e.line, reason in e.reason) for e in report.errors] == [(3, True)], report.errors
    assert report.examples == 3 and not report.ok


def test_every_broken_line_is_listed_and_valid_lines_still_count():
    lines = [GOOD] * 10 + [broken for broken, _ in BROKEN_LINES] + [GOOD]
    report = validate_training_jsonl(lines, "gpt-4o")
    assert [e.line for e in report.errors] == list(range(11, 11 + len(BROKEN_LINES)))
    assert report.examples == 11 and report.error_count == len(BROKEN_LINES) and not report.ok


def test_blank_lines_are_skipped_but_keep_the_line_numbers():
    report = validate_training_jsonl([GOOD, "", "   \r\n", "{oops", GOOD], "gpt-4o")
    assert [e.line for e in report.errors] == [4] and report.examples == 2


@pytest.mark.parametrize("first", [b"\xef\xbb\xbf" + GOOD.encode(), "\ufeff" + GOOD], ids=["bytes", "str"])
def test_a_bom_at_the_file_start_is_tolerated(first):
    assert validate_training_jsonl([first] + [GOOD] * 9, "gpt-4o").ok


def test_a_whole_file_given_as_one_string_is_split_into_lines():
    report = validate_training_jsonl("\n".join([GOOD] * 3 + ["{"]), "gpt-4o")
    assert report.examples == 3 and [e.line for e in report.errors] == [4]


def test_fewer_than_ten_examples_warn_and_are_not_ok():
    report = validate_training_jsonl([GOOD] * 9, "gpt-4o")
    assert not report.ok and report.errors == []
    assert report.warnings == ["9 valid examples; fine-tuning needs at least 10"]


def test_an_assistant_tool_call_without_content_is_valid():
    call = [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    example = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "tool_calls": call}]}
    assert validate_training_jsonl([line(example)], "gpt-4o").errors == []


@pytest.mark.parametrize("model", ["babbage-002", "davinci-002"])
def test_legacy_models_take_prompt_completion_lines(model):
    example = {"prompt": "hello world", "completion": " hi"}
    lines = [line(example), GOOD, line({"prompt": "a"}), line({"prompt": 1, "completion": "b"})]
    report = validate_training_jsonl(lines, model)
    assert report.format == "prompt_completion"
    assert report.example_tokens == [count_text_tokens("hello world", model) + count_text_tokens(" hi", model)]
    assert [(e.line, e.reason) for e in report.errors] == [
        (2, f'{model} needs {{"prompt": ..., "completion": ...}} lines, not "messages"'),
        (3, 'missing "completion"'),
        (4, '"prompt" must be a string'),
    ]


def test_examples_over_the_limit_are_counted_as_truncated():
    long = line(chat(user="word " * 5000))
    report = validate_training_jsonl([long, GOOD], "gpt-35-turbo-0613")
    assert report.truncated_examples == 1 and report.max_tokens > 4096
    assert any("4,096-token limit" in w for w in report.warnings)


def test_only_the_first_thousand_errors_are_listed_and_the_rest_counted():
    report = validate_training_jsonl(["{"] * 1005 + [GOOD], "gpt-4o")
    assert len(report.errors) == 1000 and report.errors_not_listed == 5 and report.error_count == 1005
    assert report.errors[-1].line == 1000 and report.examples == 1
    assert "5 more broken lines are not listed" in report.warnings


def test_a_file_over_max_bytes_is_refused():
    with pytest.raises(TooLarge, match="at line 3"):
        validate_training_jsonl([GOOD] * 5, "gpt-4o", max_bytes=len(GOOD) * 2 + 1)


def test_an_unknown_model_is_refused_once_up_front():
    with pytest.raises(UnknownModel):
        validate_training_jsonl([GOOD], "my-deployment")


def _png_url(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_images_in_examples_count_and_remote_ones_at_the_worst_case():
    def with_image(url):
        content = [{"type": "text", "text": "what is it?"}, {"type": "image_url", "image_url": {"url": url}}]
        return line({"messages": [{"role": "user", "content": content}, {"role": "assistant", "content": "a cat"}]})

    report = validate_training_jsonl([with_image(_png_url(512, 512)), with_image("https://example.com/cat.png")],
                                     "gpt-4o")
    embedded, remote = report.example_tokens
    assert remote - embedded == 1445 - 255  # 768 x 2048 is 8 tiles, the most high detail can take
    assert any(w.startswith("1 image given by URL can't be fetched") for w in report.warnings)


def test_a_broken_embedded_image_is_a_line_error():
    content = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,aGVsbG8="}}]
    example = {"messages": [{"role": "user", "content": content}, {"role": "assistant", "content": "b"}]}
    report = validate_training_jsonl([GOOD, line(example)], "gpt-4o")
    assert [(e.line, "not an image" in e.reason) for e in report.errors] == [(2, True)]


@pytest.mark.parametrize(
    "model, limit",
    [
        ("gpt-35-turbo-0613", 4096),
        ("gpt-35-turbo-1106", 16385),
        ("gpt-35-turbo-0125", 16385),
        ("gpt-4o-2024-08-06", 65536),
        ("gpt-4o-mini-2024-07-18", 65536),
        ("gpt-4.1-2025-04-14", 65536),
        ("gpt-4.1-mini", 65536),
        ("gpt-4.1-nano-2025-04-14", 32768),
        ("o4-mini", 65536),
        ("babbage-002", 16384),
        ("davinci-002", 16384),
        ("gpt-4o-mini-2024-07-18.ft-abc", 65536),
        ("some-future-model", 65536),
    ],
)
def test_per_example_limit_follows_the_azure_docs(model, limit):
    assert per_example_limit(model) == limit


@pytest.mark.parametrize(
    "n, epochs",
    [(0, 0), (1, 25), (4, 25), (5, 20), (10, 10), (20, 5), (33, 3), (34, 3), (1000, 3), (8333, 3), (8334, 2),
     (12500, 2), (12501, 1), (100000, 1)],
)
def test_default_epochs_follow_the_auto_rule_at_its_boundaries(n, epochs):
    assert default_epochs(n) == epochs


@pytest.mark.parametrize(
    "tokens, model, epochs, billed",
    [
        ([100, 5000, 70000], "gpt-4o", 3, (100 + 5000 + 65536) * 3),
        ([100, 5000, 70000], "gpt-35-turbo-0613", 2, (100 + 4096 + 4096) * 2),
        ([4096], "gpt-35-turbo-0613", 1, 4096),
        ([], "gpt-4o", 3, 0),
        ([10, 20], "gpt-4o", 0, 0),
    ],
)
def test_billed_tokens_cap_each_example_then_multiply_by_epochs(tokens, model, epochs, billed):
    assert billed_training_tokens(tokens, model, epochs) == billed


def test_negative_epochs_are_refused():
    with pytest.raises(EstimatorError, match="epochs"):
        billed_training_tokens([1], "gpt-4o", -1)


def test_token_summary_and_histogram():
    report = DatasetReport(format="chat", example_tokens=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10])
    assert (report.min_tokens, report.max_tokens, report.mean_tokens) == (1, 10, 65 / 11)
    assert report.histogram(bins=5) == [(1, 2, 2), (3, 4, 2), (5, 6, 2), (7, 8, 2), (9, 10, 3)]
    assert sum(count for _, _, count in report.histogram()) == 11


@pytest.mark.parametrize(
    "tokens, expected",
    [
        ([], []),
        ([7, 7, 7], [(7, 7, 3)]),
        ([1, 2], [(1, 1, 1), (2, 2, 1)]),  # fewer distinct values than bins: one bin each
        ([0, 100], [(0, 9, 1)] + [(i * 10, i * 10 + 9, 0) for i in range(1, 9)] + [(90, 100, 1)]),
    ],
)
def test_histogram_edges_cover_the_range_without_gaps(tokens, expected):
    assert DatasetReport(format="chat", example_tokens=tokens).histogram(bins=10) == expected
