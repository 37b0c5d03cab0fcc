"""Fault injection: per-deployment settings (admin API) and the per-request `x-engine-faults` header."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

HEADER = "x-engine-faults"
INJECTABLE_STATUSES = (408, 429, 500, 502, 503, 504)


class FaultError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Faults:
    latency_ms: int | None = None  # added before the answer (non-streamed) or before the response starts
    ttft_ms: int | None = None  # extra wait before the first content chunk of a stream
    tokens_per_second: float | None = None  # pace of generated tokens, overriding the deployment's setting
    status: int | None = None  # answer with this error instead ...
    rate: float | None = None  # ... for this share of requests (default 1: every request)
    fault_seed: int | None = None  # makes `rate` a fixed sequence of decisions (see engine/README.md)
    cut_after: int | None = None  # close a stream after this many data events, without [DONE]
    malformed_after: int | None = None  # send one invalid JSON event after this many data events
    retry_after: int | None = None  # seconds in retry-after of injected 429/503 answers

    def over(self, base: Faults) -> Faults:
        """These settings layered over `base`: a key given here wins."""
        if base == NONE:  # every request layers its deployment's faults over the defaults: usually nothing to do
            return self
        given = {f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not None}
        return replace(base, **given)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @property
    def empty(self) -> bool:
        return not self.as_dict()


NONE = Faults()
_KINDS = {f.name: f.type for f in fields(Faults)}


def _value(key: str, raw: Any) -> int | float:
    if key not in _KINDS:
        raise FaultError(key, f"unknown fault key {key!r}; known: {', '.join(_KINDS)}")
    try:
        if isinstance(raw, bool):
            raise ValueError
        value: int | float = float(raw) if key in ("rate", "tokens_per_second") else int(str(raw).strip())
    except (TypeError, ValueError):
        raise FaultError(key, f"fault {key!r} needs a number, got {raw!r}") from None
    if value < 0:
        raise FaultError(key, f"fault {key!r} must be 0 or more, got {raw!r}")
    if key == "rate" and value > 1:
        raise FaultError(key, f"fault 'rate' is a share between 0 and 1, got {raw!r}")
    if key == "tokens_per_second" and value == 0:
        raise FaultError(key, "fault 'tokens_per_second' must be more than 0 (leave it out for unlimited)")
    if key == "status" and value not in INJECTABLE_STATUSES:
        raise FaultError(key, f"fault 'status' must be one of {', '.join(map(str, INJECTABLE_STATUSES))}")
    return value


def parse_header(header: str) -> Faults:
    """`latency_ms=200; status=503; rate=0.5` (`;` or `,` between pairs); strict: any bad pair is an error."""
    values: dict[str, int | float] = {}
    for pair in header.replace(",", ";").split(";"):
        if not pair.strip():
            continue
        key, sep, raw = pair.partition("=")
        key = key.strip().lower()
        if not sep or not raw.strip():
            raise FaultError(key or pair.strip(), f"fault {pair.strip()!r} is not key=value")
        if key in values:
            raise FaultError(key, f"fault {key!r} is given twice")
        values[key] = _value(key, raw)
    return Faults(**values)  # type: ignore[arg-type]


def from_json(data: Any) -> Faults:
    if not isinstance(data, dict):
        raise FaultError("body", "faults must be a JSON object such as {\"status\": 503, \"rate\": 0.5}")
    return Faults(**{key: _value(key, raw) for key, raw in data.items() if raw is not None})  # type: ignore[arg-type]


class Dice:
    """Decides which requests an injected status hits. With fault_seed, the n-th request carrying that seed on a
    deployment always gets the same decision, so a test can predict the exact sequence."""

    def __init__(self) -> None:
        self._seeded: dict[tuple[str, int], random.Random] = {}

    def hits(self, deployment: str, faults: Faults) -> bool:
        if faults.status is None:
            return False
        rate = 1.0 if faults.rate is None else faults.rate
        if rate >= 1:
            return True
        if faults.fault_seed is None:
            return random.random() < rate
        rng = self._seeded.setdefault((deployment, faults.fault_seed), random.Random(faults.fault_seed))
        return rng.random() < rate

    def reset(self, deployment: str) -> None:
        for key in [k for k in self._seeded if k[0] == deployment]:
            del self._seeded[key]
