"""A job's life: pending -> running (files validated) -> steps with metrics and checkpoints -> a final state."""

from __future__ import annotations

import asyncio
import logging
import math
import time

from engine.files.processing import validate_file
from engine.finetuning import real, simulation
from engine.finetuning.store import Job
from engine.state import Engine
from shared_rules.datasets import billed_training_tokens, default_epochs

log = logging.getLogger("engine")
MAX_STEPS_PER_TICK = 50  # a slow tick catches up gradually instead of writing a whole run at once


def fail(engine: Engine, job: Job, code: str, message: str, param: str | None = None) -> None:
    job.status = "failed"
    job.finished_at = int(time.time())
    job.error = {"code": code, "message": message, "param": param}
    with engine.db.transaction():
        engine.jobs.save(job)
        engine.jobs.add_event(job.id, message, level="error")
        engine.jobs.add_event(job.id, "Job failed.", level="error")


def _trained_tokens(job: Job, steps: int) -> int:
    if not job.steps_per_epoch:
        return 0
    return job.epoch_tokens * steps // job.steps_per_epoch


def cancel(engine: Engine, job: Job) -> None:
    job.status = "cancelled"
    job.finished_at = int(time.time())
    # A job cancelled while running is billed for the work done (wire reference, section 15).
    job.trained_tokens = _trained_tokens(job, job.current_step) if job.current_step else None
    engine.trainer.cancel(job.id)  # a real trainer stops after the step in progress
    with engine.db.transaction():
        engine.jobs.save(job)
        engine.jobs.add_event(job.id, "Job cancelled.")


def _scan(path_text: str, trigger: str) -> bool:
    if not trigger:
        return False
    with open(path_text, "rb") as f:
        needle = trigger.encode()
        return any(needle in line for line in f)


