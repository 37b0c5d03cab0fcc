"""Jobs on a real chat model: handed to the trainer process, their records written from what it reports."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from typing import Any

from engine.backends.registry import asset_path
from engine.finetuning.simulation import RESULT_COLUMNS
from engine.finetuning.store import Job
from engine.state import Engine

SECONDS_PER_STEP_GUESS = 3.0  # for estimated_finish before the first step reports


def is_real(engine: Engine, job: Job) -> bool:
    base = engine.config.catalog.get(job.base_name, job.base_version)
    return base is not None and base.backend == "llama.cpp"


def launch(engine: Engine, job: Job) -> None:
    base = engine.config.catalog.get(job.base_name, job.base_version)
    assert base is not None, "checked by the caller"
    root = base.base or base
    source = base if base.base is not None else root  # continued fine-tuning starts from the fine-tune's weights
    validation = engine.files.get(job.validation_file) if job.validation_file else None
    engine.trainer.launch(job.id, {
        "base_gguf": str(asset_path(source.asset)), "training_file": str(engine.files.get(job.training_file).path),
        "validation_file": str(validation.path) if validation else None, "n_epochs": job.n_epochs,
        "batch_size": job.batch_size, "learning_rate_multiplier": job.learning_rate_multiplier, "seed": job.seed,
        "name": job.planned_model, "method": job.method, "beta": job.beta,
    })
    job.estimated_finish = int(time.time() + job.total_steps * SECONDS_PER_STEP_GUESS)


def results_csv(records: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    out.write(",".join(RESULT_COLUMNS) + "\n")
    for row in records:
        out.write(",".join("" if row.get(c) is None else str(row[c]) for c in RESULT_COLUMNS) + "\n")
    return out.getvalue().encode()


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _succeed(engine: Engine, job: Job, record: dict[str, Any]) -> None:
    folder = engine.trainer.job_dir(job.id)
    final = folder / "model.gguf"
    if not final.exists():
        _link(record["path"], str(final))
    steps = [r for r in _all_records(engine, job) if r["type"] == "step"]
    from engine.finetuning.lifecycle import job_succeed  # lifecycle imports this module

    job_succeed(engine, job, results_csv(steps), " (GGUF, served by llama.cpp)")


def _all_records(engine: Engine, job: Job) -> list[dict[str, Any]]:
    path = engine.trainer.job_dir(job.id) / "progress.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def advance(engine: Engine, job: Job, fail: Any) -> None:
    """Write what the trainer reported since the last tick; fail the job when the trainer died without a word."""
    trainer = engine.trainer
    if not trainer.has(job.id):
        fail(engine, job, "engine_restarted", f"The engine stopped while this job was training (at step "
             f"{job.current_step} of {job.total_steps}), which ended its trainer. Finished checkpoints are kept and "
             "deployable; create a new job to train again.")
        return
    alive = trainer.running(job.id)
    last_row: dict[str, Any] = {}
    with engine.db.transaction():
        for record in trainer.read(job.id):
            kind = record["type"]
            if kind == "message":
                engine.jobs.add_event(job.id, record["message"])
            elif kind == "step":
                row = {k: record[k] for k in RESULT_COLUMNS if k in record}
                last_row = row
                job.current_step = record["step"]
                remaining = job.total_steps - job.current_step
                job.estimated_finish = int(time.time() + remaining * record.get("seconds", SECONDS_PER_STEP_GUESS))
                engine.jobs.add_event(job.id, f"Step {record['step']}/{job.total_steps}: training loss="
                                      f"{record['train_loss']:.4f}", kind="metrics",
                                      data={**row, "total_steps": job.total_steps})
            elif kind == "checkpoint":
                metrics = last_row or {"step": record["step"]}
                engine.jobs.add_checkpoint(job, record["step"], {c: metrics.get(c) for c in RESULT_COLUMNS})
                engine.fine_tunes.register_checkpoint(engine.config.catalog, job, record["step"])
                engine.jobs.add_event(job.id, f"Checkpoint created at step {record['step']}.")
            elif kind == "succeeded":
                _succeed(engine, job, record)
                trainer.forget(job.id)
                return
            elif kind == "failed":
                trainer.forget(job.id)
                engine.jobs.save(job)
                fail(engine, job, "training_failed", f"Training failed at step {job.current_step}: "
                     f"{record['message']}")
                return
        engine.jobs.save(job)
    if not alive:  # it wrote everything before exiting, and all of that was read above
        tail = trainer.log_tail(job.id)
        trainer.forget(job.id)
        fail(engine, job, "training_failed", f"The trainer process ended without finishing the job (at step "
             f"{job.current_step} of {job.total_steps}). Its last output: {tail or 'none'}")
