"""Request-body checks that answer like Azure: a 400 naming the parameter, in OpenAI's wording."""

from __future__ import annotations

import json
import math
from typing import Any

from engine import errors

_TYPE_NAMES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}


def _type_error(name: str, value: Any, kind: str) -> errors.ApiError:
    return errors.invalid_request(f"{json.dumps(value)} is not of type '{kind}' - '{name}'", param=name)


def number(body: dict[str, Any], name: str, low: float, high: float, default: float | None) -> float | None:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _type_error(name, value, "number")  # NaN would pass every range check below
    if value < low:
        raise errors.invalid_request(f"{value} is less than the minimum of {low:g} - '{name}'", param=name)
    if value > high:
        raise errors.invalid_request(f"{value} is greater than the maximum of {high:g} - '{name}'", param=name)
    return float(value)


def integer(body: dict[str, Any], name: str, low: int | None, high: int | None, default: int | None) -> int | None:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise _type_error(name, value, "integer")
    if low is not None and value < low:
        raise errors.invalid_request(f"{value} is less than the minimum of {low} - '{name}'", param=name)
    if high is not None and value > high:
        raise errors.invalid_request(f"{value} is greater than the maximum of {high} - '{name}'", param=name)
    return value


def boolean(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _type_error(name, value, "boolean")
    return value


def string(body: dict[str, Any], name: str, default: str | None = None, max_length: int | None = None,
           required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise errors.invalid_request(f"'{name}' is a required property", param=name, code=None)
        return default
    if not isinstance(value, str):
        raise _type_error(name, value, "string")
    if max_length is not None and len(value) > max_length:
        raise errors.invalid_request(f"'{name}' is too long: at most {max_length} characters, got {len(value)}.",
                                     param=name, code="string_above_max_length")
    return value


def one_of(body: dict[str, Any], name: str, options: tuple[str, ...], default: str) -> str:
    value = body.get(name)
    if value is None:
        return default
    if value not in options:
        quoted = ", ".join(f"'{o}'" for o in options)
        raise errors.invalid_request(f"{json.dumps(value)} is not one of [{quoted}] - '{name}'", param=name)
    return value


def stop_sequences(body: dict[str, Any]) -> list[str]:
    value = body.get("stop")
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise errors.invalid_request(f"{json.dumps(value)} is not valid under any of the given schemas - 'stop'",
                                     param="stop")
    if not value:
        raise errors.invalid_request("[] is too short - 'stop'", param="stop", code="empty_array")
    if len(value) > 4:
        raise errors.invalid_request(f"{json.dumps(value)} is too long - 'stop'", param="stop")
    return value


def logit_bias(body: dict[str, Any]) -> dict[str, Any] | None:
    value = body.get("logit_bias")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _type_error("logit_bias", value, "object")
    for key, bias in value.items():
        if not str(key).isdigit():
            raise errors.invalid_request(f"Invalid key in 'logit_bias': {key}. You should only be submitting non-"
                                         "negative integers.", param="logit_bias")
        if isinstance(bias, bool) or not isinstance(bias, int | float) or not -100 <= bias <= 100:
            raise errors.invalid_request(f"Invalid value in 'logit_bias': {json.dumps(bias)}. Supported values are "
                                         "in the range [-100, 100].", param="logit_bias")
    return value


def sampling(body: dict[str, Any]) -> dict[str, Any]:
    """The sampling parameters chat and completions share."""
    return {
        "temperature": number(body, "temperature", 0, 2, 1.0),
        "top_p": number(body, "top_p", 0, 1, 1.0),
        "n": integer(body, "n", 1, 128, 1),
        "presence_penalty": number(body, "presence_penalty", -2, 2, 0.0),
        "frequency_penalty": number(body, "frequency_penalty", -2, 2, 0.0),
        "seed": integer(body, "seed", -(2**63), 2**63 - 1, None),  # a signed 64-bit integer
        "stop": stop_sequences(body),
        "logit_bias": logit_bias(body),
        "user": string(body, "user"),
        "stream": boolean(body, "stream", False),
    }


def stream_options(body: dict[str, Any], stream: bool) -> bool:
    """include_usage; stream_options is refused unless streaming (wire reference, trap 5)."""
    options = body.get("stream_options")
    if options is None:
        return False
    if not stream:
        raise errors.invalid_request("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                                     param="stream_options", code=None)
    if not isinstance(options, dict):
        raise _type_error("stream_options", options, "object")
    return boolean(options, "include_usage", False)
