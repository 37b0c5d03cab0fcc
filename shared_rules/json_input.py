"""JSON from users, parsed with a bound on nesting depth so a hostile body gets a clear error, not a RecursionError.

Python's json decoder recurses once per nesting level and raises RecursionError past the interpreter's limit; code that
walks the parsed value recursively would fail the same way at lower depths. Every parser that reads JSON from a user
goes through loads_bounded, which turns both into one clear error.
"""

from __future__ import annotations

import json
from typing import Any

MAX_JSON_DEPTH = 64


class JSONInputError(ValueError):
    """Raised for text that is not JSON, or JSON nested deeper than allowed. The message is safe to show."""


def depth_exceeds(value: Any, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """True when lists and dicts inside value nest deeper than max_depth (iterative, so it cannot overflow)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads_bounded(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads that refuses nesting deeper than max_depth and NaN/Infinity, raising JSONInputError."""
    too_deep = f"JSON is nested more than {max_depth} levels deep"
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except JSONInputError:
        raise
    except RecursionError as error:  # the C decoder gives up cleanly at the interpreter's recursion limit
        raise JSONInputError(too_deep) from error
    except UnicodeDecodeError as error:
        raise JSONInputError("the body is not UTF-8 text") from error
    except ValueError as error:  # JSONDecodeError is a ValueError
        raise JSONInputError(f"not valid JSON: {error}") from error
    # Fewer brackets than the limit cannot nest past it: most bodies skip the walk.
    if _bracket_count(text) > max_depth and depth_exceeds(value, max_depth):
        raise JSONInputError(too_deep)
    return value


def _bracket_count(text: str | bytes) -> int:
    if isinstance(text, str):
        return text.count("[") + text.count("{")
    return text.count(b"[") + text.count(b"{")


def _refuse_constant(name: str) -> Any:
    raise JSONInputError(f"not valid JSON: {name} is not a JSON number")
