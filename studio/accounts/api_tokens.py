"""Personal API tokens: issue one (shown once), revoke it, and find whose a bearer token is."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from studio.accounts.models import ApiToken

TOKEN_PREFIX = "stu_"  # noqa: S105 - a visible marker (as ghp_ on GitHub), not a secret
VISIBLE_CHARS = len(TOKEN_PREFIX) + 6  # enough to tell a user's tokens apart, far too few to guess the rest
# Writing last_used_at on every call would make each API request a database write; once a minute is plenty.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(raw: str) -> str:
    # The token carries 256 random bits, so a plain SHA-256 is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(user, name: str) -> tuple[ApiToken, str]:
    """A new token for the user: the row, and the full token, which is never stored and so shown only now."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:VISIBLE_CHARS], token_hash=_hash(raw))
    return token, raw


def revoke(token: ApiToken) -> ApiToken:
    """Revoke the token; revoking it again keeps the first time."""
    ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def user_for_token(raw: str):
    """The active user an unrevoked token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=_hash(raw), revoked_at=None).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
