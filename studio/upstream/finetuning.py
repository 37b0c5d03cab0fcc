"""Files and fine-tuning jobs on a resource's data plane (wire reference sections 10 and 11), as plain dicts.

Every call goes through `client_for` and `translated_errors`, so callers see Studio's typed errors only.
Lists page newest first: `after=<id>` gives the next, older page, as OpenAI and the engine do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.upstream.dataplane import client_for, translated_errors
from studio.upstream.errors import UpstreamBadRequest, UpstreamTimeout

# A poll or a create that hangs this long is a timeout (retried later), not a worker held for the SDK's 10 minutes.
TIMEOUT = 60.0
UPLOAD_TIMEOUT = 600.0
FILE_READY = "processed"
FILE_FAILED = ("error", "deleted", "deleting")
PAGE = 100


def _client(resource, timeout: float | None = None):
    """No SDK retries: a 429 or 5xx comes back at once, and the job's state machine retries with its own backoff
    (honouring retry-after) instead of holding a worker asleep."""
    return client_for(resource, max_retries=0, timeout=timeout or TIMEOUT)


def _plain(item: Any) -> dict[str, Any]:
    return item.model_dump() if hasattr(item, "model_dump") else dict(item)


def file_upload(resource, path: str | Path, filename: str, *, purpose: str = "fine-tune") -> dict[str, Any]:
    """Send a local file (streamed from disk by the SDK) and return the File object."""
    with translated_errors(resource), open(path, "rb") as handle:
        return _plain(_client(resource, UPLOAD_TIMEOUT).files.create(file=(filename, handle), purpose=purpose))


def file_retrieve(resource, file_id: str) -> dict[str, Any]:
    with translated_errors(resource):
        return _plain(_client(resource).files.retrieve(file_id))


def files_named(resource, filename: str, *, purpose: str = "fine-tune") -> list[dict[str, Any]]:
    """Files of the purpose with this exact name (how a resumed submission finds what it already uploaded)."""
    with translated_errors(resource):
        page = _client(resource).files.list(purpose=purpose)
        return [_plain(f) for f in page.data if f.filename == filename]


def file_wait_processed(resource, file_id: str, *, timeout: float = 600, interval: float = 1.0,
                        sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Poll the file until `processed`; its `status_details` become the error when the service refuses it."""
    deadline = time.monotonic() + timeout
    while True:
        item = file_retrieve(resource, file_id)
        status = item.get("status")
        if status == FILE_READY:
            return item
        if status in FILE_FAILED:
            details = item.get("status_details") or "no details given"
            raise UpstreamBadRequest(f"{resource.name} refused the file {item.get('filename')}: {details}",
                                     code="file_" + str(status))
        if time.monotonic() >= deadline:
            raise UpstreamTimeout(f"The file {file_id} was still {status} after {timeout:.0f} s.", code="file_wait")
        sleep(interval)


def file_content(resource, file_id: str) -> bytes:
    """A file's bytes: how results.csv is fetched."""
    with translated_errors(resource):
        return _client(resource).files.content(file_id).read()


def job_create(resource, *, model: str, training_file: str, validation_file: str | None = None,
               hyperparameters: dict[str, Any] | None = None, suffix: str | None = None, seed: int | None = None,
               method: dict[str, Any] | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {"model": model, "training_file": training_file}
    if validation_file:
        options["validation_file"] = validation_file
    if hyperparameters:
        options["hyperparameters"] = hyperparameters
    if suffix:
        options["suffix"] = suffix
    if seed is not None:
        options["seed"] = seed
    if method:
        options["method"] = method
    # A POST retried after a lost answer could start a second job: the caller's state machine retries instead,
    # after looking for the job it may already have made (jobs_using_file).
    with translated_errors(resource):
        return _plain(_client(resource).fine_tuning.jobs.create(**options))


def job_retrieve(resource, job_id: str) -> dict[str, Any]:
    with translated_errors(resource):
        return _plain(_client(resource).fine_tuning.jobs.retrieve(job_id))


def job_cancel(resource, job_id: str) -> dict[str, Any]:
    with translated_errors(resource):
        return _plain(_client(resource).fine_tuning.jobs.cancel(job_id))


def jobs_list(resource, *, limit: int = 20, after: str | None = None) -> tuple[list[dict[str, Any]], bool]:
    """One page of jobs, newest first, and whether older ones follow."""
    options: dict[str, Any] = {"limit": limit}
    if after:
        options["after"] = after
    with translated_errors(resource):
        page = _client(resource).fine_tuning.jobs.list(**options)
        return [_plain(j) for j in page.data], bool(getattr(page, "has_more", False))


def jobs_using_file(resource, training_file: str, *, max_pages: int = 20) -> list[dict[str, Any]]:
    """Jobs trained on this file id, newest first (each submission uploads its own file, so at most one)."""
    found, after = [], None
    for _ in range(max_pages):
        page, more = jobs_list(resource, limit=PAGE, after=after)
        found += [job for job in page if job.get("training_file") == training_file]
        if not more or not page:
            break
        after = page[-1]["id"]
    return found


def _newer_than(fetch: Callable[[str | None], tuple[list[dict[str, Any]], bool]], known: str | None,
                max_pages: int) -> list[dict[str, Any]]:
    """Walk newest-first pages until the item `known` (the newest one stored); return the newer ones, oldest first."""
    newer: list[dict[str, Any]] = []
    after = None
    for _ in range(max_pages):
        page, more = fetch(after)
        for item in page:
            if item["id"] == known:
                return newer[::-1]
            newer.append(item)
        if not more or not page:
            break
        after = page[-1]["id"]
    return newer[::-1]


def job_events_since(resource, job_id: str, known: str | None, *, max_pages: int = 50) -> list[dict[str, Any]]:
    """Events newer than `known` (None: all of them), oldest first."""
    def fetch(after):
        options: dict[str, Any] = {"limit": PAGE}
        if after:
            options["after"] = after
        with translated_errors(resource):
            page = _client(resource).fine_tuning.jobs.list_events(job_id, **options)
            return [_plain(e) for e in page.data], bool(getattr(page, "has_more", False))

    return _newer_than(fetch, known, max_pages)


def job_checkpoints_since(resource, job_id: str, known: str | None, *, max_pages: int = 20) -> list[dict[str, Any]]:
    """Checkpoints newer than `known`, oldest first."""
    def fetch(after):
        options: dict[str, Any] = {"limit": PAGE}
        if after:
            options["after"] = after
        with translated_errors(resource):
            page = _client(resource).fine_tuning.jobs.checkpoints.list(job_id, **options)
            return [_plain(c) for c in page.data], bool(getattr(page, "has_more", False))

    return _newer_than(fetch, known, max_pages)
