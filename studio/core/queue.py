"""Handing work to Celery without letting a broker outage turn a page into a 500.

The database row is the source of truth for every piece of background work, and beat re-sends rows that wait too
long, so a message lost to an unreachable Redis only delays the work.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    """task.delay(*args) now; False (and a log line) when the broker cannot take it."""
    try:
        task.delay(*args)
    except (OperationalError, OSError) as error:
        log.warning("could not queue %s%s: %s; beat will send it again", task.name, args, error)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Queue after the surrounding transaction commits, so the worker finds the rows it is sent for."""
    transaction.on_commit(lambda: enqueue(task, *args))
