"""Fine-tuning jobs, their events and checkpoints in SQLite; every bit of progress is stored as it happens."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.db import Database, dumps

ACTIVE = ("pending", "running")
TERMINAL = ("succeeded", "failed", "cancelled")


@dataclass
class Job:
    id: str
    created_at: int
    status: str
    model: str  # the base model's data-plane id, e.g. gpt-4o-mini-2024-07-18
    base_name: str
    base_version: str
    training_file: str
    validation_file: str | None
    requested: dict[str, Any]  # hyperparameters as asked: numbers or "auto"
    suffix: str | None
    seed: int
    planned_model: str  # <base>.ft-<job hex>, announced as fine_tuned_model on success
    queued_until: float
    fine_tuned_model: str | None = None
    finished_at: int | None = None
    result_files: list[str] = field(default_factory=list)
    trained_tokens: int | None = None
    error: dict[str, Any] | None = None
    estimated_finish: int | None = None
    # Filled when the job starts (after its files are validated for the model):
    n_epochs: int | None = None
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None
    examples: int = 0
    epoch_tokens: int = 0  # billable tokens of one pass over the data
    steps_per_epoch: int = 0
    current_step: int = 0
    last_step_at: float = 0.0
    fail_at_step: int | None = None  # the configured failure trigger was found in the training data
    method: str = "supervised"  # or "dpo" (preference pairs)
    beta: float | None = None  # DPO only; None is "auto"

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * (self.n_epochs or 0)

    def hyperparameters(self) -> dict[str, Any]:
        """Resolved values once running; before that the request, with -1 for "auto" as Azure's GA API shows it."""
        def shown(name: str, resolved: Any) -> Any:
            if resolved is not None:
                return resolved
            value = self.requested.get(name, "auto")
            return -1 if value == "auto" else value

        return {"n_epochs": shown("n_epochs", self.n_epochs), "batch_size": shown("batch_size", self.batch_size),
                "learning_rate_multiplier": shown("learning_rate_multiplier", self.learning_rate_multiplier)}

    def as_api(self) -> dict[str, Any]:
        return {
            "object": "fine_tuning.job", "id": self.id, "created_at": self.created_at, "finished_at": self.finished_at,
            "status": self.status, "model": self.model, "fine_tuned_model": self.fine_tuned_model,
            "training_file": self.training_file, "validation_file": self.validation_file,
            "result_files": self.result_files, "trained_tokens": self.trained_tokens,
            "hyperparameters": self.hyperparameters(), "suffix": self.suffix, "seed": self.seed,
            "estimated_finish": self.estimated_finish, "error": self.error, "organization_id": None,
            "integrations": None, "method": self.method_as_api(),
        }

    def method_as_api(self) -> dict[str, Any]:
        """The method object of OpenAI's job shape, its hyperparameters as the job's own."""
        hyperparameters = self.hyperparameters()
        if self.method == "dpo":
            hyperparameters["beta"] = self.beta if self.beta is not None else "auto"
        return {"type": self.method, self.method: {"hyperparameters": hyperparameters}}


def new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


class JobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, job: Job) -> None:
        self.db.execute(
            "INSERT INTO jobs (id, status, body) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body",
            (job.id, job.status, dumps(asdict(job))))

    def get(self, job_id: str) -> Job | None:
        row = self.db.one("SELECT body FROM jobs WHERE id = ?", (job_id,))
        return Job(**json.loads(row["body"])) if row else None

    def page(self, after: str | None, limit: int) -> tuple[list[Job], bool]:
        """Newest first; `after` is the last id of the previous page (so the next page is older)."""
        rows = self.db.all(
            "SELECT body FROM jobs WHERE seq < COALESCE((SELECT seq FROM jobs WHERE id = ?), 1e18) "
            "ORDER BY seq DESC LIMIT ?", (after, limit + 1))
        return [Job(**json.loads(r["body"])) for r in rows[:limit]], len(rows) > limit

    def active(self) -> list[Job]:
        rows = self.db.all("SELECT body FROM jobs WHERE status IN ('pending', 'running') ORDER BY seq")
        return [Job(**json.loads(r["body"])) for r in rows]

    def delete(self, job_id: str) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM job_events WHERE job_id = ?", (job_id,))
            self.db.execute("DELETE FROM job_checkpoints WHERE job_id = ?", (job_id,))
            self.db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def add_event(self, job_id: str, message: str, *, level: str = "info", kind: str = "message",
                  data: dict[str, Any] | None = None) -> None:
        self.db.execute(
            "INSERT INTO job_events (id, job_id, created_at, level, message, type, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (new_id("ftevent-"), job_id, int(time.time()), level, message, kind, dumps(data) if data else None))

    def events(self, job_id: str, after: str | None, limit: int) -> tuple[list[dict[str, Any]], bool]:
        rows = self.db.all(
            "SELECT * FROM job_events WHERE job_id = ? AND seq < COALESCE((SELECT seq FROM job_events WHERE id = ?), "
            "1e18) ORDER BY seq DESC LIMIT ?", (job_id, after, limit + 1))
        events = [{"object": "fine_tuning.job.event", "id": r["id"], "created_at": r["created_at"],
                   "level": r["level"], "message": r["message"], "type": r["type"],
                   "data": json.loads(r["data"]) if r["data"] else None} for r in rows[:limit]]
        return events, len(rows) > limit

    def add_checkpoint(self, job: Job, step: int, metrics: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO job_checkpoints (id, job_id, created_at, step, model, metrics) VALUES (?, ?, ?, ?, ?, ?)",
            (new_id("ftckpt_"), job.id, int(time.time()), step, f"{job.planned_model}:ckpt-step-{step}",
             dumps(metrics)))

    def checkpoints(self, job_id: str, after: str | None, limit: int) -> tuple[list[dict[str, Any]], bool]:
        rows = self.db.all(
            "SELECT * FROM job_checkpoints WHERE job_id = ? AND seq < COALESCE((SELECT seq FROM job_checkpoints "
            "WHERE id = ?), 1e18) ORDER BY seq DESC LIMIT ?", (job_id, after, limit + 1))
        data = [{"object": "fine_tuning.job.checkpoint", "id": r["id"], "created_at": r["created_at"],
                 "fine_tuned_model_checkpoint": r["model"], "step_number": r["step"], "fine_tuning_job_id": job_id,
                 "metrics": json.loads(r["metrics"])} for r in rows[:limit]]
        return data, len(rows) > limit
