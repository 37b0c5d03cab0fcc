"""Model backends: what answers a deployment's requests (the interface is documented in base.py)."""

from __future__ import annotations

from engine.backends.base import Backends
from engine.backends.simulated import simulated_backends


def load_backends(name: str, **options: object) -> Backends:
    """The backends a catalog entry's `backend` names; part 2 adds real local models here."""
    if name == "simulated":
        return simulated_backends(**options)
    raise ValueError(f"unknown backend {name!r}; this engine knows: simulated")
