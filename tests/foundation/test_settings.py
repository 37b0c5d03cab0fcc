"""Settings from the environment: local defaults, strict parsing, and production that refuses weak secrets."""

import secrets
import subprocess
import sys

import pytest

from studio.env import ConfigError, env_bool
from tests.processes import ROOT, child_env

PRODUCTION = {
    "STUDIO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "STUDIO_ENCRYPTION_KEY": secrets.token_urlsafe(32),
    "ALLOWED_HOSTS": "studio.example.com",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in child_env(**env).items() if value is not None}
    for key in [key for key, value in env.items() if value is None]:
        clean.pop(key, None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", STUDIO_DATA_DIR=str(tmp_path), **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"STUDIO_ENCRYPTION_KEY": None}, "STUDIO_ENCRYPTION_KEY"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_real_secrets(tmp_path, override, named):
    result = manage("check", STUDIO_DATA_DIR=str(tmp_path), **{**PRODUCTION, **override})
    assert result.returncode != 0
    assert result.stderr.strip().startswith("Studio cannot start:")
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_data_dir_is_created_with_generated_secrets(tmp_path):
    data_dir = tmp_path / "not" / "there" / "var"
    result = manage("check", STUDIO_DATA_DIR=str(data_dir), SECRET_KEY=None, STUDIO_ENCRYPTION_KEY=None)
    assert result.returncode == 0, result.stderr
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
    first = (data_dir / "secret_key").read_text()
    manage("check", STUDIO_DATA_DIR=str(data_dir), SECRET_KEY=None)
    assert (data_dir / "secret_key").read_text() == first  # generated once, then kept


def test_debug_is_off_unless_asked_for(tmp_path):
    def debug_with(value):
        shell = "from django.conf import settings; print(settings.DEBUG)"
        return manage("shell", "--no-imports", "-c", shell, STUDIO_DATA_DIR=str(tmp_path), DEBUG=value).stdout.strip()

    assert debug_with(None) == "False"
    assert debug_with("true") == "True"


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("False", False), ("1", True), ("off", False)])
def test_env_bool_reads_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("SOME_FLAG", value)
    assert env_bool("SOME_FLAG") is expected


def test_env_bool_rejects_a_typo(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "ture")
    with pytest.raises(ConfigError, match="SOME_FLAG must be true or false"):
        env_bool("SOME_FLAG")
