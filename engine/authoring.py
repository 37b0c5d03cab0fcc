"""The wrapper shared by the authoring surface (files, fine-tuning, models): api-version, key, error bodies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.auth import check_data_plane
from engine.dataplane.common import api_version
from engine.errors import ApiError
from engine.responses import error_response, request_ids
from engine.state import Engine

Handler = Callable[[Request, Engine, dict[str, str]], Awaitable[Response]]


def authoring(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """The handler gets the engine and the response headers (request ids) once the common checks pass."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        headers = request_ids()
        try:
            engine: Engine = request.app.state.engine
            api_version(request, engine.config.data_plane_versions)
            check_data_plane(request, engine.keys)
            return await handler(request, engine, headers)
        except ApiError as e:
            return error_response(e, headers)

    return endpoint


def page_limit(request: Request, default: int, maximum: int = 100) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise errors.authoring(400, "invalidPayload", f"limit must be a whole number from 1 to {maximum}.", "limit")
    return int(raw)
