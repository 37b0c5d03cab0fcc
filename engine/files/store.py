"""File rows and their bytes on disk."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.db import Database

USER_PURPOSES = ("fine-tune", "assistants", "batch")
PURPOSES = (*USER_PURPOSES, "fine-tune-results", "assistants_output", "batch_output")


@dataclass
class FileRecord:
    id: str
    filename: str
    purpose: str
    bytes: int
    created_at: int
    status: str
    status_details: str | None
    path: Path
    format: str | None  # "chat" | "prompt_completion" | "preference" once a fine-tune file is processed

    def as_api(self) -> dict[str, Any]:
        return {"object": "file", "id": self.id, "bytes": self.bytes, "created_at": self.created_at,
                "filename": self.filename, "purpose": self.purpose, "status": self.status,
                "status_details": self.status_details}


def _record(row: Any) -> FileRecord:
    return FileRecord(row["id"], row["filename"], row["purpose"], row["bytes"], row["created_at"], row["status"],
                      row["status_details"], Path(row["path"]), row["format"])


class FileStore:
    def __init__(self, db: Database, folder: Path) -> None:
        self.db = db
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, source: Path, filename: str, purpose: str, size: int, process_at: float | None) -> FileRecord:
        """Take ownership of `source` (moved, never copied). process_at=None: ready at once ("processed")."""
        file_id = "file-" + uuid.uuid4().hex
        target = self.folder / file_id
        os.replace(source, target)
        status = "processed" if process_at is None else "pending"
        self.db.execute(
            "INSERT INTO files (id, filename, purpose, bytes, created_at, status, path, process_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (file_id, filename, purpose, size, int(time.time()), status, str(target), process_at or 0))
        record = self.get(file_id)
        assert record is not None
        return record

    def add_bytes(self, data: bytes, filename: str, purpose: str) -> FileRecord:
        tmp = self.folder / f".new-{uuid.uuid4().hex}"
        tmp.write_bytes(data)
        return self.add(tmp, filename, purpose, len(data), None)

    def get(self, file_id: str) -> FileRecord | None:
        row = self.db.one("SELECT * FROM files WHERE id = ?", (file_id,))
        return _record(row) if row else None

    def page(self, purpose: str | None, after: str | None, limit: int, newest_first: bool = True,
             ) -> tuple[list[FileRecord], bool]:
        """Files (optionally of one purpose) after the cursor id `after`, and whether more follow."""
        direction, compare = ("DESC", "<") if newest_first else ("ASC", ">")
        cursor = self.db.one("SELECT seq FROM files WHERE id = ?", (after,)) if after else None
        sql, params = "SELECT * FROM files WHERE 1 = 1", []
        if purpose:
            sql, params = sql + " AND purpose = ?", [purpose]
        if cursor is not None:
            sql, params = sql + f" AND seq {compare} ?", [*params, cursor["seq"]]
        rows = self.db.all(f"{sql} ORDER BY seq {direction} LIMIT ?", (*params, limit + 1))  # noqa: S608 - fixed words
        return [_record(r) for r in rows[:limit]], len(rows) > limit

    def due_for_processing(self, now: float) -> list[FileRecord]:
        rows = self.db.all("SELECT * FROM files WHERE status = 'pending' AND process_at <= ? ORDER BY seq", (now,))
        return [_record(r) for r in rows]

    def set_status(self, file_id: str, status: str, details: str | None = None, fmt: str | None = None) -> None:
        self.db.execute("UPDATE files SET status = ?, status_details = ?, format = COALESCE(?, format) WHERE id = ?",
                        (status, details, fmt, file_id))

    def delete(self, file_id: str) -> bool:
        record = self.get(file_id)
        if record is None:
            return False
        self.db.execute("DELETE FROM files WHERE id = ?", (file_id,))
        record.path.unlink(missing_ok=True)
        return True

    def purge_orphans(self) -> None:
        """Temp files of uploads cut short by a crash."""
        for pattern in (".new-*", "incoming/.upload-*"):
            for leftover in self.folder.glob(pattern):
                leftover.unlink(missing_ok=True)
        tmp = self.folder.parent / "tmp"
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
