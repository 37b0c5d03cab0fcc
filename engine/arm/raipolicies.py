"""ARM raiPolicies: content-filter policies that deployments name in properties.raiPolicyName."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.arm.common import arm, etag, ok, read_body
from engine.arm.lro import lro_headers
from engine.contentfilter import ARM_FILTER_NAMES
from engine.state import Engine

MODES = ("Default", "Deferred", "Blocking", "Asynchronous_filter")
THRESHOLDS = ("Low", "Medium", "High")
SOURCES = ("Prompt", "Completion")


def resource(engine: Engine, name: str, properties: dict[str, Any], builtin: bool) -> dict[str, Any]:
    return {
        "id": f"{engine.config.account_path}/raiPolicies/{name}", "name": name,
        "type": "Microsoft.CognitiveServices/accounts/raiPolicies", "etag": etag(properties),
        "properties": {**properties, "type": "SystemManaged" if builtin else "UserManaged"},
    }


def _flags(entry: dict[str, Any], where: str) -> None:
    for flag in ("enabled", "blocking"):
        if flag in entry and not isinstance(entry[flag], bool):
            raise errors.arm(400, "InvalidResourceProperties", f"{where}.{flag} must be true or false.")


def _validate(engine: Engine, properties: Any) -> dict[str, Any]:
    if not isinstance(properties, dict):
        raise errors.arm(400, "InvalidResourceProperties", "properties is required.")
    base = properties.get("basePolicyName")
    if base is not None and base not in engine.policies.builtin:
        raise errors.arm(400, "InvalidResourceProperties", f"basePolicyName '{base}' is not a built-in policy.")
    mode = properties.get("mode", "Default")
    if mode not in MODES:
        raise errors.arm(400, "InvalidResourceProperties", f"mode must be one of {', '.join(MODES)}.")
    filters = properties.get("contentFilters") or []
    if not isinstance(filters, list):
        raise errors.arm(400, "InvalidResourceProperties", "contentFilters must be an array.")
    for i, f in enumerate(filters):
        if not isinstance(f, dict) or str(f.get("name", "")).lower() not in ARM_FILTER_NAMES:
            raise errors.arm(400, "InvalidResourceProperties", f"contentFilters[{i}].name is not a known filter.")
        if f.get("source") not in SOURCES:
            raise errors.arm(400, "InvalidResourceProperties", f"contentFilters[{i}].source must be Prompt or "
                             "Completion.")
        threshold = f.get("severityThreshold")
        if threshold is not None and threshold not in THRESHOLDS:
            raise errors.arm(400, "InvalidResourceProperties", f"contentFilters[{i}].severityThreshold must be Low, "
                             "Medium or High.")
        _flags(f, f"contentFilters[{i}]")
    blocklists = properties.get("customBlocklists") or []
    if not isinstance(blocklists, list):
        raise errors.arm(400, "InvalidResourceProperties", "customBlocklists must be an array.")
    for i, b in enumerate(blocklists):
        if not isinstance(b, dict) or not engine.blocklists.exists(str(b.get("blocklistName"))):
            raise errors.arm(400, "InvalidResourceProperties", f"customBlocklists[{i}].blocklistName must name a "
                             "blocklist of this account (create it under raiBlocklists first).")
        if b.get("source", "Prompt") not in SOURCES:
            raise errors.arm(400, "InvalidResourceProperties", f"customBlocklists[{i}].source must be Prompt or "
                             "Completion.")
        _flags(b, f"customBlocklists[{i}]")
    return {"basePolicyName": base or "Microsoft.DefaultV2", "mode": mode, "contentFilters": filters,
            "customBlocklists": properties.get("customBlocklists") or []}


@arm
async def put(request: Request, engine: Engine) -> Response:
    name = request.path_params["name"]
    if name in engine.policies.builtin:
        raise errors.arm(400, "InvalidResourceProperties", f"'{name}' is a built-in policy and cannot be changed.")
    properties = _validate(engine, (await read_body(request)).get("properties"))
    created = engine.policies.put(name, properties)
    return ok(resource(engine, name, properties, False), 201 if created else 200)


@arm
async def get(request: Request, engine: Engine) -> Response:
    name = request.path_params["name"]
    properties = engine.policies.properties(name)
    if properties is None:
        raise errors.arm(404, "NotFound", f"The RAI policy '{name}' was not found.")
    return ok(resource(engine, name, properties, name in engine.policies.builtin))


@arm
async def list_all(request: Request, engine: Engine) -> Response:
    return ok({"value": [resource(engine, n, p, b) for n, p, b in engine.policies.all()]})


@arm
async def delete(request: Request, engine: Engine) -> Response:
    name = request.path_params["name"]
    if name in engine.policies.builtin:
        raise errors.arm(400, "InvalidResourceProperties", f"'{name}' is a built-in policy and cannot be deleted.")
    users = [d.name for d in engine.deployments.all() if d.rai_policy == name]
    if users:
        raise errors.arm(409, "Conflict", f"The RAI policy '{name}' is used by deployments {', '.join(users)}; "
                         "point them at another policy first.")
    if not engine.policies.delete(name):
        return Response(status_code=204)
    # Deletes are long-running on ARM (the SDK accepts only 202 or 204); this one is already done.
    op = engine.operations.start("delete", f"raiPolicies/{name}", 0)
    return Response(status_code=202, headers=lro_headers(request, engine.config.location_path, op))
