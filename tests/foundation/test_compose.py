"""The compose file is valid Compose (checked by Debian's docker-compose) and describes the whole deployment."""

import shutil
import subprocess

import yaml

from tests.processes import ROOT


def compose_config() -> str:
    docker_compose = shutil.which("docker-compose")
    assert docker_compose, "docker-compose is missing: `make test` installs it (Debian package docker-compose)"
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "s" * 50, "STUDIO_ENCRYPTION_KEY": "k", "POSTGRES_PASSWORD": "p"}
    result = subprocess.run([docker_compose, "-f", str(ROOT / "docker-compose.yml"), "config"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_compose_file_validates():
    config = yaml.safe_load(compose_config())
    assert {"web", "worker", "beat", "redis", "postgres"} <= set(config["services"])
    assert {"studio-data", "redis-data", "postgres-data"} <= set(config["volumes"])
    for name in ("web", "worker", "redis", "postgres"):
        assert "healthcheck" in config["services"][name], f"{name} has no health check"
    assert config["services"]["web"]["environment"]["STUDIO_ENV"] == "production"
    for name in ("web", "worker", "beat"):  # nobody touches the database before its migrations ran
        assert config["services"][name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_refuses_to_run_without_secrets():
    result = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
                            env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr or "POSTGRES_PASSWORD" in result.stderr
