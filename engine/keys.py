"""The engine's secrets: data-plane keys and the ARM token, generated once into <data dir>/keys.json."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

KEYS_FILE = "keys.json"


@dataclass(frozen=True)
class EngineKeys:
    api_key: str
    arm_token: str
    api_key2: str = ""  # Azure hands out two keys so one can be rotated while the other works

    @property
    def data_plane_keys(self) -> frozenset[str]:
        return frozenset(k for k in (self.api_key, self.api_key2) if k)


def _new_keys() -> dict[str, str]:
    # Azure keys are 32 hex characters; the same shape keeps clients' validators happy.
    return {"key1": secrets.token_hex(16), "key2": secrets.token_hex(16), "arm_token": secrets.token_urlsafe(32)}


def load_or_create_keys(data_dir: Path | str) -> EngineKeys:
    """Read keys.json, writing it (mode 0600) with fresh keys on first use. Importing this module does nothing."""
    path = Path(data_dir) / KEYS_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{KEYS_FILE}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(json.dumps(_new_keys(), indent=2).encode())
        try:
            # link() fails when the file exists: of two processes starting together, the first one's keys win
            # and nobody ever reads a half-written file.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    data = json.loads(path.read_text())
    return EngineKeys(api_key=data["key1"], arm_token=data["arm_token"], api_key2=data.get("key2", ""))


def resolve_keys(data_dir: Path, api_key: str | None, arm_token: str | None) -> EngineKeys:
    """Keys from the environment win; whatever is missing comes from keys.json."""
    stored = load_or_create_keys(data_dir)
    if api_key:
        return EngineKeys(api_key=api_key, arm_token=arm_token or stored.arm_token, api_key2="")
    return EngineKeys(api_key=stored.api_key, arm_token=arm_token or stored.arm_token, api_key2=stored.api_key2)
