"""The upstream job statuses of Azure (pending, created...) and OpenAI (validating_files, queued...) in one set."""

from __future__ import annotations

# Service status -> (Studio's word, terminal). Azure GA: created, pending, running, succeeded, failed, cancelled;
# OpenAI and the v1 API: validating_files, queued, running, succeeded, failed, cancelled.
KNOWN = {
    "created": ("queued", False),
    "pending": ("queued", False),
    "queued": ("queued", False),
    "validating_files": ("validating files", False),
    "running": ("running", False),
    "paused": ("paused", False),
    "succeeded": ("succeeded", True),
    "failed": ("failed", True),
    "cancelled": ("cancelled", True),
    "canceled": ("cancelled", True),
}
WAITING = ("queued", "validating files", "paused")
TERMINAL_WORDS = ("succeeded", "failed", "cancelled")


def status_word(upstream: str) -> str:
    """The word Studio shows; an unknown status is kept as sent, marked so."""
    if upstream.lower() in KNOWN:
        return KNOWN[upstream.lower()][0]
    return f"unknown ({upstream})" if upstream else "unknown"


def is_terminal(upstream: str) -> bool:
    return KNOWN.get(upstream.lower(), ("", False))[1]


def is_waiting(upstream: str) -> bool:
    return status_word(upstream) in WAITING


def display_status(job) -> str:
    if job.state in (job.State.SUBMITTED, job.State.FINISHED) and job.upstream_status:
        return status_word(job.upstream_status)
    return {
        job.State.AWAITING_APPROVAL: "awaiting approval",
        job.State.DECLINED: "declined",
        job.State.READY: "submitting",
        job.State.SUBMITTING: "submitting",
        job.State.SUBMITTED: "queued",
        job.State.FINISHED: "finished",
        job.State.FAILED_TO_SUBMIT: "failed to submit",
        job.State.CANCELLED: "cancelled",
        job.State.GONE: "gone upstream",
    }.get(job.state, job.state)


# The filter on the jobs list offers these words.
FILTER_WORDS = ("awaiting approval", "declined", "submitting", "queued", "validating files", "running", "succeeded",
                "failed", "cancelled", "failed to submit", "gone upstream")
