"""ARM deployments: PUT (create/replace), GET, LIST, PATCH (capacity), DELETE, SKUs; quota checked on writes."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.arm.catalog import capabilities, quota_limit, quota_used
from engine.arm.common import arm, etag, ok, read_body, system_data
from engine.config import ModelSpec
from engine.deployments import Deployment
from engine.state import Engine

NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$")
UPGRADE_OPTIONS = ("OnceNewDefaultVersionAvailable", "OnceCurrentVersionExpired", "NoAutoUpgrade")


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
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not spec.minimum <= capacity <= spec.maximum:
        raise _bad(f"The capacity should be a whole number from {spec.minimum} to {spec.maximum} for SKU "
                   f"'{spec.name}', got {capacity!r}.", "InvalidCapacity")
    return spec.name, capacity


def _check_quota(engine: Engine, model: ModelSpec, sku: str, capacity: int, name: str) -> None:
    limit = quota_limit(engine, model, sku)
    used = quota_used(engine, model.quota_model, sku, excluding=name)
    if used + capacity > limit:
        quota = f"Tokens Per Minute (thousands) - {model.quota_model} - {sku}"
        raise _bad(f"This operation require {capacity} new capacity in quota {quota}, which is bigger than the "
                   f"current available capacity {max(0, limit - used)}. The current quota usage is {used} and the "
                   f"quota limit is {limit} for quota {quota}. Lower the capacity or free some by shrinking or "
                   "deleting other deployments of this model and SKU.", "InsufficientQuota")


def _not_found(name: str) -> errors.ApiError:
    return errors.arm(404, "DeploymentNotFound", f"The deployment '{name}' was not found.")


@arm
async def put(request: Request, engine: Engine) -> Response:
    name = request.path_params["name"]
    if not NAME.match(name):
        raise _bad(f"The deployment name '{name}' is invalid: use letters, digits, '.', '_' and '-' (at most 64).",
                   "InvalidResourceName")
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
    deployment, created = engine.deployments.save(
        Deployment(name=name, model=model, sku_name=sku, capacity=capacity, rai_policy=policy,
                   version_upgrade_option=upgrade, tags=tags),
        provisioning_seconds=engine.config.provisioning_seconds)
    status, headers = (201, {"azure-asyncoperation": str(request.url)}) if created else (200, {})
    return ok(resource(engine, deployment), status, headers)


@arm
async def get(request: Request, engine: Engine) -> Response:
    deployment = engine.deployments.get(request.path_params["name"])
    if deployment is None:
        raise _not_found(request.path_params["name"])
    return ok(resource(engine, deployment))


@arm
async def list_all(request: Request, engine: Engine) -> Response:
    return ok({"value": [resource(engine, d) for d in engine.deployments.all()]})


@arm
async def patch(request: Request, engine: Engine) -> Response:
    deployment = engine.deployments.get(request.path_params["name"])
    if deployment is None:
        raise _not_found(request.path_params["name"])
    body = await read_body(request)
    sku_raw = body.get("sku")
    if sku_raw is not None:
        if not isinstance(sku_raw, dict):
            raise _bad("sku must be an object.")
        sku, capacity = _sku(deployment.model, engine, {"name": deployment.sku_name, **sku_raw})
        _check_quota(engine, deployment.model, sku, capacity, deployment.name)
        deployment = replace(deployment, sku_name=sku, capacity=capacity)
    if isinstance(body.get("tags"), dict):
        deployment = replace(deployment, tags=body["tags"])
    properties = body.get("properties") or {}
    if properties.get("raiPolicyName"):
        if not engine.policies.exists(properties["raiPolicyName"]):
            raise _bad(f"The RAI policy '{properties['raiPolicyName']}' does not exist.")
        deployment = replace(deployment, rai_policy=properties["raiPolicyName"])
    deployment, _ = engine.deployments.save(deployment, provisioning_seconds=0)
    return ok(resource(engine, deployment))


@arm
async def delete(request: Request, engine: Engine) -> Response:
    name = request.path_params["name"]
    if not engine.deployments.delete(name):
        return Response(status_code=204)
    engine.limiter.forget(name)
    engine.dice.reset(name)
    return Response(status_code=200)


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
