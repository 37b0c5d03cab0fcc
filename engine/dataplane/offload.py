"""CPU-heavy work on big inputs runs in a worker thread, so one large request never stalls the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Below this many characters the work takes well under a millisecond: a thread hop would cost more than it saves.
LARGE_INPUT_CHARS = 64_000


async def off_loop_if_large(size: int, work: Callable[..., T], *args: object) -> T:
    """work(*args), in a thread when `size` (characters or bytes of input) is large."""
    if size < LARGE_INPUT_CHARS:
        return work(*args)
    return await asyncio.to_thread(work, *args)
