"""Legacy completions (gpt-35-turbo-instruct, babbage-002) through the SDK and raw HTTP."""

from __future__ import annotations

import json

from shared_rules.tokens import count_prompt_tokens, count_text_tokens
from tests.engine.conftest import sse_events


def test_default_max_tokens_is_16(sdk):
    answer = sdk.completions.create(model="instruct", prompt="The river runs", seed=1)
    assert answer.object == "text_completion"
    assert answer.model == "gpt-35-turbo-instruct"
    choice = answer.choices[0]
    assert choice.finish_reason == "length"
    assert answer.usage.completion_tokens == 16 == count_text_tokens(choice.text, "gpt-35-turbo-instruct")
    assert answer.usage.prompt_tokens == count_prompt_tokens("The river runs", "gpt-35-turbo-instruct")
    assert choice.model_extra["content_filter_results"]["hate"]["filtered"] is False
    assert answer.model_extra["prompt_filter_results"][0]["prompt_index"] == 0


def test_echo_and_several_prompts_times_n(sdk):
    answer = sdk.completions.create(model="babbage", prompt=["Alpha", "Beta"], n=2, echo=True, max_tokens=5,
                                       seed=3)
    assert [c.index for c in answer.choices] == [0, 1, 2, 3]
    assert [c.text.split(" ")[0] for c in answer.choices] == ["Alpha", "Alpha", "Beta", "Beta"]
    assert answer.usage.prompt_tokens == count_prompt_tokens(["Alpha", "Beta"], "babbage-002")


def test_token_array_prompt_is_accepted(sdk):
    answer = sdk.completions.create(model="instruct", prompt=[791, 15140, 8640], max_tokens=3)
    assert answer.usage.prompt_tokens == 3


def test_best_of_below_n_and_suffix_on_babbage_are_400(post):
    best = post("instruct", "completions", {"prompt": "x", "n": 3, "best_of": 2})
    assert best.status_code == 400 and best.json()["error"]["param"] == "best_of"
    suffix = post("babbage", "completions", {"prompt": "x", "suffix": "end"})
    assert suffix.status_code == 400 and suffix.json()["error"]["param"] == "suffix"
    assert post("instruct", "completions", {"prompt": "x", "suffix": "end"}).status_code == 200


def test_stream_chunks_have_the_response_shape(post):
    response = post("instruct", "completions", {"prompt": "Once", "max_tokens": 6, "stream": True, "seed": 2,
                                                "stream_options": {"include_usage": True}})
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[1:-1]]
    assert all(c["object"] == "text_completion" for c in chunks)
    text = "".join(c["choices"][0]["text"] for c in chunks if c["choices"])
    assert chunks[-1]["usage"]["completion_tokens"] == 6 == count_text_tokens(text, "gpt-35-turbo-instruct")
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"


def test_streamed_tokens_carry_their_logprobs_with_running_offsets(post):
    ask = {"prompt": "Once", "max_tokens": 6, "seed": 4, "logprobs": 2, "echo": True}
    whole = post("instruct", "completions", ask).json()["choices"][0]
    events = sse_events(post("instruct", "completions", {**ask, "stream": True}).text)
    chunks = [json.loads(e)["choices"][0] for e in events[1:-1] if json.loads(e)["choices"]]
    tokens = [c for c in chunks if c["logprobs"]]
    assert chunks[0]["text"] == "Once" and chunks[0]["logprobs"] is None  # the echoed prompt comes first
    assert [c["logprobs"]["tokens"][0] for c in tokens] == [c["text"] for c in tokens] == whole["logprobs"]["tokens"]
    assert [c["logprobs"]["token_logprobs"][0] for c in tokens] == whole["logprobs"]["token_logprobs"]
    assert [c["logprobs"]["text_offset"][0] for c in tokens] == whole["logprobs"]["text_offset"]
    assert all(len(c["logprobs"]["top_logprobs"][0]) == 2 for c in tokens)


def test_chat_deployment_refuses_legacy_completions(post):
    response = post("chat", "completions", {"prompt": "x"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "OperationNotSupported"
