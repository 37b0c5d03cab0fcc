"""Per-deployment rate limits from capacity: token buckets for requests and tokens, refilled over a minute."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass


@dataclass
class Bucket:
    """Holds up to one minute's allowance and refills continuously, so bursts are allowed up to the per-minute
    figure and the long-run rate never exceeds it."""

    size: float
    level: float
    updated: float

    def refill(self, now: float) -> None:
        self.level = min(self.size, self.level + (now - self.updated) * self.size / 60.0)
        self.updated = now

    def wait_for(self, amount: float) -> float:
        """Seconds until `amount` is available (inf when it never fits in the bucket)."""
        if amount <= self.level:
            return 0.0
        if amount > self.size:
            return math.inf
        return (amount - self.level) * 60.0 / self.size


@dataclass
class Decision:
    allowed: bool
    remaining_requests: int
    remaining_tokens: int
    retry_after: float = 0.0  # seconds
    limit: str = ""  # "token" or "call" when refused


class DeploymentLimiter:
    def __init__(self, requests_per_minute: int, tokens_per_minute: int, now: float) -> None:
        self.requests = Bucket(requests_per_minute, requests_per_minute, now)
        self.tokens = Bucket(tokens_per_minute, tokens_per_minute, now)

    def charge(self, tokens: int, now: float) -> Decision:
        self.requests.refill(now)
        self.tokens.refill(now)
        wait_requests = self.requests.wait_for(1)
        wait_tokens = self.tokens.wait_for(tokens)
        if wait_requests or wait_tokens:
            limit = "token" if wait_tokens >= wait_requests else "call"
            return Decision(False, int(self.requests.level), int(self.tokens.level),
                            max(wait_requests, wait_tokens), limit)
        self.requests.level -= 1
        self.tokens.level -= tokens
        return Decision(True, int(self.requests.level), int(self.tokens.level))


class RateLimiter:
    """Buckets per deployment, rebuilt when a deployment's capacity changes."""

    def __init__(self, tokens_per_unit: int, requests_per_unit: int) -> None:
        self.tokens_per_unit = tokens_per_unit
        self.requests_per_unit = requests_per_unit
        self._limiters: dict[str, tuple[int, DeploymentLimiter]] = {}

    def limits(self, capacity: int) -> tuple[int, int]:
        """(requests, tokens) per minute for a capacity: 1,000 TPM per unit and 6 RPM per 1,000 TPM."""
        return capacity * self.requests_per_unit, capacity * self.tokens_per_unit

    def charge(self, deployment: str, capacity: int, tokens: int) -> Decision:
        now = time.monotonic()
        entry = self._limiters.get(deployment)
        if entry is None or entry[0] != capacity:
            rpm, tpm = self.limits(capacity)
            entry = (capacity, DeploymentLimiter(rpm, tpm, now))
            self._limiters[deployment] = entry
        return entry[1].charge(tokens, now)

    def forget(self, deployment: str) -> None:
        self._limiters.pop(deployment, None)
