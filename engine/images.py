"""Generated pictures on disk, served at /engine/images/{id}.png until their URL expires (24 h by default)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from engine.db import Database


class ImageStore:
    def __init__(self, db: Database, folder: Path, ttl_seconds: int) -> None:
        self.db = db
        self.folder = folder
        self.ttl = ttl_seconds
        folder.mkdir(parents=True, exist_ok=True)

    def save(self, png: bytes) -> str:
        image_id = uuid.uuid4().hex  # unguessable: the URL works without a key, like Azure's SAS links
        path = self.folder / f"{image_id}.png"
        path.write_bytes(png)
        self.db.execute("INSERT INTO images (id, path, expires_at) VALUES (?, ?, ?)",
                        (image_id, str(path), time.time() + self.ttl))
        return image_id

    def read(self, image_id: str) -> bytes | None:
        row = self.db.one("SELECT path, expires_at FROM images WHERE id = ?", (image_id,))
        if row is None or row["expires_at"] < time.time():
            return None
        path = Path(row["path"])
        return path.read_bytes() if path.exists() else None

    def purge_expired(self) -> int:
        rows = self.db.all("SELECT id, path FROM images WHERE expires_at < ?", (time.time(),))
        for row in rows:
            Path(row["path"]).unlink(missing_ok=True)
            self.db.execute("DELETE FROM images WHERE id = ?", (row["id"],))
        return len(rows)
