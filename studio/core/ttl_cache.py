"""A small per-process cache whose entries live a few seconds: for lookups a hot path repeats on every request
(the relay's deployment and role checks), where a change may take that long to apply in this process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class TTLCache(Generic[T]):
    def __init__(self, seconds: float, max_entries: int = 1024) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> T | None:
        """The value if it is there and fresh, else None (never computes)."""
        with self._lock:
            found = self._entries.get(key)
        return found[1] if found is not None and time.monotonic() - found[0] <= self.seconds else None

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and now - found[0] <= self.seconds:
                return found[1]
        value = compute()  # outside the lock: a slow compute must not hold up other keys
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (now, value)
        return value

    def clear(self, **_) -> None:
        """Drop everything (also usable as a signal receiver)."""
        with self._lock:
            self._entries.clear()
