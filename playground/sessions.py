"""Sessions and presets: who may open what, saving, searching, export and import.

A session belongs to its owner. Shared, it is readable by every signed-in member of the team through its link and
through its id, and writable only by its owner. The state is the page's own JSON; Studio checks its shape and size,
not its meaning, so each playground kind owns what it keeps.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from playground.kinds.stored import files_delete
from playground.models import Kind, PlaygroundSession, Preset
from shared_rules.json_input import JSONInputError, loads_bounded

EXPORT_FORMAT = "studio.playground.session/1"
TITLE_LIMIT = 200


class SessionInputError(ValueError):
    """The message is safe to show."""


def session_for_reading(user, pk: int) -> PlaygroundSession:
    """The session, if the user owns it or it is shared with the team; 403 otherwise (404 when there is none)."""
    session = PlaygroundSession.objects.get(pk=pk)
    if session.owner_id != user.pk and not session.is_shared:
        raise PermissionDenied("This session belongs to someone else and is not shared.")
    return session


def session_for_writing(user, pk: int) -> PlaygroundSession:
    session = PlaygroundSession.objects.get(pk=pk)
    if session.owner_id != user.pk:
        raise PermissionDenied("Only the session's owner may change it.")
    return session


def sessions_of(user, *, q: str = "", kind: str = "") -> QuerySet[PlaygroundSession]:
    found = PlaygroundSession.objects.filter(owner=user)
    if kind:
        found = found.filter(kind=kind)
    if q:
        # The title, or any text in the state (messages, system message): JSON is searched as its text.
        found = found.filter(Q(title__icontains=q) | Q(state__icontains=q))
    return found.defer("state")


def shared_sessions(user) -> QuerySet[PlaygroundSession]:
    return (PlaygroundSession.objects.exclude(share_token="").exclude(owner=user).select_related("owner")
            .defer("state"))


def _title(value: Any) -> str:
    title = str(value or "").strip() or "Untitled session"
    return title[:TITLE_LIMIT]


def _kind(value: Any) -> str:
    if value not in Kind.values:
        raise SessionInputError(f"unknown playground kind {value!r}; one of {', '.join(Kind.values)}")
    return value


def session_save(user, *, pk: int | None, kind: str, title: Any, state: Any) -> PlaygroundSession:
    """Create or update the user's session (the page autosaves after every turn)."""
    if not isinstance(state, dict):
        raise SessionInputError("a session's state must be a JSON object")
    if pk is None:
        return PlaygroundSession.objects.create(owner=user, kind=_kind(kind), title=_title(title), state=state)
    session = session_for_writing(user, pk)
    session.title = _title(title) if title is not None else session.title
    session.state = state
    session.save(update_fields=["title", "state", "updated_at"])
    return session


def session_export(session: PlaygroundSession) -> dict[str, Any]:
    return {"format": EXPORT_FORMAT, "kind": session.kind, "title": session.title,
            "exported_at": timezone.now().isoformat(), "state": session.state}


def session_import(user, raw: bytes) -> PlaygroundSession:
    """A new session from an exported file; the file's ids and owner are not trusted (a new row is made)."""
    try:
        data = loads_bounded(raw)
    except (JSONInputError, UnicodeDecodeError) as error:
        raise SessionInputError(f"the file is not valid JSON: {error}") from error
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise SessionInputError(f"the file is not a Studio session export (expected format {EXPORT_FORMAT!r})")
    if not isinstance(data.get("state"), dict):
        raise SessionInputError("the export has no state object")
    return PlaygroundSession.objects.create(owner=user, kind=_kind(data.get("kind")), title=_title(data.get("title")),
                                            state=data["state"])


def session_rename(user, pk: int, title: Any) -> PlaygroundSession:
    session = session_for_writing(user, pk)
    session.title = _title(title)
    session.save(update_fields=["title", "updated_at"])
    return session


def session_share(user, pk: int, shared: bool) -> PlaygroundSession:
    session = session_for_writing(user, pk)
    session.share() if shared else session.unshare()
    session.save(update_fields=["share_token", "updated_at"])
    return session


def session_delete(user, pk: int) -> None:
    session = session_for_writing(user, pk)
    files_delete(session.images.all())  # pictures and audio are kept for their session only
    files_delete(session.audio_files.all())
    session.delete()


def presets_for(user, kind: str = Kind.CHAT) -> QuerySet[Preset]:
    return Preset.objects.filter(Q(owner=user) | Q(shared=True), kind=kind).select_related("owner")


def preset_save(user, *, name: Any, system_message: Any, parameters: Any, shared: bool,
                kind: str = Kind.CHAT) -> Preset:
    name = str(name or "").strip()[:100]
    if not name:
        raise SessionInputError("a preset needs a name")
    if not isinstance(parameters, dict):
        raise SessionInputError("a preset's parameters must be a JSON object")
    preset, _ = Preset.objects.update_or_create(
        owner=user, kind=_kind(kind), name=name,
        defaults={"system_message": str(system_message or ""), "parameters": parameters, "shared": bool(shared)},
    )
    return preset


def preset_delete(user, pk: int) -> None:
    preset = Preset.objects.get(pk=pk)
    if preset.owner_id != user.pk and not user.has_perm("accounts.manage_studio"):
        raise PermissionDenied("Only the preset's owner or an Admin may delete it.")
    preset.delete()


def session_summary(session: PlaygroundSession) -> dict[str, Any]:
    updated: datetime = session.updated_at
    return {"id": session.pk, "title": session.title, "kind": session.kind, "updated_at": updated.isoformat(),
            "shared_url": session.shared_url()}
