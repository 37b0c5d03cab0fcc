"""Reading a chat completions request: Azure's validation rules and the backend request they produce."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from engine import errors
from engine.backends.base import ChatRequest
from engine.config import ModelSpec
from engine.dataplane import validation as v
from engine.dataplane.chat_messages import check_messages
from engine.dataplane.offload import off_loop_if_large
from engine.tokens import EstimatorError, count_chat_tokens

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# The fields that shape the answer: equal values (with a seed) give equal answers. stop, max_tokens, n, stream
# and user only cut or repeat an answer, so a stop sequence or a shorter limit cuts the very same text.
SAMPLED_FIELDS = ("messages", "temperature", "top_p", "seed", "response_format", "tools", "tool_choice",
                  "presence_penalty", "frequency_penalty", "logit_bias", "parallel_tool_calls", "logprobs",
                  "top_logprobs")


def _response_format(body: dict[str, Any], model: ModelSpec) -> dict[str, Any] | None:
    value = body.get("response_format")
    if value is None:
        return None
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in ("text", "json_object", "json_schema"):
        raise errors.invalid_request(f"Invalid value: {json.dumps(kind)}. Supported values are: 'text', "
                                     "'json_object' and 'json_schema'.", param="response_format.type")
    if kind == "json_schema":
        if not model.can("json_schema"):
            raise errors.invalid_request("Invalid parameter: 'response_format' of type 'json_schema' is not supported "
                                         "with this model.", param="response_format")
        spec = value.get("json_schema")
        if not isinstance(spec, dict) or not _is_name(spec.get("name")):
            raise errors.invalid_request("Missing or invalid 'response_format.json_schema.name': use 1-64 letters, "
                                         "digits, '_' or '-'.", param="response_format.json_schema.name")
        if not isinstance(spec.get("schema", {}), dict):
            raise errors.invalid_request("'response_format.json_schema.schema' must be an object.",
                                         param="response_format.json_schema.schema")
    return value


def _tools(body: dict[str, Any]) -> tuple[list[dict[str, Any]], str | dict[str, Any] | None]:
    tools = body.get("tools")
    choice = body.get("tool_choice")
    if tools is None:
        if choice is not None and choice != "none":
            raise errors.invalid_request("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' "
                                         "are specified.", param="tool_choice", code=None)
        return [], choice
    if not isinstance(tools, list) or len(tools) > 128:
        raise errors.invalid_request("'tools' must be an array of at most 128 tools.", param="tools")
    names = []
    for i, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(function, dict):
            raise errors.invalid_request(f"Invalid tool: tools[{i}] must be {{\"type\": \"function\", \"function\": "
                                         "{...}}.", param=f"tools[{i}]")
        if not _is_name(function.get("name")):
            raise errors.invalid_request(f"Invalid 'tools[{i}].function.name': string does not match pattern. "
                                         "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                                         param=f"tools[{i}].function.name", code="invalid_value")
        if not isinstance(function.get("parameters", {}), dict):
            raise errors.invalid_request(f"'tools[{i}].function.parameters' must be an object.",
                                         param=f"tools[{i}].function.parameters")
        names.append(function["name"])
    if isinstance(choice, dict):
        function = choice.get("function")
        if choice.get("type") != "function" or not isinstance(function, dict) or not isinstance(
                function.get("name"), str):
            raise errors.invalid_request("Invalid 'tool_choice': expected {\"type\": \"function\", \"function\": "
                                         "{\"name\": \"...\"}}.", param="tool_choice")
        name = function["name"]
        if name not in names:
            raise errors.invalid_request(f"Invalid value for 'tool_choice': no function named {json.dumps(name)} was "
                                         "specified in the 'tools' parameter.", param="tool_choice", code=None)
    elif choice is not None and choice not in ("none", "auto", "required"):
        raise errors.invalid_request(f"Invalid value: {json.dumps(choice)}. Supported values are: 'none', 'auto', "
                                     "and 'required'.", param="tool_choice")
    return tools, choice


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and TOOL_NAME.match(value) is not None


def _unsupported(body: dict[str, Any]) -> None:
    """Parameters Azure honours that this engine does not: a clear 400 rather than silently ignoring them."""
    if body.get("data_sources") is not None:
        raise errors.invalid_request("'data_sources' (Azure OpenAI On Your Data) is not supported by this local "
                                     "engine: it has no search index to ground answers in.", param="data_sources",
                                     code="unsupported_parameter")
    for name in ("functions", "function_call"):
        if body.get(name) is not None:
            raise errors.invalid_request(f"'{name}' (deprecated in favour of 'tools' and 'tool_choice') is not "
                                         "supported by this local engine; send 'tools' and 'tool_choice' instead.",
                                         param=name, code="unsupported_parameter")


def _max_tokens(body: dict[str, Any], model: ModelSpec) -> int | None:
    if body.get("max_tokens") is not None and body.get("max_completion_tokens") is not None:
        raise errors.invalid_request("Setting 'max_tokens' and 'max_completion_tokens' at the same time is not "
                                     "supported.", param="max_tokens", code="invalid_parameter")
    name = "max_tokens" if body.get("max_tokens") is not None else "max_completion_tokens"
    value = v.integer(body, name, 1, None, None)
    if value is not None and value > model.max_output_tokens:
        raise errors.invalid_request(f"{name} is too large: {value}. This model supports at most "
                                     f"{model.max_output_tokens} completion tokens, whereas you provided {value}.",
                                     param=name, code="invalid_value")
    return value


async def check_context(request: ChatRequest, model: ModelSpec) -> int:
    """The prompt's tokens, or Azure's 400 context_length_exceeded when prompt plus max_tokens (or the prompt alone,
    without max_tokens) passes the model's context window. A large prompt is counted off the event loop."""
    try:
        count = await off_loop_if_large(len(prompt_text(request.messages)), count_chat_tokens, request.messages,
                                        model.token_model)
    except EstimatorError as e:
        raise errors.invalid_request(str(e), param=e.param or "messages") from None
    prompt_tokens = count.prompt_tokens
    total = prompt_tokens + (request.max_tokens or 0)
    if total > model.max_context_tokens:
        if request.max_tokens is None:
            message = (f"This model's maximum context length is {model.max_context_tokens} tokens. However, your "
                       f"messages resulted in {prompt_tokens} tokens. Please reduce the length of the messages.")
        else:
            message = (f"This model's maximum context length is {model.max_context_tokens} tokens. However, you "
                       f"requested {total} tokens ({prompt_tokens} in the messages, {request.max_tokens} in the "
                       "completion). Please reduce the length of the messages or completion.")
        raise errors.invalid_request(message, param="messages", code="context_length_exceeded")
    return prompt_tokens


