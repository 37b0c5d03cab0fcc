"""What every real local model shares: loaded once on first use, one request at a time in a fair bounded queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeVar

from engine.errors import ApiError

log = logging.getLogger("engine")
T = TypeVar("T")
R = TypeVar("R")


def model_failed(name: str, error: Exception) -> ApiError:
    """A real model that fails to load answers 503 with the reason rather than pretend with simulated output."""
    message = f"The local model {name} failed to load ({error}); see the engine log."
    return ApiError(503, {"error": {"code": "ModelLoadFailed", "message": message}}, {"retry-after": "60"})


def model_busy(name: str, waiting: int, seconds: float) -> ApiError:
    """Azure's 429 shape, with retry-after from how long the requests ahead should take."""
    wait = max(1, math.ceil(seconds))
    message = (f"Requests to the local model {name} have exceeded its queue: {waiting} requests are already waiting "
               f"for it on this engine. Please retry after {wait} seconds.")
    return ApiError(429, {"error": {"code": "429", "message": message}},
                    {"retry-after": str(wait), "retry-after-ms": str(max(1, math.ceil(seconds * 1000)))})


class LocalModel(Generic[T]):
    """One loaded model. A llama.cpp context or an ONNX session serves one request at a time, so requests take
    turns in arrival order (asyncio.Lock wakes waiters first come, first served); at most `queue_limit` wait."""

    def __init__(self, name: str, load: Callable[[], T], queue_limit: int) -> None:
        self.name = name
        self._load = load
        self._loaded: T | None = None
        self._load_lock = threading.Lock()
        self._turn = asyncio.Lock()
        self.queue_limit = queue_limit
        self.waiting = 0
        self._average_seconds = 1.0  # a running average of one turn, for retry-after

    def get(self) -> T:
        """The loaded model, loading it on the first call (from a worker thread: loading blocks)."""
        if self._loaded is None:
            with self._load_lock:
                if self._loaded is None:
                    started = time.monotonic()
                    try:
                        self._loaded = self._load()
                    except Exception as e:
                        log.exception("loading %s", self.name)
                        raise model_failed(self.name, e) from e
                    log.info("loaded %s in %.1f s", self.name, time.monotonic() - started)
        return self._loaded

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def admit(self) -> None:
        """429 when `queue_limit` requests already wait. Called before a response starts (a stream cannot turn into
        a 429 once its 200 is sent), so a few requests admitted at the same moment may wait beyond the bound."""
        if self.waiting >= self.queue_limit and self._turn.locked():
            raise model_busy(self.name, self.waiting, self._average_seconds * (self.waiting + 1))

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[T]:
        """Wait for this model's turn, then hold it for the body of the `with`."""
        self.waiting += 1
        try:
            await self._turn.acquire()
        finally:
            self.waiting -= 1
        started = time.monotonic()
        try:
            yield await asyncio.to_thread(self.get)
        finally:
            self._turn.release()
            self._average_seconds = 0.8 * self._average_seconds + 0.2 * (time.monotonic() - started)

    async def run(self, work: Callable[[T], R]) -> R:
        """Run `work(model)` in a worker thread during this model's turn."""
        self.admit()
        async with self.turn() as model:
            return await asyncio.to_thread(work, model)


class LocalModels(Generic[T]):
    """The loaded models of one backend, by model file: each file is loaded once however many deployments use it."""

    def __init__(self, load: Callable[[str], T], queue_limit: int) -> None:
        self._load = load
        self._models: dict[str, LocalModel[T]] = {}
        self.queue_limit = queue_limit

    def get(self, name: str, path: str) -> LocalModel[T]:
        model = self._models.get(path)
        if model is None:
            model = self._models[path] = LocalModel(name, lambda: self._load(path), self.queue_limit)
        return model
