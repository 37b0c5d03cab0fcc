"""Uploaded files kept for a background task, private to the user running Studio (folders 0700, files 0600)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings

CHUNK_BYTES = 1024 * 1024


def upload_dir(owner_id: int) -> Path:
    """The owner's folder under STUDIO_UPLOAD_DIR, made private whatever the umask says."""
    folder = Path(settings.STUDIO_UPLOAD_DIR) / str(owner_id)
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in (folder.parent, folder):
        path.mkdir(mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)
    return folder


def store_upload(upload, owner_id: int, suffix: str = ".jsonl") -> Path:
    """Copy an uploaded file to a new private file; the name is random, the upload's own name is never a path."""
    path = upload_dir(owner_id) / f"{uuid.uuid4().hex}{suffix}"
    # O_EXCL with mode 0600: the file is private from its first byte, and never replaces another file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            upload.seek(0)
            for chunk in upload.chunks(CHUNK_BYTES):
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def remove_upload(path: str | Path) -> None:
    Path(path).unlink(missing_ok=True)