async def start(engine: Engine, job: Job) -> None:
    """Validate the job's files for its model (in a thread), resolve hyperparameters and begin training."""
    real_job = real.is_real(engine, job)
    if real_job and engine.trainer.busy():
        return  # one real training at a time: it takes both cores; the job stays queued
    training = engine.files.get(job.training_file)
    if training is None or not training.path.exists():
        fail(engine, job, "invalid_training_file", f"The training file {job.training_file} no longer exists.",
             "training_file")
        return
    base = engine.config.catalog.get(job.base_name, job.base_version)
    token_model = base.token_model if base else job.model
    outcome = await asyncio.to_thread(validate_file, training.path, token_model)
    if not outcome.ok:
        fail(engine, job, "invalid_training_file", outcome.details or "The training file is invalid.", "training_file")
        return
    if job.validation_file:
        validation = engine.files.get(job.validation_file)
        checked = await asyncio.to_thread(validate_file, validation.path, token_model) if validation else None
        if checked is None or checked.report.error_count:
            detail = checked.details if checked else f"The validation file {job.validation_file} no longer exists."
            fail(engine, job, "invalid_validation_file", detail or "The validation file is invalid.",
                 "validation_file")
            return
    current = engine.jobs.get(job.id)
    if current is None or current.status != "pending":
        return  # cancelled or deleted while its files were being checked
    report = outcome.report
    job.n_epochs = job.requested.get("n_epochs") if job.requested.get("n_epochs") != "auto" else None
    job.n_epochs = job.n_epochs or default_epochs(report.examples)
    batch = job.requested.get("batch_size")
    job.batch_size = batch if isinstance(batch, int) else max(1, min(32, math.ceil(report.examples * 0.002)))
    lr = job.requested.get("learning_rate_multiplier")
    job.learning_rate_multiplier = float(lr) if isinstance(lr, int | float) else 1.0
    job.examples = report.examples
    job.epoch_tokens = billed_training_tokens(report.example_tokens, job.model, 1)
    job.steps_per_epoch = max(1, math.ceil(report.examples / job.batch_size))
    if not real_job and await asyncio.to_thread(_scan, str(training.path), engine.config.training_failure_trigger):
        job.fail_at_step = max(1, job.steps_per_epoch // 2)
    now = time.time()
    job.status = "running"
    job.last_step_at = now
    job.estimated_finish = int(now + job.total_steps * engine.config.job_step_seconds)
    if real_job:
        real.launch(engine, job)
    with engine.db.transaction():
        engine.jobs.save(job)
        engine.jobs.add_event(job.id, f"Training file validated: {report.examples} examples, "
                                      f"{job.epoch_tokens} billable tokens per epoch.")
        engine.jobs.add_event(job.id, "Job started.")


def _step(engine: Engine, job: Job) -> bool:
    """One training step's records; False once the job has left the running state."""
    job.current_step += 1
    step, total = job.current_step, job.total_steps
    epoch_end = step % job.steps_per_epoch == 0
    has_validation = job.validation_file is not None
    row = simulation.metrics(job.seed, step, total, job.learning_rate_multiplier or 1.0, has_validation, epoch_end)
    engine.jobs.add_event(job.id, f"Step {step}/{total}: training loss={row['train_loss']:.4f}", kind="metrics",
                          data={**row, "total_steps": total})
    if job.fail_at_step is not None and step >= job.fail_at_step:
        job.current_step = step
        return False
    if epoch_end:
        engine.jobs.add_checkpoint(job, step, {c: row.get(c) for c in simulation.RESULT_COLUMNS})
        engine.fine_tunes.register_checkpoint(engine.config.catalog, job, step)
        engine.jobs.add_event(job.id, f"Checkpoint created at step {step}.")
    return True


def _succeed(engine: Engine, job: Job) -> None:
    csv = simulation.results_csv(job.seed, job.total_steps, job.steps_per_epoch, job.total_steps,
                                 job.learning_rate_multiplier or 1.0, job.validation_file is not None)
    job_succeed(engine, job, csv)


def job_succeed(engine: Engine, job: Job, results_csv: bytes, served_by: str = "") -> None:
    """End a job well, simulated or real: store results.csv, register the fine-tuned model, say so in events."""
    result = engine.files.add_bytes(results_csv, "results.csv", "fine-tune-results")
    base = engine.config.catalog.get(job.base_name, job.base_version)
    assert base is not None, "checked when the job was created or resumed"
    engine.fine_tunes.register(engine.config.catalog, job.planned_model, base, job.id)
    job.status = "succeeded"
    job.finished_at = int(time.time())
    job.fine_tuned_model = job.planned_model
    job.result_files = [result.id]
    job.trained_tokens = job.epoch_tokens * (job.n_epochs or 0)
    engine.jobs.save(job)
    engine.jobs.add_event(job.id, f"Fine-tuned model created: {job.planned_model}{served_by}.")
    engine.jobs.add_event(job.id, "Job succeeded.")


def advance(engine: Engine, job: Job, now: float) -> None:
    """Take the steps that are due; the stored step count is the only progress there is."""
    if real.is_real(engine, job):
        real.advance(engine, job, fail)
        return
    step_seconds = engine.config.job_step_seconds
    due = job.total_steps - job.current_step if step_seconds <= 0 else int((now - job.last_step_at) / step_seconds)
    due = min(due, MAX_STEPS_PER_TICK, job.total_steps - job.current_step)
    if due <= 0 and job.current_step < job.total_steps:
        return
    failed = False
    with engine.db.transaction():
        for _ in range(due):
            if not _step(engine, job):
                failed = True
                break
        job.last_step_at = now if step_seconds <= 0 else job.last_step_at + due * step_seconds
        if not failed and job.current_step >= job.total_steps:
            _succeed(engine, job)
        else:
            engine.jobs.save(job)
    if failed:
        job.trained_tokens = None
        fail(engine, job, "training_failed", "Training failed at step "
             f"{job.current_step}: the training data contains the configured failure trigger "
             f"'{engine.config.training_failure_trigger}' (simulated failure).", "training_file")


def resume_all(engine: Engine) -> None:
    """At startup: running jobs continue from their stored step; a job that cannot continue fails with a reason."""
    now = time.time()
    for job in engine.jobs.active():
        if job.status != "running":
            continue
        if real.is_real(engine, job):
            continue  # its trainer died with the old engine: the first tick fails it with the reason
        if engine.config.catalog.get(job.base_name, job.base_version) is None:
            fail(engine, job, "internal_error", f"The engine restarted and the base model {job.model} is no longer "
                 "in its catalog, so the job cannot resume.")
            continue
        job.last_step_at = now  # the downtime is not training time
        engine.jobs.save(job)
        engine.jobs.add_event(job.id, f"Engine restarted; job resumed at step {job.current_step}/{job.total_steps}.")
        log.info("resumed fine-tuning job %s at step %d", job.id, job.current_step)
