"""Engine settings from the environment, with defaults that run locally."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from engine.entra import ARM, DATA_PLANE, EntraToken, TokenError, parse_tokens

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """An environment variable holds a value the engine refuses to guess about."""


def _env_float(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must be 0 or more, got {raw!r}")
    return value


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a whole number, got {raw!r}")
    return int(raw)


def _env_tokens(env: Mapping[str, str], name: str, audience: str) -> tuple[EntraToken, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return ()
    try:
        return tuple(parse_tokens(raw, audience))
    except TokenError as e:
        raise SettingsError(f"{name} {e}") from None


def _env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    # Strict like healthchecks' envbool: a typo must not silently flip a switch.
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "on", "yes"):
        return True
    if raw in ("0", "false", "off", "no"):
        return False
    raise SettingsError(f"{name} must be on/off (or true/false, 1/0), got {raw!r}")


@dataclass(frozen=True)
class Timing:
    """Overrides of the config's simulated timings; None keeps the config file's value."""

    tokens_per_second: float | None = None
    job_queue_seconds: float | None = None
    job_step_seconds: float | None = None
    scheduler_tick_seconds: float | None = None
    provisioning_seconds: float | None = None
    file_processing_seconds: float | None = None


@dataclass(frozen=True)
class EngineSettings:
    host: str = "127.0.0.1"
    port: int = 8765
    data_dir: Path = PROJECT_ROOT / "var" / "engine"
    config_path: Path | None = None  # None: <data_dir>/config.json
    api_key: str | None = None  # None: generated once into <data_dir>/keys.json
    arm_token: str | None = None
    timing: Timing = Timing()
    rate_limits: bool = True  # off only for experiments; per-deployment switches live in the admin API
    max_upload_bytes: int | None = None  # None: from the config file (512 MB by default)
    access_log: bool = False  # one log line per request costs more than the simulated answer itself
    entra_tokens: tuple[EntraToken, ...] = ()  # data-plane Entra ID tokens with their roles (ENGINE_ENTRA_TOKENS)
    arm_tokens: tuple[EntraToken, ...] = ()  # ARM Entra ID tokens with their roles (ENGINE_ARM_TOKENS)
    real_models: bool = True  # the real local models (requirements-models.txt); off: the catalog is all simulated
    model_queue: int = 8  # requests that may wait for one real model; past it 429 with retry-after

    @property
    def config_file(self) -> Path:
        return self.config_path or self.data_dir / "config.json"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def with_port(self, port: int) -> EngineSettings:
        return replace(self, port=port)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EngineSettings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("ENGINE_DATA_DIR") or cls.data_dir).expanduser()
        config = env.get("ENGINE_CONFIG")
        upload = env.get("ENGINE_MAX_UPLOAD_BYTES")
        return cls(
            host=env.get("ENGINE_HOST") or cls.host,
            port=_env_int(env, "ENGINE_PORT", cls.port),
            data_dir=data_dir,
            config_path=Path(config).expanduser() if config else None,
            api_key=env.get("ENGINE_API_KEY") or None,
            arm_token=env.get("ENGINE_ARM_TOKEN") or None,
            timing=Timing(
                tokens_per_second=_env_float(env, "ENGINE_TOKENS_PER_SECOND"),
                job_queue_seconds=_env_float(env, "ENGINE_JOB_QUEUE_SECONDS"),
                job_step_seconds=_env_float(env, "ENGINE_JOB_STEP_SECONDS"),
                scheduler_tick_seconds=_env_float(env, "ENGINE_SCHEDULER_TICK_SECONDS"),
                provisioning_seconds=_env_float(env, "ENGINE_PROVISIONING_SECONDS"),
                file_processing_seconds=_env_float(env, "ENGINE_FILE_PROCESSING_SECONDS"),
            ),
            rate_limits=_env_bool(env, "ENGINE_RATE_LIMITS", True),
            max_upload_bytes=_env_int(env, "ENGINE_MAX_UPLOAD_BYTES", 0) if upload else None,
            access_log=_env_bool(env, "ENGINE_ACCESS_LOG", False),
            entra_tokens=_env_tokens(env, "ENGINE_ENTRA_TOKENS", DATA_PLANE),
            arm_tokens=_env_tokens(env, "ENGINE_ARM_TOKENS", ARM),
            real_models=_env_bool(env, "ENGINE_REAL_MODELS", True),
            model_queue=_env_int(env, "ENGINE_MODEL_QUEUE", cls.model_queue),
        )
