"""ARM deployments: PUT (create/replace), GET, LIST (paged), PATCH (capacity), DELETE, SKUs; quota on writes.

PUT, PATCH and DELETE are long-running, as on Azure: the answer carries Azure-AsyncOperation, Location and
Retry-After, and the operation ends after the engine's provisioning time (Failed when a fault asks for it).
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.arm.catalog import capabilities, quota_limit, quota_used
from engine.arm.common import arm, arm_faults, etag, ok, read_body, system_data
from engine.arm.lro import lro_headers
from engine.config import ModelSpec
from engine.deployments import DELETING, FAILED, SUCCEEDED, Deployment
from engine.state import Engine

NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$")
UPGRADE_OPTIONS = ("OnceNewDefaultVersionAvailable", "OnceCurrentVersionExpired", "NoAutoUpgrade")
PAGE_SIZE = 100  # deployments per page of a list; the rest follow through nextLink, as ARM pages


def resource(engine: Engine, deployment: Deployment) -> dict[str, Any]:
    rpm, tpm = engine.limiter.limits(deployment.capacity)
    body = {
        "id": f"{engine.config.account_path}/deployments/{deployment.name}",
        "type": "Microsoft.CognitiveServices/accounts/deployments", "name": deployment.name,
        "sku": {"name": deployment.sku_name, "capacity": deployment.capacity},
        "properties": {
            "model": {"format": "OpenAI", "name": deployment.model.name, "version": deployment.model.version},
            "versionUpgradeOption": deployment.version_upgrade_option, "raiPolicyName": deployment.rai_policy,
            "provisioningState": deployment.provisioning_state(time.time()),
            "capabilities": capabilities(deployment.model), "currentCapacity": deployment.capacity,
            "rateLimits": [{"key": "request", "renewalPeriod": 60, "count": rpm},
                           {"key": "token", "renewalPeriod": 60, "count": tpm}],
            "dynamicThrottlingEnabled": False,
        },
        "systemData": system_data(deployment.created_at, deployment.modified_at),
        "tags": deployment.tags,
        "etag": etag((deployment.body(), deployment.modified_at)),
    }
    return body


def _bad(message: str, code: str = "InvalidResourceProperties") -> errors.ApiError:
    return errors.arm(400, code, message)


def _model(engine: Engine, raw: Any) -> ModelSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise _bad("properties.model must be an object with format, name and version.")
    if raw.get("format", "OpenAI") != "OpenAI":
        raise _bad(f"The model format '{raw.get('format')}' is not supported; use 'OpenAI'.")
    version = raw.get("version")
    model = engine.config.catalog.get(raw["name"], str(version) if version else None)
    if model is None:
        raise _bad(f"The model 'Format:OpenAI,Name:{raw['name']},Version:{version}' of account deployment is not "
                   "supported.", "DeploymentModelNotSupported")
    return model


def _sku(model: ModelSpec, engine: Engine, raw: Any) -> tuple[str, int]:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise _bad("sku must be an object with a name (such as Standard or GlobalStandard) and a capacity.")
    skus = model.skus
    spec = next((s for s in skus if s.name.lower() == raw["name"].lower()), None)
    if spec is None:
        names = ", ".join(s.name for s in skus)
        raise _bad(f"The specified SKU '{raw['name']}' for model '{model.name} {model.version}' is not supported in "
                   f"this region '{engine.config.location}'. Supported SKUs: {names}.")
    capacity = raw.get("capacity", spec.default)
    if (isinstance(capacity, bool) or not isinstance(capacity, int) or not spec.minimum <= capacity <= spec.maximum
            or (capacity - spec.minimum) % spec.step):
        step = f" in steps of {spec.step}" if spec.step > 1 else ""
        raise _bad(f"The capacity should be a whole number from {spec.minimum} to {spec.maximum}{step} for SKU "
                   f"'{spec.name}' of model '{model.name} {model.version}', got {capacity!r}.", "InvalidCapacity")
    return spec.name, capacity


def _check_quota(engine: Engine, model: ModelSpec, sku: str, capacity: int, name: str) -> None:
    limit = quota_limit(engine, model, sku)
    used = quota_used(engine, model.quota_model, sku, excluding=name)
    if used + capacity > limit:
        quota = f"Tokens Per Minute (thousands) - {model.quota_model} - {sku}"
        raise _bad(f"This operation require {capacity} new capacity in quota {quota}, which is bigger than the "
                   f"current available capacity {max(0, limit - used)}. The current quota usage is {used} and the "
                   f"quota limit is {limit} for quota {quota}.", "InsufficientQuota")


def _not_found(name: str) -> errors.ApiError:
    return errors.arm(404, "DeploymentNotFound", f"The deployment '{name}' was not found.")


def _not_deleting(deployment: Deployment) -> None:
    if deployment.phase == DELETING:
        raise errors.arm(409, "RequestConflict", f"The deployment '{deployment.name}' is being deleted; wait for "
                         "the delete operation to finish before changing it.")


def _failure(engine: Engine, request: Request, deployment: Deployment | None, name: str) -> dict[str, Any] | None:
    """The error an operation ends with when a fault asks for it: `lro_fail=1` in the x-engine-faults header or
    the deployment's admin faults, or a new deployment whose name holds the provisioning failure trigger."""
    trigger = engine.config.raw["simulation"].get("provisioning_failure_trigger") or ""
    by_name = request.method == "PUT" and deployment is None and bool(trigger) and trigger in name
    if not (by_name or arm_faults(request, engine, deployment).lro_fail):
        return None
    verb = {"PUT": "create", "PATCH": "update", "DELETE": "delete"}[request.method]
    return {"code": "InternalServerError",
            "message": f"Failed to {verb} deployment '{name}': the operation failed in the backend (simulated by the "
                       "engine's fault injection). No changes were applied; retry the operation."}


