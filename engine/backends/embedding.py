"""Deterministic embedding vectors: a hash of the text stretched to the model's size, unit length."""

from __future__ import annotations

import hashlib
import math
from array import array


def hashed_vector(model: str, text: str, native_dims: int, dimensions: int = 0) -> list[float]:
    """Same model and text, same vector. A shorter `dimensions` keeps the leading values and renormalises them,
    the way text-embedding-3 models shorten their vectors."""
    raw = hashlib.shake_256(f"{model}\0{text}".encode()).digest(native_dims * 2)
    values = array("h", raw)  # little or big endian does not matter: it is only a source of spread
    head = values[:dimensions] if dimensions else values
    norm = math.sqrt(sum(v * v for v in head)) or 1.0
    return [v / norm for v in head]
