"""Model backends: what answers a deployment's requests, the simulated one or a real local model."""

from __future__ import annotations

from engine.backends.base import Backends
from engine.backends.registry import REAL_BACKENDS
from engine.backends.simulated import simulated_backends


def load_backends(name: str, queue_limit: int = 8, **options: object) -> Backends:
    """The backends a catalog entry's `backend` names. Real ones import their runtime only when a model loads."""
    if name == "simulated":
        return simulated_backends(**options)
    if name in REAL_BACKENDS:
        from engine.backends.real import real_backends

        return real_backends(name, queue_limit)
    raise ValueError(f"unknown backend {name!r}; this engine knows: simulated, {', '.join(REAL_BACKENDS)}")
