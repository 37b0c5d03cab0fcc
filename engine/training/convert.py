"""The base model for training: the GGUF dequantised to fp32 once, then kept as a normal model folder.

Loading from GGUF into transformers takes about 16 s each time; the converted folder loads in about half a second.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path


def cache_folder(gguf: Path, cache_dir: Path) -> Path:
    # Keyed by the file's name and size: a different GGUF under the same name gets its own folder.
    key = hashlib.blake2b(f"{gguf.resolve()}:{gguf.stat().st_size}".encode(), digest_size=6).hexdigest()
    return cache_dir / f"{gguf.stem}-{key}-hf"


def ensure_model_folder(gguf: Path, cache_dir: Path) -> Path:
    """The converted folder, converting on first use (written beside and renamed, so a crash leaves no half)."""
    folder = cache_folder(gguf, cache_dir)
    if (folder / "config.json").exists():
        return folder
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # A model loaded from GGUF refuses save_pretrained until its quantiser is cleared.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.is_quantized = False
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder
