"""ARM views of the catalog: AccountModel entries, quota per model and SKU, and usages."""

from __future__ import annotations

from typing import Any

from engine.arm.common import iso
from engine.backends.registry import engine_label
from engine.config import ModelSpec, SkuSpec
from engine.deployments import DELETING, FAILED
from engine.state import Engine

_ARM_CAPABILITIES = {"chat": "chatCompletion", "completions": "completion", "embeddings": "embeddings",
                     "images": "imageGenerations", "transcription": "audio", "speech": "audio",
                     "fine_tune": "fineTune", "json_schema": "jsonSchemaResponse", "tools": "toolCalling",
                     "vision": "vision", "responses": "responses"}


def usage_name(sku: str, model: str) -> str:
    return f"OpenAI.{sku}.{model}"


def capabilities(model: ModelSpec) -> dict[str, str]:
    """ARM capabilities are string values (trap 11)."""
    caps = {_ARM_CAPABILITIES[c]: "true" for c in sorted(model.capabilities)}
    if model.can("chat"):
        caps["jsonObjectResponse"] = "true"
    if model.can("chat") or model.can("completions"):
        caps["maxContextToken"] = str(model.max_context_tokens)
        caps["maxOutputToken"] = str(model.max_output_tokens)
    if model.can("embeddings"):
        caps["embeddingDimensions"] = str(model.dimensions)
    if model.can("fine_tune"):
        caps["FineTuneTokensMaxValue"] = "37500000"
    return caps


def quota_limit(engine: Engine, model: ModelSpec, sku_name: str) -> int:
    """The quota for a model and SKU; fine-tunes draw on their base model's quota."""
    root = model.base or model
    sku = root.sku(sku_name) or next((s for s in engine.config.finetune_skus if s.name.lower() == sku_name.lower()),
                                     None)
    return sku.quota if sku else 0


def quota_used(engine: Engine, quota_model: str, sku_name: str, excluding: str | None = None) -> int:
    """Capacity held by deployments of a model and SKU; failed and deleting deployments hold none."""
    return sum(d.capacity for d in engine.deployments.all()
               if d.model.quota_model == quota_model and d.sku_name.lower() == sku_name.lower() and d.name != excluding
               and d.outcome != FAILED and d.phase != DELETING)


def _sku(model: ModelSpec, sku: SkuSpec, engine: Engine) -> dict[str, Any]:
    rpm, tpm = engine.limiter.limits(sku.maximum)
    entry: dict[str, Any] = {
        "name": sku.name, "usageName": usage_name(sku.name, model.quota_model),
        "capacity": {"minimum": sku.minimum, "maximum": sku.maximum, "step": sku.step, "default": sku.default},
        "rateLimits": [{"key": "request", "renewalPeriod": 60, "count": rpm // sku.maximum},
                       {"key": "token", "renewalPeriod": 60, "count": tpm // sku.maximum}],
    }
    if model.deprecation.get("inference"):
        entry["deprecationDate"] = model.deprecation["inference"]
    return entry


def account_model(model: ModelSpec, engine: Engine) -> dict[str, Any]:
    deprecation = {key: model.deprecation[src] for key, src in (("fineTune", "fine_tune"), ("inference", "inference"))
                   if model.deprecation.get(src)}
    data: dict[str, Any] = {
        "format": "OpenAI", "name": model.name, "version": model.version, "isDefaultVersion": model.default,
        "lifecycleStatus": model.lifecycle, "capabilities": capabilities(model), "deprecation": deprecation,
        "maxCapacity": max((s.maximum for s in model.skus), default=0),
        "skus": [_sku(model, s, engine) for s in model.skus],
        "systemData": {"createdBy": "Microsoft", "createdAt": iso(model.created_at)},
        # Not an ARM field: says plainly which backend answers this entry, and whether it is a real model.
        "engine": engine_label(model, engine.backend(model.backend).name),
    }
    if model.can("fine_tune") and model.base is None:
        data["finetuneCapabilities"] = {"FineTuneTokensMaxValue": "37500000", "FineTuneTokensMaxValuePerExample":
                                        str(model.max_context_tokens)}
    if model.base is not None:
        data["baseModel"] = {"format": "OpenAI", "name": model.base.name, "version": model.base.version}
        data["source"] = f"{engine.config.account_path}/fine_tuning/jobs/{model.fine_tune_job}"
    return data


def usages(engine: Engine) -> list[dict[str, Any]]:
    out = []
    for model in engine.config.catalog.all():
        if model.base is not None:
            continue
        for sku in model.skus:
            out.append({
                "name": {"value": usage_name(sku.name, model.name),
                         "localizedValue": f"Tokens Per Minute (thousands) - {model.name} - {sku.name}"},
                "currentValue": quota_used(engine, model.name, sku.name), "limit": sku.quota, "unit": "Count",
                "status": "Included",
            })
    # Several versions of one model share a quota: list each name once.
    unique = {u["name"]["value"]: u for u in out}
    return list(unique.values())
