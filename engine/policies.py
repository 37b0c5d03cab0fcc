"""Content-filter (RAI) policies: the config's Microsoft.* built-ins plus those created through ARM."""

from __future__ import annotations

import json
import time
from typing import Any

from engine.contentfilter import Policy, builtin_policy_properties
from engine.db import Database, dumps


class PolicyStore:
    def __init__(self, db: Database, cfg: dict[str, Any]) -> None:
        self.db = db
        self.builtin: dict[str, dict[str, Any]] = {
            name: builtin_policy_properties(short.get("threshold", "Medium"), bool(short.get("jailbreak", True)),
                                            bool(short.get("protected_material", True)))
            for name, short in cfg.get("builtin_policies", {}).items()
        }
        self._compiled: dict[str, Policy] = {}

    def properties(self, name: str) -> dict[str, Any] | None:
        if name in self.builtin:
            return self.builtin[name]
        row = self.db.one("SELECT body FROM rai_policies WHERE name = ?", (name,))
        return json.loads(row["body"]) if row else None

    def get(self, name: str) -> Policy | None:
        policy = self._compiled.get(name)
        if policy is None:
            properties = self.properties(name)
            if properties is None:
                return None
            policy = self._compiled[name] = Policy.from_arm(name, properties)
        return policy

    def exists(self, name: str) -> bool:
        return self.properties(name) is not None

    def all(self) -> list[tuple[str, dict[str, Any], bool]]:
        """(name, properties, is built-in) for every policy."""
        custom = [(r["name"], json.loads(r["body"]), False)
                  for r in self.db.all("SELECT name, body FROM rai_policies ORDER BY created_at")]
        return [(n, p, True) for n, p in self.builtin.items()] + custom

    def put(self, name: str, properties: dict[str, Any]) -> bool:
        """Create or replace a custom policy; True when it was created."""
        created = self.db.one("SELECT 1 FROM rai_policies WHERE name = ?", (name,)) is None
        self.db.execute(
            "INSERT INTO rai_policies (name, body, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET body = excluded.body", (name, dumps(properties), time.time()))
        self._compiled.pop(name, None)
        return created

    def delete(self, name: str) -> bool:
        self._compiled.pop(name, None)
        return self.db.execute("DELETE FROM rai_policies WHERE name = ?", (name,)).rowcount > 0