def prompt_text(messages: list[dict[str, Any]]) -> str:
    out = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out.extend(p["text"] for p in content if p.get("type") == "text" and isinstance(p.get("text"), str))
    return "\n".join(out)


def parse(body: dict[str, Any], model: ModelSpec) -> tuple[ChatRequest, dict[str, Any]]:
    """The backend request and the options only the response needs (stream, include_usage). The request's
    sample_key is left empty: set it with sample_key() once the prompt has passed the context check."""
    messages = check_messages(body, model)
    _unsupported(body)
    params = v.sampling(body)
    max_tokens = _max_tokens(body, model)
    logprobs = v.boolean(body, "logprobs", False)
    top_logprobs = v.integer(body, "top_logprobs", 0, 20, 0)
    if top_logprobs and not logprobs:
        raise errors.invalid_request("'top_logprobs' requires 'logprobs' to be true.", param="top_logprobs")
    response_format = _response_format(body, model)
    tools, tool_choice = _tools(body)
    parallel = v.boolean(body, "parallel_tool_calls", True)
    include_usage = v.stream_options(body, params["stream"])
    request = ChatRequest(
        model=model, messages=messages, n=params["n"], max_tokens=max_tokens, stop=params["stop"], seed=params["seed"],
        temperature=params["temperature"], top_p=params["top_p"], response_format=response_format, tools=tools,
        tool_choice=tool_choice, parallel_tool_calls=parallel, logprobs=logprobs, top_logprobs=top_logprobs or 0,
    )
    return request, {"stream": params["stream"], "include_usage": include_usage}


def sample_key(body: dict[str, Any], model: ModelSpec) -> bytes:
    """A digest of everything that shapes the answer (costly for a long prompt, so computed after the checks)."""
    canonical = json.dumps({k: body.get(k) for k in SAMPLED_FIELDS} | {"model": model.name}, sort_keys=True)
    return hashlib.blake2b(canonical.encode(), digest_size=16).digest()
