"""Small response and request helpers shared by every surface of the engine."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from shared_rules.json_input import JSONInputError, loads_bounded

JSON = "application/json"
MAX_JSON_BODY_BYTES = 16 * 1024 * 1024  # far above any prompt a 128K-token model takes; larger is refused unparsed
LARGE_BODY_BYTES = 1024 * 1024  # parsed in a worker thread from this size on
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # only bodies with such an escape need the slower walk


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(payload), status_code=status, headers=headers, media_type=JSON)


def error_response(error: errors.ApiError, headers: dict[str, str] | None = None) -> Response:
    merged = {**(headers or {}), **error.headers}
    return Response(dumps(error.body), status_code=error.status, headers=merged, media_type=JSON)


def request_ids() -> dict[str, str]:
    request_id = str(uuid.uuid4())
    return {"apim-request-id": request_id, "x-request-id": request_id, "x-ms-region": "local"}


async def read_json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or the 400 Azure gives for a body it cannot parse.

    Parsing is bounded (nesting depth, no NaN/Infinity: shared_rules.json_input), a body over MAX_JSON_BODY_BYTES is
    refused before parsing (413), a large one is parsed off the event loop, and text that cannot be written back as
    UTF-8 (a lone surrogate such as \\ud800) is refused here rather than failing when an answer repeats it.
    The parsed body is kept on the request: the v1 API reads `model` before the handler reads the rest."""
    parsed = getattr(request.state, "json_body", None)
    if parsed is not None:
        return parsed
    body = await request.body()
    if not body:
        raise errors.invalid_request("We could not parse the JSON body of your request. The request body is empty.",
                                     code=None)
    if len(body) > MAX_JSON_BODY_BYTES:
        raise errors.invalid_request(f"The request body is too large: {len(body)} bytes. This engine accepts JSON "
                                     f"bodies of at most {MAX_JSON_BODY_BYTES} bytes.", code="request_too_large",
                                     status=413)
    try:
        if len(body) > LARGE_BODY_BYTES:
            data = await asyncio.to_thread(loads_bounded, body)
        else:
            data = loads_bounded(body)
    except JSONInputError as e:
        raise errors.invalid_request(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
            f"library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON: {e}.)",
            code=None) from None
    if not isinstance(data, dict):
        raise errors.invalid_request("The request body must be a JSON object.", code=None)
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(data):
        raise errors.invalid_request("The request body holds a lone UTF-16 surrogate (such as \\ud800), which is not "
                                     "valid Unicode text.", code=None)
    request.state.json_body = data
    return data


def _has_lone_surrogate(value: Any) -> bool:
    """True when any string inside `value` cannot be encoded as UTF-8 (iterative: the depth is already bounded)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode()
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
