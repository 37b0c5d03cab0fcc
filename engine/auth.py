"""Who may call: data-plane keys (api-key or Bearer), the ARM token for the control plane and admin API."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from engine import errors
from engine.keys import EngineKeys

ARM_MISSING = "Authentication failed. The 'Authorization' header is missing."
ARM_INVALID = ("Authentication failed. The 'Authorization' header is provided in an invalid format or the token is "
               "invalid.")


def _matches(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def check_data_plane(request: Request, keys: EngineKeys) -> None:
    given = request.headers.get("api-key") or _bearer(request)
    if not given or not (_matches(given, keys.api_key) or _matches(given, keys.api_key2)):
        raise errors.access_denied()


def check_arm(request: Request, keys: EngineKeys) -> None:
    """ARM never takes api-key: only `Authorization: Bearer <ARM token>`."""
    if "authorization" not in request.headers:
        raise errors.arm(401, "AuthenticationFailed", ARM_MISSING)
    token = _bearer(request)
    if token is None or not _matches(token, keys.arm_token):
        raise errors.arm(401, "AuthenticationFailed", ARM_INVALID)
