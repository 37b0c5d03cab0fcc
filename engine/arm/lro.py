"""ARM long-running operations: stored operations and the headers of a 201/202 that starts one."""

from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from engine.db import Database, dumps

IN_PROGRESS, SUCCEEDED, FAILED = "InProgress", "Succeeded", "Failed"
SCHEMA = """
CREATE TABLE IF NOT EXISTS arm_operations (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL, error TEXT,
    start_time REAL NOT NULL, end_time REAL NOT NULL
);
"""
KEEP_SECONDS = 86400  # ARM keeps operation results for a while; a day is plenty for any poller


@dataclass(frozen=True)
class Operation:
    id: str
    kind: str  # create, update or delete
    target: str  # the resource's path under the account, e.g. deployments/chat
    outcome: str  # Succeeded or Failed, reported once end_time has passed
    error: dict[str, Any] | None
    start_time: float
    end_time: float

    def status(self, now: float) -> str:
        return IN_PROGRESS if now < self.end_time else self.outcome


class OperationStore:
    """Operations in SQLite, so a poller that outlives an engine restart still gets its answer."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.conn.executescript(SCHEMA)
        db.execute("DELETE FROM arm_operations WHERE end_time < ?", (time.time() - KEEP_SECONDS,))

    def start(self, kind: str, target: str, seconds: float, error: dict[str, Any] | None = None) -> Operation:
        """An operation that reports InProgress for `seconds`, then Succeeded, or Failed with `error`."""
        now = time.time()
        op = Operation(str(uuid.uuid4()), kind, target, FAILED if error else SUCCEEDED, error, now, now + seconds)
        self.db.execute("INSERT INTO arm_operations (id, kind, target, outcome, error, start_time, end_time) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (op.id, kind, target, op.outcome, dumps(error) if error else None, now, op.end_time))
        return op

    def get(self, op_id: str) -> Operation | None:
        row = self.db.one("SELECT * FROM arm_operations WHERE id = ?", (op_id,))
        if row is None:
            return None
        return Operation(row["id"], row["kind"], row["target"], row["outcome"],
                         json.loads(row["error"]) if row["error"] else None, row["start_time"], row["end_time"])


def retry_after(op: Operation, now: float) -> str:
    # Whole seconds, as ARM sends them; azure-core's pollers wait this long between polls.
    return str(min(60, max(1, math.ceil(op.end_time - now))))


def lro_headers(request: Request, location_path: str, op: Operation) -> dict[str, str]:
    """Azure-AsyncOperation (the status resource), Location (the result) and Retry-After for a 201/202."""
    base = str(request.base_url).rstrip("/") + location_path
    version = f"?api-version={request.query_params['api-version']}"
    return {"Azure-AsyncOperation": f"{base}/operationStatuses/{op.id}{version}",
            "Location": f"{base}/operationResults/{op.id}{version}", "Retry-After": retry_after(op, time.time())}
