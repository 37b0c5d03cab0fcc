"""The engine's JSON config (account, model catalog, quota, seeded deployments, filter policy, faults, timing)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.serving import serving_backend
from engine.settings import EngineSettings

DEFAULT_CONFIG = Path(__file__).with_name("default_config.json")
# The models of late 2026 (simulated), added to whatever the config file lists, so an older data dir's config
# still offers them; an entry in the config with the same name and version wins.
CATALOG_2026 = Path(__file__).parent / "arm" / "catalog_data.json"

# What a catalog capability lets a deployment answer, by data-plane operation.
CAPABILITIES = ("chat", "completions", "embeddings", "images", "transcription", "speech", "vision", "tools",
                "json_schema", "fine_tune", "responses")


class ConfigError(ValueError):
    """The config file is not usable; the message names the entry."""


@dataclass(frozen=True)
class SkuSpec:
    name: str
    quota: int
    minimum: int
    maximum: int
    step: int
    default: int


@dataclass(frozen=True)
class ModelSpec:
    name: str
    version: str
    id: str  # the data-plane id (/openai/models), e.g. gpt-4o-mini-2024-07-18
    capabilities: frozenset[str]
    skus: tuple[SkuSpec, ...]
    default: bool = True
    lifecycle: str = "GenerallyAvailable"
    created_at: int = 0
    deprecation: dict[str, str] = field(default_factory=dict)  # ISO strings, keys inference / fine_tune
    max_context_tokens: int = 128000
    max_output_tokens: int = 4096
    max_batch_size: int = 32
    dimensions: int = 0
    dimensions_settable: bool = False
    backend: str = "simulated"
    asset: str = ""  # a real backend's model file or folder (a path, or wheel:<package>/<file> inside a wheel)
    estimate_as: str = ""  # an Azure model whose tiktoken rules estimate this model's tokens (real models)
    backend_note: str = ""  # why a real model answers simulated here (stack missing, turned off)
    base: ModelSpec | None = None  # set for fine-tuned models
    fine_tune_job: str | None = None
    tokenizer: str = ""  # a model name the token rules know, where they do not know this one yet

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def token_model(self) -> str:
        """The name tiktoken rules know: a fine-tune counts like its base model, a real model like `estimate_as`, a
        catalog model the rules do not know yet like its `tokenizer` stand-in."""
        if self.base:
            return self.base.token_model
        return self.estimate_as or self.tokenizer or self.name

    @property
    def quota_model(self) -> str:
        # Fine-tuned deployments draw on their base model's quota (documented in engine/README.md).
        return self.base.quota_model if self.base else self.name

    def sku(self, name: str) -> SkuSpec | None:
        return next((s for s in self.skus if s.name.lower() == name.lower()), None)

    def deprecation_unix(self, key: str) -> int | None:
        value = self.deprecation.get(key)
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()) if value else None


class Catalog:
    """Base models from the config plus the fine-tunes that succeeded, looked up by name, version or id."""

    def __init__(self, models: list[ModelSpec]) -> None:
        self._models: dict[tuple[str, str], ModelSpec] = {}
        for model in models:
            self.add(model)

    def add(self, model: ModelSpec) -> None:
        backend = serving_backend(model.name, model.version, model.base.name if model.base else None, model.backend)
        self._models[(model.name, model.version)] = replace(model, backend=backend)

    def remove(self, name: str) -> None:
        for key in [k for k in self._models if k[0] == name]:
            del self._models[key]

    def all(self) -> list[ModelSpec]:
        return list(self._models.values())

    def get(self, name: str, version: str | None = None) -> ModelSpec | None:
        if version:
            return self._models.get((name, version))
        versions = [m for m in self._models.values() if m.name == name]
        return next((m for m in versions if m.default), versions[0] if versions else None)

    def by_id(self, model_id: str) -> ModelSpec | None:
        """A data-plane id (gpt-4o-mini-2024-07-18), or a plain name meaning its default version."""
        return next((m for m in self._models.values() if m.id == model_id), None) or self.get(model_id)


def _sku(raw: dict[str, Any]) -> SkuSpec:
    cap = raw.get("capacity", {})
    return SkuSpec(
        name=raw["name"], quota=int(raw.get("quota", cap.get("maximum", 1000))), minimum=int(cap.get("minimum", 1)),
        maximum=int(cap.get("maximum", 1000)), step=int(cap.get("step", 1)), default=int(cap.get("default", 1)),
    )


def _model(raw: dict[str, Any]) -> ModelSpec:
    unknown = set(raw.get("capabilities", ())) - set(CAPABILITIES)
    if unknown:
        raise ConfigError(f"model {raw.get('name')!r}: unknown capabilities {sorted(unknown)}")
    return ModelSpec(
        name=raw["name"], version=str(raw["version"]), id=raw.get("id") or f"{raw['name']}-{raw['version']}",
        capabilities=frozenset(raw.get("capabilities", ())), skus=tuple(_sku(s) for s in raw.get("skus", ())),
        default=bool(raw.get("default", True)), lifecycle=raw.get("lifecycle", "GenerallyAvailable"),
        created_at=int(raw.get("created_at", 0)), deprecation=dict(raw.get("deprecation", {})),
        max_context_tokens=int(raw.get("max_context_tokens", 128000)),
        max_output_tokens=int(raw.get("max_output_tokens", 4096)), max_batch_size=int(raw.get("max_batch_size", 32)),
        dimensions=int(raw.get("dimensions", 0)), dimensions_settable=bool(raw.get("dimensions_settable", False)),
        backend=raw.get("backend", "simulated"), asset=raw.get("asset", ""), estimate_as=raw.get("estimate_as", ""),
        tokenizer=raw.get("tokenizer", ""),
    )


def gguf_model(raw: dict[str, Any]) -> dict[str, Any]:
    """A GGUF file the user points the engine at (`real_models.gguf_files`) as a chat catalog entry."""
    if not isinstance(raw, dict) or not raw.get("name") or not raw.get("path"):
        raise ConfigError(f"real_models.gguf_files: each entry needs a name and a path, got {raw!r}")
    return {"name": raw["name"], "version": str(raw.get("version", "1")), "id": raw["name"], "backend": "llama.cpp",
            "asset": str(Path(raw["path"]).expanduser()), "estimate_as": "gpt-4o-mini",
            "capabilities": ["chat", "completions", "json_schema", "tools"],
            "max_context_tokens": int(raw.get("context", 2048)), "max_output_tokens": int(raw.get("context", 2048)),
            "skus": [{"name": "Standard", "quota": 100, "capacity": {"minimum": 1, "maximum": 100, "default": 10}}]}


def _catalog_entries(raw: dict[str, Any], real_models: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The catalog's model entries and the deployments seeded on first start: with real models on, the real
    entries join the catalog and the default deployments use them."""
    models, seeds = list(raw["models"]), list(raw.get("deployments", ()))
    if real_models:
        real = raw.get("real_models") or {}
        models += list(real.get("models", ())) + [gguf_model(g) for g in real.get("gguf_files", ())]
        seeds = list(real.get("deployments", seeds))
    return models, seeds