@arm
async def put(request: Request, engine: Engine) -> Response:
    name = request.path_params["name"]
    if not NAME.match(name):
        raise _bad(f"The deployment name '{name}' is invalid: use letters, digits, '.', '_' and '-' (at most 64).",
                   "InvalidResourceName")
    old = engine.deployments.get(name)
    if old is not None:
        _not_deleting(old)
    body = await read_body(request)
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise _bad("properties is required.")
    model = _model(engine, properties.get("model"))
    sku, capacity = _sku(model, engine, body.get("sku"))
    policy = properties.get("raiPolicyName") or engine.config.content_filter.get("default_policy", "")
    if not engine.policies.exists(policy):
        raise _bad(f"The RAI policy '{policy}' does not exist. Create it under raiPolicies first or use "
                   "Microsoft.DefaultV2.")
    upgrade = properties.get("versionUpgradeOption") or "OnceNewDefaultVersionAvailable"
    if upgrade not in UPGRADE_OPTIONS:
        raise _bad(f"versionUpgradeOption must be one of {', '.join(UPGRADE_OPTIONS)}.")
    tags = body.get("tags") or {}
    if not isinstance(tags, dict):
        raise _bad("tags must be an object of strings.")
    _check_quota(engine, model, sku, capacity, name)
    error = _failure(engine, request, old if old is not None and old.outcome != FAILED else None, name)
    wanted = Deployment(name=name, model=model, sku_name=sku, capacity=capacity, rai_policy=policy,
                        version_upgrade_option=upgrade, tags=tags)
    creating = old is None or old.outcome == FAILED
    seconds = engine.config.provisioning_seconds
    # A failed replace leaves the deployment as it was; a failed creation leaves it Failed (it never answers).
    target = old if error and not creating else wanted
    deployment, created = engine.deployments.save(target, provisioning_seconds=seconds,
                                                  outcome=FAILED if error and creating else SUCCEEDED)
    op = engine.operations.start("create" if creating else "update", f"deployments/{name}", seconds, error)
    headers = lro_headers(request, engine.config.location_path, op)
    return ok(resource(engine, deployment), 201 if created else 200, headers)


@arm
async def get(request: Request, engine: Engine) -> Response:
    deployment = engine.deployments.get(request.path_params["name"])
    if deployment is None:
        raise _not_found(request.path_params["name"])
    return ok(resource(engine, deployment))


