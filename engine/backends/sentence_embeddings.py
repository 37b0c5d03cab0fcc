"""Real embeddings: a sentence-transformers model (all-MiniLM-L6-v2 from its wheel), unit vectors."""

from __future__ import annotations

import math
from typing import Any

from engine.backends.local import LocalModels
from engine.backends.registry import THREADS, asset_path
from engine.config import ModelSpec


def load_sentence_model(path: str) -> Any:
    import torch  # the engine process only: Studio never imports torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(THREADS)
    return SentenceTransformer(path, device="cpu", local_files_only=True)


def encode(model: Any, texts: list[str], dimensions: int) -> list[list[float]]:
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    out = []
    for vector in vectors.tolist():
        if dimensions and dimensions < len(vector):
            # Like text-embedding-3: keep the leading values and make them a unit vector again.
            head = vector[:dimensions]
            norm = math.sqrt(sum(v * v for v in head)) or 1.0
            vector = [v / norm for v in head]
        out.append(vector)
    return out


class SentenceEmbeddings:
    def __init__(self, queue_limit: int) -> None:
        self.models: LocalModels[Any] = LocalModels(load_sentence_model, queue_limit)

    async def embed(self, model: ModelSpec, texts: list[str], dimensions: int) -> list[list[float]]:
        local = self.models.get(model.name, str(asset_path(model.asset)))
        return await local.run(lambda m: encode(m, texts, dimensions))
