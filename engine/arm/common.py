"""What every ARM call shares: the bearer token, api-version, the account in the path, resource metadata."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.auth import check_arm
from engine.deployments import Deployment
from engine.errors import ApiError
from engine.faults import HEADER, NONE, FaultError, Faults, parse_header
from engine.responses import error_response, json_response, read_json_object
from engine.state import Engine

Handler = Callable[[Request, Engine], Awaitable[Response]]
# The Microsoft.CognitiveServices versions the engine implements, oldest to newest (2025-09-01 is what
# azure-mgmt-cognitiveservices 14.x sends). Always accepted, so a config file written by an older engine, whose
# api_versions.arm lists fewer, cannot lock out a current client; the config may add more.
ARM_VERSIONS = ("2023-05-01", "2023-10-01-preview", "2024-04-01-preview", "2024-06-01-preview", "2024-10-01",
                "2025-04-01-preview", "2025-06-01", "2025-07-01-preview", "2025-09-01", "2025-10-01-preview")


def _headers() -> dict[str, str]:
    request_id = str(uuid.uuid4())
    return {"x-ms-request-id": request_id, "x-ms-correlation-request-id": request_id}


def check_version(request: Request, engine: Engine) -> None:
    version = request.query_params.get("api-version")
    if not version:
        raise errors.arm(400, "MissingApiVersionParameter",
                         "The api-version query parameter (?api-version=) is required for all requests.")
    if version not in ARM_VERSIONS and version not in engine.config.arm_versions:
        supported = ",".join(sorted({*ARM_VERSIONS, *engine.config.arm_versions}, reverse=True))
        raise errors.arm(400, "InvalidApiVersionParameter", f"The api-version '{version}' is invalid. The supported "
                         f"versions are '{supported}'. The supported locations are '{engine.config.location}'.")


def check_scope(request: Request, engine: Engine) -> None:
    """The subscription, resource group and account in the path must be the engine's (names are case-insensitive)."""
    cfg, params = engine.config, request.path_params
    if params.get("subscription", "").lower() != cfg.subscription_id.lower():
        raise errors.arm(404, "ResourceNotFound", f"The subscription '{params.get('subscription')}' could not be "
                         "found.")
    if "resource_group" in params and params["resource_group"].lower() != cfg.resource_group.lower():
        raise errors.arm(404, "ResourceNotFound", f"Resource group '{params['resource_group']}' could not be "
                         "found.")
    if "account" in params and params["account"].lower() != cfg.account_name.lower():
        raise errors.arm(404, "ResourceNotFound", f"The Resource 'Microsoft.CognitiveServices/accounts/"
                         f"{params['account']}' under resource group '{params.get('resource_group')}' was not found.")
    if "location" in params and params["location"].lower() != cfg.location.lower():
        raise errors.arm(404, "ResourceNotFound", f"The location '{params['location']}' is not served by this engine; "
                         f"use '{cfg.location}'.")


_INJECTED = {408: ("RequestTimeout", "The request timed out."),
             429: ("TooManyRequests", "The request was throttled by the resource provider. Retry after the time "
                                      "in the Retry-After header."),
             500: ("InternalServerError", "An internal error occurred in the resource provider."),
             502: ("BadGateway", "The resource provider returned a bad gateway response."),
             503: ("ServiceUnavailable", "The resource provider is temporarily unavailable. Please try again later."),
             504: ("GatewayTimeout", "The gateway did not receive a response from the resource provider in time.")}


def _injected(request: Request, engine: Engine) -> None:
    """`status` (with `rate`, `fault_seed`, `retry_after`) in x-engine-faults answers an ARM call with that error."""
    faults = _header_faults(request)  # only the header: the config's and deployments' faults are the data plane's
    if faults.status is None or not engine.dice.hits("arm", faults):
        return
    code, message = _INJECTED[faults.status]
    error = errors.arm(faults.status, code, message)
    if faults.status in (429, 503):
        error.headers["Retry-After"] = str(faults.retry_after or 1)
    raise error


def arm(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        headers = _headers()
        try:
            engine: Engine = request.app.state.engine
            check_arm(request, engine.keys)
            check_version(request, engine)
            check_scope(request, engine)
            _injected(request, engine)
            response = await handler(request, engine)
            response.headers.update(headers)
            return response
        except ApiError as e:
            return error_response(e, headers)

    return endpoint


async def read_body(request: Request) -> dict[str, Any]:
    try:
        return await read_json_object(request)
    except ApiError:
        raise errors.arm(400, "InvalidRequestContent", "The request content was invalid and could not be "
                         "deserialized.") from None


def arm_faults(request: Request, engine: Engine, deployment: Deployment | None = None) -> Faults:
    """The faults an ARM write runs under: the x-engine-faults header over the deployment's, over the config's."""
    faults = deployment.faults.over(engine.default_faults) if deployment else engine.default_faults
    return _header_faults(request).over(faults)


def _header_faults(request: Request) -> Faults:
    header = request.headers.get(HEADER)
    if not header:
        return NONE
    try:
        return parse_header(header)
    except FaultError as e:
        raise errors.arm(400, "InvalidFaultHeader", f"{HEADER}: {e}") from None


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def system_data(created: float, modified: float) -> dict[str, str]:
    return {"createdBy": "studio-local", "createdByType": "User", "createdAt": iso(created),
            "lastModifiedBy": "studio-local", "lastModifiedByType": "User", "lastModifiedAt": iso(modified)}


def etag(payload: Any) -> str:
    return '"' + hashlib.sha1(repr(payload).encode(), usedforsecurity=False).hexdigest()[:32] + '"'


def ok(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return json_response(payload, status, headers)
