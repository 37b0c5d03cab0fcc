"""A real model whose stack or file is missing answers simulated, and the engine says so (log, health, models)."""

from __future__ import annotations

import json

import httpx2

from engine.backends.registry import missing, resolve
from engine.config import Catalog, ModelSpec
from tests.engine_server import API_VERSION, EngineServer


def _model(backend: str, asset: str) -> ModelSpec:
    return ModelSpec(name="m", version="1", id="m", capabilities=frozenset({"chat"}), skus=(), backend=backend,
                     asset=asset)


def test_a_missing_model_file_makes_its_entry_simulated_with_the_reason(tmp_path):
    catalog = Catalog([_model("llama.cpp", str(tmp_path / "absent.gguf"))])
    status = resolve(catalog, enabled=True)
    entry = catalog.get("m")
    assert entry.backend == "simulated" and "absent.gguf not found" in entry.backend_note
    assert status.models["m"]["wanted"] == "llama.cpp"


def test_unknown_backends_and_missing_runtimes_are_named():
    assert "unknown backend 'tensorflow'" in missing("tensorflow", "x")
    assert missing("llama.cpp", "wheel:no_such_package_here/model.gguf") in (
        "model file wheel:no_such_package_here/model.gguf not found",
        "llama_cpp not installed (pip install -r requirements-models.txt)")


def test_a_gguf_named_in_the_config_is_listed_and_says_why_it_is_simulated(tmp_path):
    missing_file = tmp_path / "mine.gguf"
    (tmp_path / "config.json").write_text(json.dumps(
        {"real_models": {"gguf_files": [{"name": "my-gguf", "path": str(missing_file)}]}}))
    with EngineServer(env={"ENGINE_REAL_MODELS": "on"}, data_dir=tmp_path) as server:
        models = httpx2.get(f"{server.url}/openai/models", params={"api-version": API_VERSION},
                            headers=server.api_headers).json()["data"]
        mine = next(m for m in models if m["id"] == "my-gguf")
        assert mine["engine"]["simulated"] is True and str(missing_file) in mine["engine"]["note"]
        health = httpx2.get(f"{server.url}/engine/health").json()
        assert health["real_models"] == "on" and health["models"]["my-gguf"]["wanted"] == "llama.cpp"
        assert "my-gguf" in server.log_text() and "answers simulated" in server.log_text()


def test_with_real_models_off_the_catalog_is_the_simulated_one(fresh_engine):
    models = httpx2.get(f"{fresh_engine.url}/openai/models", params={"api-version": API_VERSION},
                        headers=fresh_engine.api_headers).json()["data"]
    assert all(m["engine"]["simulated"] for m in models)
    assert "SmolLM2-135M-Instruct" not in {m["id"] for m in models}
    assert httpx2.get(f"{fresh_engine.url}/engine/health").json()["real_models"].startswith("off")
