"""Settings, keys and config files: strict parsing, generated secrets, defaults written on first start."""

from __future__ import annotations

import json
import stat

import pytest

from engine.config import load_config
from engine.keys import load_or_create_keys
from engine.settings import EngineSettings, SettingsError


def test_keys_are_generated_once_private_and_reused(tmp_path):
    first = load_or_create_keys(tmp_path)
    assert len(first.api_key) == 32 and first.arm_token and first.api_key2 != first.api_key
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600
    assert load_or_create_keys(tmp_path) == first


def test_defaults_run_locally(tmp_path):
    settings = EngineSettings.from_env({})
    assert (settings.host, settings.port) == ("127.0.0.1", 8765)
    assert settings.data_dir.parts[-2:] == ("var", "engine")
    assert settings.config_file == settings.data_dir / "config.json"


def test_environment_overrides_and_strict_values(tmp_path):
    settings = EngineSettings.from_env({"ENGINE_PORT": "9000", "ENGINE_DATA_DIR": str(tmp_path),
                                        "ENGINE_RATE_LIMITS": "off", "ENGINE_JOB_STEP_SECONDS": "0.5"})
    assert settings.port == 9000 and settings.data_dir == tmp_path and settings.rate_limits is False
    assert settings.timing.job_step_seconds == 0.5
    for bad in ({"ENGINE_PORT": "eighty"}, {"ENGINE_RATE_LIMITS": "maybe"}, {"ENGINE_JOB_STEP_SECONDS": "-1"}):
        with pytest.raises(SettingsError):
            EngineSettings.from_env(bad)


def test_config_is_written_on_first_start_and_edits_are_read(tmp_path):
    settings = EngineSettings.from_env({"ENGINE_DATA_DIR": str(tmp_path), "ENGINE_REAL_MODELS": "off"})
    config = load_config(settings)
    assert (tmp_path / "config.json").exists()
    assert config.account_name == "local-engine" and config.resource_group == "studio-local"
    assert [d["name"] for d in config.seed_deployments] == ["chat", "embeddings"]
    assert config.catalog.get("gpt-4o-mini").version == "2024-07-18"
    edited = json.loads((tmp_path / "config.json").read_text())
    edited["account"]["account_name"] = "my-engine"
    del edited["rate_limits"]  # a section missing from an older file falls back to the defaults
    (tmp_path / "config.json").write_text(json.dumps(edited))
    config = load_config(settings)
    assert config.account_name == "my-engine" and config.tokens_per_capacity_unit == 1000
