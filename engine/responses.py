"""Small response and request helpers shared by every surface of the engine."""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import errors

JSON = "application/json"


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
    """The body as a JSON object, or the 400 Azure gives for a body it cannot parse."""
    body = await request.body()
    if not body:
        raise errors.invalid_request("We could not parse the JSON body of your request. The request body is empty.",
                                     code=None)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid_request(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
            "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
            code=None) from None
    if not isinstance(data, dict):
        raise errors.invalid_request("The request body must be a JSON object.", code=None)
    return data