@dataclass
class EngineConfig:
    raw: dict[str, Any]
    subscription_id: str
    resource_group: str
    account_name: str
    location: str
    data_plane_versions: frozenset[str]
    arm_versions: frozenset[str]
    catalog: Catalog
    finetune_skus: tuple[SkuSpec, ...]
    seed_deployments: list[dict[str, Any]]
    content_filter: dict[str, Any]
    default_faults: dict[str, Any]
    tokens_per_second: float
    answer_tokens: tuple[int, int]
    job_queue_seconds: float
    job_step_seconds: float
    scheduler_tick_seconds: float
    provisioning_seconds: float
    file_processing_seconds: float
    image_url_ttl_seconds: int
    completion_filter_trigger: dict[str, Any]
    training_failure_trigger: str
    max_upload_bytes: int
    max_audio_bytes: int
    tokens_per_capacity_unit: int
    requests_per_capacity_unit: int
    default_max_tokens: int
    rate_limits: bool

    @property
    def account_path(self) -> str:
        return (f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
                f"/providers/Microsoft.CognitiveServices/accounts/{self.account_name}")

    @property
    def location_path(self) -> str:
        return f"/subscriptions/{self.subscription_id}/providers/Microsoft.CognitiveServices/locations/{self.location}"


def _merged(defaults: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    # Sections missing from an older user file fall back to the shipped defaults, key by key.
    merged = dict(defaults)
    for key, value in user.items():
        if isinstance(value, dict) and isinstance(defaults.get(key), dict):
            merged[key] = {**defaults[key], **value}
        else:
            merged[key] = value
    return merged


def _pick(override: float | None, value: Any) -> float:
    return float(value) if override is None else override


def read_config_file(settings: EngineSettings) -> dict[str, Any]:
    """The user's config merged over the defaults; the defaults are written out on first start so they can be edited."""
    path = settings.config_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEFAULT_CONFIG, path)
    defaults = json.loads(DEFAULT_CONFIG.read_text())
    try:
        user = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    return _merged(defaults, user)