@arm
async def list_all(request: Request, engine: Engine) -> Response:
    """One page of PAGE_SIZE deployments, oldest first; nextLink carries the offset in $skiptoken."""
    raw = request.query_params.get("$skiptoken", "0")
    if not raw.isdigit():
        raise _bad(f"$skiptoken '{raw}' is not a token this list gave out.", "InvalidSkipToken")
    start = int(raw)
    deployments = engine.deployments.all()
    page: dict[str, Any] = {"value": [resource(engine, d) for d in deployments[start:start + PAGE_SIZE]]}
    if start + PAGE_SIZE < len(deployments):
        version = request.query_params["api-version"]
        page["nextLink"] = f"{str(request.base_url).rstrip('/')}{request.url.path}?api-version={version}" \
                           f"&$skiptoken={start + PAGE_SIZE}"
    return ok(page)


@arm
async def patch(request: Request, engine: Engine) -> Response:
    old = engine.deployments.get(request.path_params["name"])
    if old is None:
        raise _not_found(request.path_params["name"])
    _not_deleting(old)
    deployment = old
    body = await read_body(request)
    sku_raw = body.get("sku")
    if sku_raw is not None:
        if not isinstance(sku_raw, dict):
            raise _bad("sku must be an object.")
        sku, capacity = _sku(deployment.model, engine, {"name": deployment.sku_name, **sku_raw})
        _check_quota(engine, deployment.model, sku, capacity, deployment.name)
        deployment = replace(deployment, sku_name=sku, capacity=capacity)
    if "tags" in body:
        if not isinstance(body["tags"], dict):
            raise _bad("tags must be an object of strings.")
        deployment = replace(deployment, tags=body["tags"])
    properties = body.get("properties") or {}
    if not isinstance(properties, dict):
        raise _bad("properties must be an object.")
    if properties.get("raiPolicyName"):
        if not engine.policies.exists(properties["raiPolicyName"]):
            raise _bad(f"The RAI policy '{properties['raiPolicyName']}' does not exist.")
        deployment = replace(deployment, rai_policy=properties["raiPolicyName"])
    if properties.get("versionUpgradeOption"):
        if properties["versionUpgradeOption"] not in UPGRADE_OPTIONS:
            raise _bad(f"versionUpgradeOption must be one of {', '.join(UPGRADE_OPTIONS)}.")
        deployment = replace(deployment, version_upgrade_option=properties["versionUpgradeOption"])
    error = _failure(engine, request, old, old.name)
    seconds = engine.config.provisioning_seconds
    # The new capacity (and with it the rate limits) applies at once; a failed update applies nothing.
    deployment, _ = engine.deployments.save(old if error else deployment, provisioning_seconds=seconds)
    op = engine.operations.start("update", f"deployments/{old.name}", seconds, error)
    return ok(resource(engine, deployment), 202, lro_headers(request, engine.config.location_path, op))


@arm
async def delete(request: Request, engine: Engine) -> Response:
    name = request.path_params["name"]
    deployment = engine.deployments.get(name)
    if deployment is None:
        return Response(status_code=204)
    error = None if deployment.phase == DELETING else _failure(engine, request, deployment, name)
    seconds = engine.config.provisioning_seconds
    if error is None and deployment.phase != DELETING:
        # It stops answering at once, shows Deleting for the provisioning time, then is gone.
        engine.deployments.start_deleting(name, seconds)
        engine.limiter.forget(name)
        engine.dice.reset(name)
    op = engine.operations.start("delete", f"deployments/{name}", seconds, error)
    return Response(status_code=202, headers=lro_headers(request, engine.config.location_path, op))


@arm
async def skus(request: Request, engine: Engine) -> Response:
    deployment = engine.deployments.get(request.path_params["name"])
    if deployment is None:
        raise _not_found(request.path_params["name"])
    value = [{"resourceType": "Microsoft.CognitiveServices/accounts/deployments",
              "sku": {"name": s.name},
              "capacity": {"minimum": s.minimum, "maximum": s.maximum, "step": s.step, "default": s.default}}
             for s in deployment.model.skus]
    return ok({"value": value})
