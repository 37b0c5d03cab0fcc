"""The engine's side of real training: one trainer process at a time, its progress read back on each scheduler tick.

The trainer dies with the engine (PR_SET_PDEATHSIG); a job found running at startup has lost its trainer and is
failed with a clear event, its finished checkpoints kept.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from engine.settings import PROJECT_ROOT

log = logging.getLogger("engine")


def _die_with_parent() -> None:
    # Linux only: the kernel sends SIGKILL to the trainer when the engine process dies, however it dies.
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Trainer:
    """Trainer processes by job id (at most one runs: training takes both cores), and how far each job's
    progress file has been read."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "training"
        self.cache_dir = data_dir / "models"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.offsets: dict[str, int] = {}

    def job_dir(self, job_id: str) -> Path:
        return self.root / job_id

    def busy(self) -> bool:
        return any(p.poll() is None for p in self.processes.values())

    def launch(self, job_id: str, spec: dict[str, Any]) -> None:
        folder = self.job_dir(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "progress.jsonl").write_text("")
        (folder / "spec.json").write_text(json.dumps({**spec, "cache_dir": str(self.cache_dir)}))
        env = {**os.environ, "OMP_NUM_THREADS": "2", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1",
               "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
        with (folder / "trainer.log").open("ab") as out:
            self.processes[job_id] = subprocess.Popen(
                [sys.executable, "-m", "engine.training.worker", str(folder)], cwd=PROJECT_ROOT, env=env,
                stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.offsets[job_id] = 0
        log.info("fine-tuning job %s: trainer started (pid %d)", job_id, self.processes[job_id].pid)

    def read(self, job_id: str) -> list[dict[str, Any]]:
        """Progress records written since the last read (whole lines only)."""
        path = self.job_dir(job_id) / "progress.jsonl"
        if not path.exists():
            return []
        with path.open("rb") as f:
            f.seek(self.offsets.get(job_id, 0))
            data = f.read()
        end = data.rfind(b"\n") + 1
        self.offsets[job_id] = self.offsets.get(job_id, 0) + end
        return [json.loads(line) for line in data[:end].splitlines() if line.strip()]

    def running(self, job_id: str) -> bool:
        process = self.processes.get(job_id)
        return process is not None and process.poll() is None

    def has(self, job_id: str) -> bool:
        return job_id in self.processes

    def log_tail(self, job_id: str, chars: int = 600) -> str:
        path = self.job_dir(job_id) / "trainer.log"
        return path.read_text(errors="replace")[-chars:].strip() if path.exists() else ""

    def cancel(self, job_id: str) -> None:
        """Ask the trainer to stop after the step in progress."""
        process = self.processes.get(job_id)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)

    def forget(self, job_id: str) -> None:
        self.processes.pop(job_id, None)
        self.offsets.pop(job_id, None)

    def stop_all(self, timeout: float = 5) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout)
