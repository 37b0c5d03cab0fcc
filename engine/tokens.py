"""Token counting through Studio's estimator, so the engine's usage is exactly what Studio estimates."""

from __future__ import annotations

import codecs
from functools import cache

import tiktoken

from shared_rules.errors import EstimatorError, ImageError, UnknownModel
from shared_rules.tokens import (
    count_chat_tokens,
    count_prompt_tokens,
    count_text_tokens,
    encoding_name_for_model,
    get_encoding,
)

__all__ = [
    "EstimatorError", "ImageError", "UnknownModel", "count_chat_tokens", "count_prompt_tokens", "count_text_tokens",
    "counted_pieces", "decode_ids", "encoding_for", "pieces",
]


@cache
def encoding_for(model_name: str) -> tiktoken.Encoding:
    """The tiktoken encoding for a catalog model name (fine-tunes pass their base name)."""
    return get_encoding(encoding_name_for_model(model_name))


def pieces(tokens: list[int], enc: tiktoken.Encoding) -> list[str]:
    """The text of each token, for stream chunks; a character split across tokens goes out whole with the later one."""
    return [text for text, _ in counted_pieces(tokens, enc)]


def counted_pieces(tokens: list[int], enc: tiktoken.Encoding) -> list[tuple[str, int]]:
    """Like pieces(), with how many tokens each piece stands for (more than one where a character was split)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    out: list[tuple[str, int]] = []
    waiting = 0
    for token in tokens:
        waiting += 1
        text = decoder.decode(enc.decode_single_token_bytes(token))
        if text:
            out.append((text, waiting))
            waiting = 0
    tail = decoder.decode(b"", final=True)
    if tail or waiting:
        out.append((tail, waiting))
    return out


def decode_ids(tokens: list[int], enc: tiktoken.Encoding, param: str) -> str:
    """The text of token ids a client sent, or the 400 naming an id the encoding does not have."""
    for token in tokens:
        if not 0 <= token < enc.n_vocab:
            raise EstimatorError(f"Invalid token id {token} in '{param}': this model's token ids run from 0 to "
                                 f"{enc.n_vocab - 1}.", param=param)
    try:
        return enc.decode(tokens)
    except KeyError as e:  # an unused id inside the range
        raise EstimatorError(f"Invalid token id in '{param}': {e.args[0]}.", param=param) from None
