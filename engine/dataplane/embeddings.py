"""POST /openai/deployments/{deployment}/embeddings: deterministic unit vectors, float or base64."""

from __future__ import annotations

import base64
import struct
from typing import Any

from starlette.responses import Response

from engine import errors
from engine.config import ModelSpec
from engine.dataplane import validation as v
from engine.dataplane.common import Call, inference
from engine.dataplane.offload import off_loop_if_large
from engine.responses import read_json_object
from engine.tokens import EstimatorError, count_text_tokens, decode_ids, encoding_for

MAX_INPUTS = 2048


def _inputs(body: dict[str, Any], model: ModelSpec) -> tuple[list[str], int]:
    """The texts to embed (token arrays decoded) and their token count."""
    value = body.get("input")
    if value is None:
        raise errors.invalid_request("'input' is a required property", param="input", code=None)
    enc = encoding_for(model.token_model)
    if isinstance(value, str):
        items: list[Any] = [value]
    elif isinstance(value, list) and value and all(isinstance(t, int) and not isinstance(t, bool) for t in value):
        items = [value]
    elif isinstance(value, list):
        items = value
    else:
        raise errors.invalid_request("'input' must be a string, an array of strings or an array of token arrays.",
                                     param="input")
    if not 1 <= len(items) <= MAX_INPUTS:
        raise errors.invalid_request(f"'input' must hold between 1 and {MAX_INPUTS} items, got {len(items)}.",
                                     param="input")
    texts, tokens = [], 0
    for i, item in enumerate(items):
        if isinstance(item, str):
            if not item:
                raise errors.invalid_request(f"'input[{i}]' is empty: every input must be a non-empty string.",
                                             param="input")
            count = count_text_tokens(item, model.token_model)
            texts.append(item)
        elif isinstance(item, list) and item and all(isinstance(t, int) and not isinstance(t, bool) for t in item):
            count = len(item)
            try:
                texts.append(decode_ids(item, enc, f"input[{i}]"))  # the same vector as the text those tokens spell
            except EstimatorError as e:
                raise errors.invalid_request(str(e), param="input") from None
        else:
            raise errors.invalid_request(f"'input[{i}]' must be a string or an array of token ids.", param="input")
        if count > model.max_context_tokens:
            raise errors.invalid_request(
                f"This model's maximum context length is {model.max_context_tokens} tokens, however you requested "
                f"{count} tokens in input[{i}]. Please reduce your prompt.", param="input",
                code="context_length_exceeded")
        tokens += count
    return texts, tokens


def _input_chars(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    return sum(len(x) for x in value if isinstance(x, str)) if isinstance(value, list) else 0


@inference("embeddings")
async def embeddings(call: Call) -> Response:
    body = await read_json_object(call.request)
    model = call.model
    texts, tokens = await off_loop_if_large(_input_chars(body.get("input")), _inputs, body, model)
    fmt = v.one_of(body, "encoding_format", ("float", "base64"), "float")
    dimensions = v.integer(body, "dimensions", 1, model.dimensions, None)
    if dimensions is not None and not model.dimensions_settable:
        raise errors.invalid_request("This model does not support specifying dimensions.", param="dimensions",
                                     code=None)
    v.string(body, "user")
    v.string(body, "input_type")  # a search hint the simulated vectors do not use, but typed like Azure's
    call.charge(tokens)
    vectors = await call.backends.embeddings.embed(model, texts, dimensions or 0)
    data = []
    for i, vector in enumerate(vectors):
        value: Any = vector
        if fmt == "base64":
            value = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": i, "embedding": value})
    return call.json({"object": "list", "data": data, "model": model.name,
                      "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})
