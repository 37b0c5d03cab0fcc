"""Checking a chat request's `messages` the way Azure does: every role's fields, content parts and tool calls typed."""

from __future__ import annotations

import json
from typing import Any

from engine import errors
from engine.config import ModelSpec

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
# The content part types each role may send (assistant messages: text, or one refusal part).
PART_TYPES = {"system": ("text",), "developer": ("text",), "user": ("text", "image_url"),
              "assistant": ("text", "refusal"), "tool": ("text",), "function": ()}
DETAILS = ("auto", "low", "high")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _type_error(where: str, value: Any, kind: str) -> errors.ApiError:
    return errors.invalid_request(f"{_short(value)} is not of type '{kind}' - '{where}'", param=where)


def _missing(where: str) -> errors.ApiError:
    return errors.invalid_request(f"Missing required parameter: '{where}'.", param=where,
                                  code="missing_required_parameter")


def _optional_string(message: dict[str, Any], key: str, where: str) -> None:
    value = message.get(key)
    if value is not None and not isinstance(value, str):
        raise _type_error(f"{where}.{key}", value, "string")


def _part(part: Any, where: str, role: str, model: ModelSpec) -> None:
    if not isinstance(part, dict):
        raise _type_error(where, part, "object")
    kind = part.get("type")
    allowed = PART_TYPES[role]
    if kind not in allowed:
        if kind == "image_url" and role != "user":
            raise errors.invalid_request(f"Image parts are only allowed in user messages ({where}).", param=where)
        names = " and ".join(f"'{a}'" for a in allowed)
        raise errors.invalid_request(f"Invalid value: {_short(kind)}. Supported values are: {names}.",
                                     param=f"{where}.type")
    if kind == "text" and not isinstance(part.get("text"), str):
        raise _missing(f"{where}.text") if part.get("text") is None else _type_error(f"{where}.text", part["text"],
                                                                                    "string")
    if kind == "refusal" and not isinstance(part.get("refusal"), str):
        raise _type_error(f"{where}.refusal", part.get("refusal"), "string")
    if kind == "image_url":
        if not model.can("vision"):
            raise errors.invalid_request("Invalid content type. image_url is only supported by certain models.",
                                         param=f"{where}.type")
        image = part.get("image_url")
        if not isinstance(image, dict) or not isinstance(image.get("url"), str):
            raise errors.invalid_request(f"'{where}.image_url' must be an object with a string 'url'.",
                                         param=f"{where}.image_url")
        if image.get("detail") is not None and image["detail"] not in DETAILS:
            raise errors.invalid_request(f"Invalid value: {_short(image['detail'])}. Supported values are: 'auto', "
                                         "'low' and 'high'.", param=f"{where}.image_url.detail")


def _content(message: dict[str, Any], where: str, role: str, model: ModelSpec) -> None:
    content = message.get("content")
    calls = message.get("tool_calls") or message.get("function_call")
    if content is None:
        # Assistant turns that call tools, and function results, may have no content.
        if (role == "assistant" and calls) or role == "function":
            return
        raise _missing(f"{where}.content")
    if isinstance(content, str):
        return
    if not isinstance(content, list) or role == "function":
        raise errors.invalid_request(f"{_short(content)} is not valid under any of the given schemas - "
                                     f"'{where}.content'", param=f"{where}.content")
    if not content:
        raise errors.invalid_request(f"[] is too short - '{where}.content'", param=f"{where}.content",
                                     code="empty_array")
    for j, part in enumerate(content):
        _part(part, f"{where}.content[{j}]", role, model)
    if role == "assistant" and any(p.get("type") == "refusal" for p in content) and len(content) > 1:
        raise errors.invalid_request(f"'{where}.content' may hold text parts or one refusal part, not both.",
                                     param=f"{where}.content")


def _tool_calls(message: dict[str, Any], where: str) -> None:
    calls = message.get("tool_calls")
    if calls is None:
        return
    if not isinstance(calls, list):
        raise _type_error(f"{where}.tool_calls", calls, "array")
    for k, call in enumerate(calls):
        at = f"{where}.tool_calls[{k}]"
        if not isinstance(call, dict):
            raise _type_error(at, call, "object")
        if not isinstance(call.get("id"), str):
            raise _missing(f"{at}.id") if call.get("id") is None else _type_error(f"{at}.id", call["id"], "string")
        if call.get("type") != "function":
            raise errors.invalid_request(f"Invalid value: {_short(call.get('type'))}. Supported values are: "
                                         "'function'.", param=f"{at}.type")
        _function_call(call.get("function"), f"{at}.function")


def _function_call(function: Any, where: str) -> None:
    if not isinstance(function, dict):
        raise _missing(where) if function is None else _type_error(where, function, "object")
    for key in ("name", "arguments"):
        if not isinstance(function.get(key), str):
            value = function.get(key)
            raise _missing(f"{where}.{key}") if value is None else _type_error(f"{where}.{key}", value, "string")


def check_messages(body: dict[str, Any], model: ModelSpec) -> list[dict[str, Any]]:
    """The request's messages, or the 400 naming the first field that Azure would refuse."""
    messages = body.get("messages")
    if messages is None:
        raise errors.invalid_request("'messages' is a required property", param="messages", code=None)
    if not isinstance(messages, list):
        raise _type_error("messages", messages, "array")
    if not messages:
        raise errors.invalid_request("[] is too short - 'messages'", param="messages", code="empty_array")
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            raise errors.invalid_request(f"{where} must be an object with a role.", param=where)
        role = message.get("role")
        if role not in ROLES:
            raise errors.invalid_request(
                f"Invalid value: {_short(role)}. Supported values are: {', '.join(repr(r) for r in ROLES)}.",
                param=f"{where}.role")
        _optional_string(message, "name", where)
        if role == "function" and message.get("name") is None:
            raise _missing(f"{where}.name")
        if role == "tool" and not isinstance(message.get("tool_call_id"), str):
            raise _missing(f"{where}.tool_call_id")
        if role == "assistant":
            _optional_string(message, "refusal", where)
            _tool_calls(message, where)
            if message.get("function_call") is not None:
                _function_call(message["function_call"], f"{where}.function_call")
        _content(message, where, role, model)
    return messages
