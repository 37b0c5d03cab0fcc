"""A fine-tune back to GGUF for llama.cpp, all in Q8_0: the base file's metadata and tokenizer copied as they are,
the trained attention weights (LoRA merged in) written as Q8_0 in llama.cpp's layout, and every other weight matrix
dequantised from the base file and written as Q8_0 too.

One-dimensional tensors (the RMS norms' weights, 576 values each) stay F32, as llama.cpp's own converter keeps them:
ggml multiplies activations by them element-wise, an operation it only has for F32, and Q8_0 packs blocks of 32
values along a row, which a vector of norm weights is not."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# HF attention projection -> llama.cpp tensor name, per layer
_NAMES = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output"}


def gguf_name(hf_name: str) -> str:
    """model.layers.3.self_attn.q_proj.weight -> blk.3.attn_q.weight"""
    parts = hf_name.split(".")
    return f"blk.{parts[2]}.{_NAMES[parts[4]]}.weight"


def permute(weights: Any, n_head: int) -> Any:
    """llama.cpp stores Q and K rows in its own rotary order; transformers undid it when loading the GGUF."""
    rows = weights.shape[0]
    return (weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:]).swapaxes(1, 2)
            .reshape(weights.shape))


def llama_layout(hf_name: str, weights: Any, n_head: int, n_head_kv: int) -> Any:
    if ".q_proj." in hf_name:
        return permute(weights, n_head)
    if ".k_proj." in hf_name:
        return permute(weights, n_head_kv)
    return weights


def export_gguf(base: Path, out: Path, trained: dict[str, Any], n_head: int, n_head_kv: int,
                name: str | None = None) -> Path:
    """Write `out` from `base` with the `trained` tensors (HF names, fp32 numpy) replaced; renamed into place."""
    import numpy as np
    from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter, Keys
    from gguf.quants import dequantize, quantize

    reader = GGUFReader(base)
    arch = reader.fields[Keys.General.ARCHITECTURE].contents()
    replaced = {gguf_name(k): quantize(np.ascontiguousarray(llama_layout(k, v, n_head, n_head_kv), dtype=np.float32),
                                       GGMLQuantizationType.Q8_0) for k, v in trained.items()}
    partial = out.with_name(out.name + ".partial")
    writer = GGUFWriter(partial, arch=arch)
    for field in reader.fields.values():
        if field.name == Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue  # written by GGUFWriter itself
        value = field.contents()
        if field.name == Keys.General.NAME and name:
            value = name
        kind = field.types[0]
        sub_type = field.types[-1] if kind == GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, value, kind, sub_type=sub_type)
    tensors = []
    for tensor in reader.tensors:
        data, kind = tensor.data, tensor.tensor_type
        if tensor.name in replaced:
            data, kind = replaced.pop(tensor.name), GGMLQuantizationType.Q8_0
        elif len(tensor.shape) > 1 and kind != GGMLQuantizationType.Q8_0:
            data, kind = quantize(dequantize(data, kind), GGMLQuantizationType.Q8_0), GGMLQuantizationType.Q8_0
        tensors.append(data)
        writer.add_tensor_info(tensor.name, data.shape, data.dtype, data.nbytes, kind)
    if replaced:
        raise ValueError(f"tensors missing from {base.name}: {sorted(replaced)[:3]}")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for data in tensors:
        writer.write_tensor_data(data, tensor_endianess=reader.endianess)
    writer.close()
    os.replace(partial, out)
    return out
