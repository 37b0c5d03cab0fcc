"""EngineServer: the local engine as a real subprocess on a free port, for Studio's and the engine's tests."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2

from studio.stack import die_with_parent
from tests.processes import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "studio-local"
ACCOUNT = "local-engine"
ARM_VERSION = "2024-10-01"
API_VERSION = "2024-10-21"
# Timings that keep tests fast: unlimited token rate, jobs that take a fraction of a second per step, and the
# simulated models only (the real-model tests in tests/engine/models/ turn ENGINE_REAL_MODELS on).
FAST_ENV = {
    "ENGINE_REAL_MODELS": "off",
    "ENGINE_TOKENS_PER_SECOND": "0",
    "ENGINE_JOB_QUEUE_SECONDS": "0.05",
    "ENGINE_JOB_STEP_SECONDS": "0.01",
    "ENGINE_SCHEDULER_TICK_SECONDS": "0.02",
    "ENGINE_PROVISIONING_SECONDS": "0.2",
    "ENGINE_FILE_PROCESSING_SECONDS": "0.05",
}


class EngineServer:
    """`python -m engine` in its own process group with a temporary data dir; never leaves an orphan.

    Use as a context manager, or call start() and stop(); kill() sends SIGKILL (for crash tests) and restart()
    brings the engine back on the same port and data dir.
    """

    def __init__(self, env: dict[str, str] | None = None, data_dir: Path | None = None) -> None:
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="engine-test-"))
        # A developer's own ENGINE_* settings must not leak into a test engine: only FAST_ENV and `env` apply.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("ENGINE_")}
        self.env = {**inherited, **FAST_ENV, "ENGINE_DATA_DIR": str(self.data_dir), "PYTHONUNBUFFERED": "1",
                    **(env or {})}
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir / "engine.log"
        atexit.register(self.kill)

    # --- addresses and secrets -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def keys(self) -> dict[str, str]:
        return json.loads((self.data_dir / "keys.json").read_text())

    @property
    def api_key(self) -> str:
        return self.env.get("ENGINE_API_KEY") or self.keys["key1"]

    @property
    def arm_token(self) -> str:
        return self.env.get("ENGINE_ARM_TOKEN") or self.keys["arm_token"]

    @property
    def arm_base(self) -> str:
        """The account's ARM URL: append /deployments/{name}?api-version=2024-10-01 and so on."""
        return (f"{self.url}/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/"
                f"Microsoft.CognitiveServices/accounts/{ACCOUNT}")

    @property
    def arm_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.arm_token}"}

    @property
    def api_headers(self) -> dict[str, str]:
        return {"api-key": self.api_key}

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- lifecycle -------------------------------------------------------------------------------------------
    def start(self, timeout: float = 30) -> EngineServer:
        for _attempt in range(3):  # a port picked free can be taken before the engine binds it
            self.port = self.port or free_port()
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "engine", "--port", str(self.port)], cwd=ROOT, env=self.env,
                    stdout=log, stderr=log, start_new_session=True, preexec_fn=die_with_parent)
            if self._wait_ready(timeout):
                return self
            self.kill()
            self.port = 0
        raise RuntimeError(f"the engine did not start; log:\n{self.log_text()[-4000:]}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                if httpx2.get(f"{self.url}/engine/health", timeout=1).status_code == 200:
                    return True
            except httpx2.TransportError:
                pass
            time.sleep(0.05)
        return False

    def _signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM and wait (the engine shuts down cleanly); SIGKILL if it does not exit in time."""
        if self.process is None:
            return
        stop(self.process, timeout)
        self.process = None

    def kill(self) -> None:
        """SIGKILL the engine's whole process group, as a crash would."""
        if self.process is None:
            return
        self._signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def restart(self) -> EngineServer:
        """Start again on the same port and data dir (after stop() or kill(); stops a running engine first)."""
        self.stop()
        return self.start()

    def close(self) -> None:
        """Stop, and remove the data dir if this object made it."""
        self.stop()
        atexit.unregister(self.kill)
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> EngineServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- conveniences for tests ------------------------------------------------------------------------------
    def arm(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        """An ARM call under the account, e.g. arm("PUT", "/deployments/x", json=...)."""
        sep = "&" if "?" in path else "?"
        headers = {**self.arm_headers, **kwargs.pop("headers", {})}
        return httpx2.request(method, f"{self.arm_base}{path}{sep}api-version={ARM_VERSION}",
                              headers=headers, timeout=30, **kwargs)

    def create_deployment(self, name: str, model: str, version: str | None = None, *, sku: str = "Standard",
                          capacity: int = 30, rai_policy: str | None = None, wait: bool = True) -> dict[str, Any]:
        """PUT a deployment through ARM and, by default, wait until it is Succeeded (it then answers)."""
        properties: dict[str, Any] = {"model": {"format": "OpenAI", "name": model}}
        if version:
            properties["model"]["version"] = version
        if rai_policy:
            properties["raiPolicyName"] = rai_policy
        response = self.arm("PUT", f"/deployments/{name}", json={"sku": {"name": sku, "capacity": capacity},
                                                                "properties": properties})
        response.raise_for_status()
        body = response.json()
        deadline = time.monotonic() + 30
        while wait and body["properties"]["provisioningState"] != "Succeeded" and time.monotonic() < deadline:
            time.sleep(0.05)
            body = self.arm("GET", f"/deployments/{name}").json()
        return body

    def delete_deployment(self, name: str, wait: bool = True) -> None:
        """DELETE through ARM (a long-running operation) and, by default, wait until the deployment is gone."""
        self.arm("DELETE", f"/deployments/{name}").raise_for_status()
        deadline = time.monotonic() + 30
        while wait and self.arm("GET", f"/deployments/{name}").status_code != 404 and time.monotonic() < deadline:
            time.sleep(0.05)
