"""Files the playgrounds keep for a session (generated pictures, transcribed audio, generated speech): where they live
(each owner's private folder under var/media/playground, never public static), who may read them (the owner, or
anyone signed in when the session is shared with the team), and their removal with the session."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import FileResponse, Http404


def media_root() -> Path:
    return Path(settings.VAR_DIR) / "media"


def file_write(owner_id: int, folder: str, extension: str, data: bytes) -> str:
    """Write the bytes under the owner's folder, private whatever the umask says (folders 0700, the file 0600 from
    its first byte); the path relative to the media root, as the row keeps it."""
    relative = Path("playground") / folder / str(owner_id) / f"{uuid.uuid4().hex}.{extension}"
    target = media_root() / relative
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(target.parent, 0o700)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return str(relative)


def file_path(relative: str) -> Path:
    path = (media_root() / relative).resolve()
    if media_root().resolve() not in path.parents:  # a row can only name a file under the private media folder
        raise PermissionDenied("This file is not in Studio's media folder.")
    return path


def row_for_reading(model: type[models.Model], user, pk: int):
    """The row, when the user made it or its session is shared with the team (PermissionDenied otherwise)."""
    if not 0 < pk < 2**63:
        raise model.DoesNotExist(pk)
    row = model.objects.select_related("session").get(pk=pk)
    if row.owner_id != user.pk and not (row.session and row.session.is_shared):
        raise PermissionDenied("This file belongs to someone else's session that is not shared.")
    return row


def file_response(model: type[models.Model], user, pk: int, *, filename: str, download: bool) -> FileResponse:
    try:
        row = row_for_reading(model, user, pk)
    except model.DoesNotExist as error:
        raise Http404("No such file.") from error
    path = file_path(row.path)
    if not path.exists():
        raise Http404("The file is gone from Studio's storage.")
    response = FileResponse(path.open("rb"), content_type=row.content_type, as_attachment=download,
                            filename=filename.format(row=row))
    response["Cache-Control"] = "private, max-age=86400"
    return response


def files_delete(rows: models.QuerySet) -> int:
    """Remove the rows and their files (a session being deleted takes its pictures and audio with it)."""
    paths = [row.path for row in rows]
    count, _ = rows.delete()
    for relative in paths:
        try:
            file_path(relative).unlink(missing_ok=True)
        except PermissionDenied:
            pass  # a path outside the media folder was never written by Studio: leave it
    return count