def _catalog_models(configured: list[dict[str, Any]]) -> list[ModelSpec]:
    models = [_model(m) for m in configured]
    known = {(m.name, m.version) for m in models}
    extra = json.loads(CATALOG_2026.read_text())["models"]
    return models + [_model(m) for m in extra if (m["name"], str(m["version"])) not in known]


def load_config(settings: EngineSettings) -> EngineConfig:
    raw = read_config_file(settings)
    models, seeds = _catalog_entries(raw, settings.real_models)
    account, sim, limits, rates = raw["account"], raw["simulation"], raw["limits"], raw["rate_limits"]
    timing = settings.timing
    low, high = sim["answer_tokens"]
    return EngineConfig(
        raw=raw,
        subscription_id=account["subscription_id"],
        resource_group=account["resource_group"],
        account_name=account["account_name"],
        location=account["location"],
        data_plane_versions=frozenset(raw["api_versions"]["data_plane"]),
        arm_versions=frozenset(raw["api_versions"]["arm"]),
        catalog=Catalog(_catalog_models(models)),
        finetune_skus=tuple(_sku(s) for s in raw.get("finetune_skus", ())),
        seed_deployments=seeds,
        content_filter=raw["content_filter"],
        default_faults=dict(raw.get("faults") or {}),
        tokens_per_second=_pick(timing.tokens_per_second, sim["tokens_per_second"]),
        answer_tokens=(int(low), int(high)),
        job_queue_seconds=_pick(timing.job_queue_seconds, sim["job_queue_seconds"]),
        job_step_seconds=_pick(timing.job_step_seconds, sim["job_step_seconds"]),
        scheduler_tick_seconds=max(0.005, _pick(timing.scheduler_tick_seconds, sim["scheduler_tick_seconds"])),
        provisioning_seconds=_pick(timing.provisioning_seconds, sim["provisioning_seconds"]),
        file_processing_seconds=_pick(timing.file_processing_seconds, sim["file_processing_seconds"]),
        image_url_ttl_seconds=int(sim["image_url_ttl_seconds"]),
        completion_filter_trigger=dict(sim.get("completion_filter_trigger") or {}),
        training_failure_trigger=sim.get("training_failure_trigger") or "",
        max_upload_bytes=settings.max_upload_bytes or int(limits["max_upload_bytes"]),
        max_audio_bytes=int(limits["max_audio_bytes"]),
        tokens_per_capacity_unit=int(rates["tokens_per_capacity_unit"]),
        requests_per_capacity_unit=int(rates["requests_per_capacity_unit"]),
        default_max_tokens=int(rates["default_max_tokens"]),
        rate_limits=settings.rate_limits,
    )
