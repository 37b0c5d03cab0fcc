"""Deployments: rows in SQLite, mirrored in memory so the data plane never touches the database."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

from engine.config import Catalog, ModelSpec
from engine.db import Database, dumps
from engine.faults import NONE, Faults, from_json

log = logging.getLogger("engine")
CREATING, ACCEPTED, DELETING, SUCCEEDED, FAILED = "Creating", "Accepted", "Deleting", "Succeeded", "Failed"


@dataclass(frozen=True)
class DeploymentSettings:
    """Engine-only knobs, set in the config or through /engine/admin."""

    tokens_per_second: float | None = None  # None: the engine's default pace
    rate_limit: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"tokens_per_second": self.tokens_per_second, "rate_limit": self.rate_limit}


@dataclass(frozen=True)
class Deployment:
    name: str
    model: ModelSpec
    sku_name: str
    capacity: int
    rai_policy: str
    version_upgrade_option: str = "OnceNewDefaultVersionAvailable"
    tags: dict[str, str] = field(default_factory=dict)
    created_at: float = 0.0
    modified_at: float = 0.0
    ready_at: float = 0.0  # when the current phase ends
    settings: DeploymentSettings = DeploymentSettings()
    faults: Faults = NONE
    # An ARM operation in progress shows as its phase (Creating, Accepted, Deleting) until ready_at; then the
    # deployment is in `outcome` (Succeeded or Failed), or gone when it was Deleting.
    phase: str = ""
    outcome: str = SUCCEEDED

    def provisioning_state(self, now: float) -> str:
        return self.phase if self.phase and now < self.ready_at else self.outcome

    def serving(self, now: float) -> bool:
        """Whether the data plane answers: not while created or deleted, nor after a failed creation."""
        if self.phase == DELETING or self.outcome != SUCCEEDED:
            return False
        return not (self.phase == CREATING and now < self.ready_at)

    def gone(self, now: float) -> bool:
        return self.phase == DELETING and now >= self.ready_at

    def body(self) -> dict[str, Any]:
        return {
            "model": {"format": "OpenAI", "name": self.model.name, "version": self.model.version},
            "sku": {"name": self.sku_name, "capacity": self.capacity}, "raiPolicyName": self.rai_policy,
            "versionUpgradeOption": self.version_upgrade_option, "tags": self.tags,
            "provisioning": {"phase": self.phase, "outcome": self.outcome},
        }

    def engine_body(self) -> dict[str, Any]:
        return {**self.settings.as_dict(), "faults": self.faults.as_dict()}


class DeploymentStore:
    def __init__(self, db: Database, catalog: Catalog) -> None:
        self.db = db
        self.catalog = catalog
        self._cache: dict[str, Deployment] = {}

    def load(self) -> None:
        self._cache.clear()
        for row in self.db.all("SELECT * FROM deployments ORDER BY created_at"):
            deployment = self._from_row(row)
            if deployment is None:
                log.warning("deployment %r names a model missing from the catalog; it will not answer", row["name"])
                continue
            self._cache[deployment.name] = deployment

    def _from_row(self, row: Any) -> Deployment | None:
        body, engine = json.loads(row["body"]), json.loads(row["engine"])
        model = self.catalog.get(body["model"]["name"], body["model"].get("version"))
        if model is None:
            return None
        return Deployment(
            name=row["name"], model=model, sku_name=body["sku"]["name"], capacity=int(body["sku"]["capacity"]),
            rai_policy=body["raiPolicyName"], version_upgrade_option=body.get("versionUpgradeOption", ""),
            tags=body.get("tags") or {}, created_at=row["created_at"], modified_at=row["modified_at"],
            ready_at=row["ready_at"], phase=body.get("provisioning", {}).get("phase", ""),
            outcome=body.get("provisioning", {}).get("outcome", SUCCEEDED),
            settings=DeploymentSettings(engine.get("tokens_per_second"), bool(engine.get("rate_limit", True))),
            faults=from_json(engine.get("faults") or {}),
        )

    def seed(self, entries: list[dict[str, Any]], default_policy: str) -> None:
        """Create the config's deployments on the very first start only, so deleting one sticks."""
        if self.db.get_meta("seeded"):
            return
        for entry in entries:
            model = self.catalog.get(entry["model"]["name"], entry["model"].get("version"))
            if model is None:
                log.warning("seed deployment %r: model %r is not in the catalog", entry["name"], entry["model"])
                continue
            engine = entry.get("engine") or {}
            self.save(Deployment(
                name=entry["name"], model=model, sku_name=entry["sku"]["name"], capacity=int(entry["sku"]["capacity"]),
                rai_policy=entry.get("raiPolicyName") or default_policy,
                settings=DeploymentSettings(engine.get("tokens_per_second"), bool(engine.get("rate_limit", True))),
            ), provisioning_seconds=0)
        self.db.set_meta("seeded", "1")

    def _sweep(self) -> None:
        """Drop deployments whose deletion has finished (deletion takes `provisioning_seconds`, like creation)."""
        now = time.time()
        for name in [n for n, d in self._cache.items() if d.gone(now)]:
            self.delete(name)

    def get(self, name: str) -> Deployment | None:
        self._sweep()
        return self._cache.get(name)

    def ready(self, name: str) -> Deployment | None:
        """The deployment if it answers the data plane now: it exists and has finished provisioning."""
        deployment = self._cache.get(name)
        if deployment is None or not deployment.serving(time.time()):
            return None
        return deployment

    def all(self) -> list[Deployment]:
        self._sweep()
        return list(self._cache.values())

    def save(self, deployment: Deployment, provisioning_seconds: float,
             outcome: str = SUCCEEDED) -> tuple[Deployment, bool]:
        """Create or replace; True when it was created.

        A new deployment is Creating for `provisioning_seconds`, then in `outcome` (it answers once Succeeded); a
        replaced one is Accepted for that long and keeps answering. `outcome` Failed is how an injected ARM
        failure ends a creation.
        """
        now = time.time()
        old = self._cache.get(deployment.name)
        until = now + provisioning_seconds
        if old is None or old.outcome == FAILED:  # a PUT over a failed deployment provisions it again
            deployment = replace(deployment, created_at=old.created_at if old else now, modified_at=now,
                                 ready_at=until, phase=CREATING if provisioning_seconds else "", outcome=outcome)
            if old is not None:
                deployment = replace(deployment, settings=old.settings, faults=old.faults)
        else:
            # A failed update leaves the deployment as it was (the operation reports the failure).
            phase = ACCEPTED if provisioning_seconds else ""
            deployment = replace(deployment, created_at=old.created_at, modified_at=now, ready_at=until,
                                 settings=old.settings, faults=old.faults, phase=phase, outcome=old.outcome)
        self.db.execute(
            "INSERT INTO deployments (name, body, engine, created_at, modified_at, ready_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET body = excluded.body, engine = excluded.engine, "
            "modified_at = excluded.modified_at, ready_at = excluded.ready_at",
            (deployment.name, dumps(deployment.body()), dumps(deployment.engine_body()), deployment.created_at,
             deployment.modified_at, deployment.ready_at),
        )
        self._cache[deployment.name] = deployment
        return deployment, old is None

    def update_engine(self, name: str, *, settings: DeploymentSettings | None = None,
                      faults: Faults | None = None) -> Deployment:
        deployment = self._cache[name]
        deployment = replace(deployment, settings=settings or deployment.settings,
                             faults=faults if faults is not None else deployment.faults)
        self.db.execute("UPDATE deployments SET engine = ? WHERE name = ?", (dumps(deployment.engine_body()), name))
        self._cache[name] = deployment
        return deployment

    def start_deleting(self, name: str, seconds: float) -> Deployment:
        """Stop answering at once; the deployment shows Deleting for `seconds`, then disappears."""
        deployment = replace(self._cache[name], phase=DELETING, ready_at=time.time() + seconds)
        self.db.execute("UPDATE deployments SET body = ?, ready_at = ? WHERE name = ?",
                        (dumps(deployment.body()), deployment.ready_at, name))
        self._cache[name] = deployment
        if not seconds:
            self.delete(name)
        return deployment

    def delete(self, name: str) -> bool:
        self.db.execute("DELETE FROM deployments WHERE name = ?", (name,))
        return self._cache.pop(name, None) is not None

    def using_model(self, model_name: str) -> list[Deployment]:
        return [d for d in self._cache.values() if d.model.name == model_name]
