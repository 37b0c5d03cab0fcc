"""How training examples become tokens for the real trainer: the chat template, the default system message, and
loss on assistant tokens only (weight 0 excluded). A character tokenizer keeps the expectations readable."""

from __future__ import annotations

from engine.backends.llamacpp import DEFAULT_SYSTEM, chat_messages
from engine.training.data import IGNORE, encode_chat, encode_pair
from engine.training.export import gguf_name


def chars(text: str) -> list[int]:
    return [ord(c) for c in text]


def learned_text(example) -> str:
    return "".join(chr(i) for i, label in zip(example.ids, example.labels, strict=True) if label != IGNORE)


def test_only_assistant_answers_and_their_end_marker_are_learned():
    example = encode_chat({"messages": [{"role": "system", "content": "Be brief."},
                                        {"role": "user", "content": "Hi?"},
                                        {"role": "assistant", "content": "Hello."}]}, chars, 1000)
    text = "".join(chr(i) for i in example.ids)
    assert text == ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi?<|im_end|>\n"
                    "<|im_start|>assistant\nHello.<|im_end|>\n")
    assert learned_text(example) == "Hello.<|im_end|>"


def test_an_example_without_a_system_message_gets_the_same_default_as_inference():
    messages = [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]
    example = encode_chat({"messages": messages}, chars, 1000)
    assert "".join(chr(i) for i in example.ids).startswith(f"<|im_start|>system\n{DEFAULT_SYSTEM}<|im_end|>")
    assert chat_messages(messages)[0] == {"role": "system", "content": DEFAULT_SYSTEM}


def test_assistant_messages_with_weight_zero_are_not_learned():
    example = encode_chat({"messages": [{"role": "user", "content": "A?"},
                                        {"role": "assistant", "content": "Wrong.", "weight": 0},
                                        {"role": "user", "content": "B?"},
                                        {"role": "assistant", "content": "Right.", "weight": 1}]}, chars, 1000)
    assert learned_text(example) == "Right.<|im_end|>"


def test_long_examples_are_cut_to_the_token_limit():
    example = encode_chat({"messages": [{"role": "user", "content": "x" * 500},
                                        {"role": "assistant", "content": "y"}]}, chars, 100)
    assert len(example.ids) == len(example.labels) == 100 and example.learned_tokens == 0


def test_a_preference_pair_learns_only_its_two_answers_after_the_same_prompt():
    pair = encode_pair({"input": {"messages": [{"role": "user", "content": "A?"},
                                               {"role": "assistant", "content": "Earlier."},
                                               {"role": "user", "content": "B?"}]},
                        "preferred_output": [{"role": "assistant", "content": "Good."}],
                        "non_preferred_output": [{"role": "assistant", "content": "Bad."}]}, chars, 1000)
    assert learned_text(pair.preferred) == "Good.<|im_end|>"
    assert learned_text(pair.non_preferred) == "Bad.<|im_end|>"  # the input's earlier answer is context only
    prompt = "".join(chr(i) for i in pair.preferred.ids).removesuffix("Good.<|im_end|>\n")
    assert "".join(chr(i) for i in pair.non_preferred.ids) == prompt + "Bad.<|im_end|>\n"
    assert pair.learned_tokens == len("Bad.<|im_end|>")


def test_attention_weights_map_to_llama_cpp_tensor_names():
    assert gguf_name("model.layers.3.self_attn.q_proj.weight") == "blk.3.attn_q.weight"
    assert gguf_name("model.layers.12.self_attn.o_proj.weight") == "blk.12.attn_output.weight"
