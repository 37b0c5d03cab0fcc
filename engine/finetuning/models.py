"""Fine-tuned models: registered when a job succeeds, shown in /openai/models and ARM, deployable."""

from __future__ import annotations

import time
from dataclasses import replace

from engine.config import Catalog, EngineConfig, ModelSpec
from engine.db import Database


class FineTunedModels:
    def __init__(self, db: Database, config: EngineConfig) -> None:
        self.db = db
        self.config = config

    def spec(self, name: str, base: ModelSpec, job_id: str, created_at: int) -> ModelSpec:
        root = base.base or base  # continued fine-tuning keeps the original base for tokens and quota
        return replace(root, name=name, version="1", id=name, default=True, skus=self.config.finetune_skus,
                       base=root, fine_tune_job=job_id, created_at=created_at, lifecycle="GenerallyAvailable")

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
