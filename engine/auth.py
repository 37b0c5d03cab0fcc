"""Who may call: data-plane keys or Entra ID tokens with a role, and ARM bearer tokens (the engine's or Entra's)."""

from __future__ import annotations

import hmac
import re
import time
from datetime import UTC, datetime

from starlette.requests import Request

from engine import entra, errors
from engine.entra import EntraToken, TokenStore
from engine.keys import EngineKeys

ARM_MISSING = "Authentication failed. The 'Authorization' header is missing."
ARM_INVALID = ("Authentication failed. The 'Authorization' header is provided in an invalid format or the token is "
               "invalid.")
# What Azure OpenAI answers for a bearer token it cannot use (note: no "error" envelope, unlike every other 401).
TOKEN_INVALID = ("Unauthorized. Access token is missing, invalid, audience is incorrect "  # noqa: S105 (a message)
                 "(https://cognitiveservices.azure.com), or have expired.")
PROVIDER = "Microsoft.CognitiveServices"
_TEMPLATES = ((re.compile(r"^/openai/deployments/[^/]+"), "/openai/deployments/{deployment-id}"),
              (re.compile(r"^/openai/files/[^/]+"), "/openai/files/{file-id}"),
              (re.compile(r"^/openai/fine_tuning/jobs/[^/]+"), "/openai/fine_tuning/jobs/{fine-tuning-job-id}"),
              (re.compile(r"^/openai/models/.+"), "/openai/models/{model-id}"))
_VERBS = {"GET": "read", "POST": "write", "PUT": "write", "PATCH": "write", "DELETE": "delete"}


def _matches(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def _tokens(request: Request) -> TokenStore:
    return request.app.state.engine.entra


def _looks_like_jwt(value: str) -> bool:
    # Entra tokens are JWTs; any other unknown bearer value is answered like a wrong key, as before.
    return value.startswith("eyJ") and value.count(".") == 2


def data_action(method: str, path: str) -> tuple[str, str, bool]:
    """(the RBAC data action, the operation as Azure names it, whether it writes) for a data-plane request."""
    operation = path
    for pattern, template in _TEMPLATES:
        operation = pattern.sub(template, operation)
    parts = path.strip("/").split("/")
    if len(parts) > 3 and parts[1] == "deployments":
        return f"{PROVIDER}/accounts/OpenAI/deployments/{'/'.join(parts[3:])}/action", operation, False
    kind = {"fine_tuning": "fine-tunes"}.get(parts[1], parts[1]) if len(parts) > 1 else "models"
    verb = "import/action" if kind == "files" and method == "POST" else _VERBS.get(method, "read")
    return f"{PROVIDER}/accounts/OpenAI/{kind}/{verb}", operation, method != "GET"


def check_data_plane(request: Request, keys: EngineKeys) -> None:
    """api-key, the key as a bearer token (the openai SDK's non-Azure habit), or a registered Entra token with a
    role that grants the operation's data action."""
    api_key = request.headers.get("api-key")
    given = api_key or _bearer(request)
    if given and (_matches(given, keys.api_key) or _matches(given, keys.api_key2)):
        return
    token = _tokens(request).get(given) if given and not api_key else None
    if token is None:
        if given and not api_key and _looks_like_jwt(given):
            raise errors.ApiError(401, {"statusCode": 401, "message": TOKEN_INVALID})
        raise errors.access_denied()
    if token.audience != entra.DATA_PLANE or token.expired(time.time()):
        raise errors.ApiError(401, {"statusCode": 401, "message": TOKEN_INVALID})
    action, operation, writes = data_action(request.method, request.url.path)
    if not token.roles & (entra.DATA_WRITE_ROLES if writes else entra.DATA_INFERENCE_ROLES):
        raise errors.ApiError(401, {"error": {"code": "PermissionDenied", "message": (
            f"The principal `{token.principal}` lacks the required data action `{action}` to perform "
            f"`{request.method} {operation}` operation.")}})


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%m/%d/%Y %H:%M:%S")


def arm_action(method: str, path: str) -> str:
    """The ARM action a request needs, e.g. Microsoft.CognitiveServices/accounts/deployments/write."""
    parts = path.strip("/").split("/")
    types = [parts[i] for i in range(6 if "resourceGroups" in parts else 4, len(parts), 2)]
    if method == "POST":
        return f"{PROVIDER}/{'/'.join(types[:-1] + [parts[-1]])}/action"
    return f"{PROVIDER}/{'/'.join(types)}/{_VERBS.get(method, 'read')}"


def _entra_arm(request: Request, token: EntraToken) -> None:
    now = time.time()
    if token.audience != entra.ARM:
        allowed = "'https://management.core.windows.net/','https://management.azure.com/'"
        raise errors.arm(401, "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong "
                         f"audience or resource '{entra.AUDIENCES[token.audience]}'. It should exactly match with one "
                         f"of the allowed audiences {allowed}.")
    if token.expired(now):
        raise errors.arm(401, "ExpiredAuthenticationToken", f"The access token expiry UTC time "
                         f"'{_utc(token.expires_on or now)}' is earlier than current UTC time '{_utc(now)}'.")
    path = request.url.path
    needed = entra.ARM_READ_ROLES if request.method == "GET" else entra.ARM_WRITE_ROLES
    if not token.roles & needed:
        raise errors.arm(403, "AuthorizationFailed", f"The client '{token.principal}' with object id "
                         f"'{token.principal}' does not have authorization to perform action "
                         f"'{arm_action(request.method, path)}' over scope '{path}' or the scope is invalid. If "
                         "access was recently granted, please refresh your credentials.")


def check_arm(request: Request, keys: EngineKeys, entra: bool = True) -> None:
    """ARM never takes api-key: only `Authorization: Bearer <token>`, the engine's ARM token (every right) or, with
    `entra`, a registered ARM Entra token whose roles allow the request (the admin API takes only the engine's)."""
    if "authorization" not in request.headers:
        raise errors.arm(401, "AuthenticationFailed", ARM_MISSING)
    token = _bearer(request)
    if token is not None and _matches(token, keys.arm_token):
        return
    known = _tokens(request).get(token) if token and entra else None
    if known is None:
        raise errors.arm(401, "AuthenticationFailed", ARM_INVALID)
    _entra_arm(request, known)
