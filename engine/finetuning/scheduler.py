"""The background loop: processes uploaded fine-tune files and moves jobs along, one short tick at a time."""

from __future__ import annotations

import asyncio
import logging
import time

from engine.files.processing import validate_file
from engine.finetuning import lifecycle
from engine.state import Engine

log = logging.getLogger("engine")


async def process_files(engine: Engine, now: float) -> None:
    for record in engine.files.due_for_processing(now):
        try:
            outcome = await asyncio.to_thread(validate_file, record.path)
        except Exception as e:  # an unreadable file is the file's error, never the scheduler's
            log.exception("validating %s", record.id)
            engine.files.set_status(record.id, "error", f"The file could not be read: {e}")
            continue
        if engine.files.get(record.id) is not None:  # deleted while it was being read
            engine.files.set_status(record.id, "processed" if outcome.ok else "error", outcome.details,
                                    outcome.format)


async def tick(engine: Engine) -> None:
    now = time.time()
    await process_files(engine, now)
    for job_id in [job.id for job in engine.jobs.active()]:
        # Re-read each job: a request handled while an earlier job awaited may have cancelled or deleted this one.
        job = engine.jobs.get(job_id)
        if job is None:
            continue
        try:
            if job.status == "pending" and now >= job.queued_until:
                await lifecycle.start(engine, job)
            elif job.status == "running":
                lifecycle.advance(engine, job, now)
        except Exception as e:  # one broken job fails with a reason; the others keep going
            log.exception("fine-tuning job %s", job.id)
            lifecycle.fail(engine, job, "internal_error", f"The trainer failed: {e}")


class Scheduler:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        lifecycle.resume_all(self.engine)
        self._task = asyncio.create_task(self._run(), name="engine-scheduler")

    async def _run(self) -> None:
        interval = self.engine.config.scheduler_tick_seconds
        while not self._stopping.is_set():
            try:
                await tick(self.engine)
            except Exception:  # keep the loop alive whatever a tick meets
                log.exception("scheduler tick failed")
            try:
                await asyncio.wait_for(self._stopping.wait(), interval)
            except TimeoutError:
                pass

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
        self.engine.trainer.stop_all()
