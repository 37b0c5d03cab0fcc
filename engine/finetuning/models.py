"""Fine-tuned models: registered when a job succeeds, shown in /openai/models and ARM, deployable."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from engine.config import Catalog, EngineConfig, ModelSpec
from engine.db import Database

CHECKPOINT = ":ckpt-step-"


class FineTunedModels:
    def __init__(self, db: Database, config: EngineConfig, training_dir: Path) -> None:
        self.db = db
        self.config = config
        self.training_dir = training_dir

    def model_file(self, name: str, job_id: str) -> Path:
        """Where the trainer left a real fine-tune's GGUF: model.gguf, or checkpoint-step-N.gguf for a checkpoint."""
        if CHECKPOINT in name:
            return self.training_dir / job_id / f"checkpoint-step-{name.rsplit(CHECKPOINT, 1)[1]}.gguf"
        return self.training_dir / job_id / "model.gguf"

    def spec(self, name: str, base: ModelSpec, job_id: str, created_at: int) -> ModelSpec:
        root = base.base or base  # continued fine-tuning keeps the original base for tokens and quota
        spec = replace(root, name=name, version="1", id=name, default=True, skus=self.config.finetune_skus,
                       base=root, fine_tune_job=job_id, created_at=created_at, lifecycle="GenerallyAvailable")
        if root.backend == "llama.cpp":  # a real fine-tune answers from its own GGUF
            path = self.model_file(name, job_id)
            spec = replace(spec, asset=str(path))
            if not path.exists():
                spec = replace(spec, backend="simulated", backend_note=f"llama.cpp: model file {path} not found")
        return spec

    def load_into(self, catalog: Catalog) -> None:
        for row in self.db.all("SELECT * FROM fine_tuned_models ORDER BY created_at"):
            base = catalog.get(row["base_name"], row["base_version"])
            if base is not None:
                catalog.add(self.spec(row["name"], base, row["job_id"], row["created_at"]))

    def register(self, catalog: Catalog, name: str, base: ModelSpec, job_id: str) -> ModelSpec:
        created_at = int(time.time())
        root = base.base or base
        self.db.execute(
            "INSERT OR REPLACE INTO fine_tuned_models (name, job_id, base_name, base_version, created_at) "
            "VALUES (?, ?, ?, ?, ?)", (name, job_id, root.name, root.version, created_at))
        spec = self.spec(name, base, job_id, created_at)
        catalog.add(spec)
        return spec

    def register_checkpoint(self, catalog: Catalog, job, step: int) -> None:
        """A job's checkpoint as a deployable model, `<model>:ckpt-step-N`, as Azure offers them."""
        base = catalog.get(job.base_name, job.base_version)
        if base is not None:
            self.register(catalog, f"{job.planned_model}{CHECKPOINT}{step}", base, job.id)
