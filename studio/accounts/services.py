"""Writes about accounts: requesting, approving and declining access, inviting users, changing roles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from studio.accounts import roles
from studio.accounts.models import AccessRequest

User = get_user_model()


@transaction.atomic
def access_request_create(*, username: str, email: str, password: str, intended_use: str) -> AccessRequest:
    user = User.objects.create_user(username=username, email=email, password=password)
    return AccessRequest.objects.create(user=user, intended_use=intended_use)


@transaction.atomic
def access_request_approve(access_request: AccessRequest, *, role: str, decided_by) -> AccessRequest:
    roles.set_role(access_request.user, role)
    access_request.status = AccessRequest.Status.APPROVED
    access_request.decided_by = decided_by
    access_request.decided_at = timezone.now()
    access_request.decline_reason = ""
    access_request.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    return access_request


@transaction.atomic
def access_request_decline(access_request: AccessRequest, *, reason: str, decided_by) -> AccessRequest:
    access_request.user.groups.clear()
    access_request.status = AccessRequest.Status.DECLINED
    access_request.decided_by = decided_by
    access_request.decided_at = timezone.now()
    access_request.decline_reason = reason
    access_request.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    return access_request


def set_password_path(user) -> str:
    """A one-time link (Django's password-reset token) with which an invited user chooses a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:set_password", kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def user_invite(*, username: str, email: str, role: str):
    user = User.objects.create_user(username=username, email=email)  # no password until they choose one
    roles.set_role(user, role)
    return user


def ensure_first_admin(*, username: str = "admin", password: str | None = None) -> tuple[object, str | None]:
    """Create the first Admin when the site has no user; returns (user, generated password or None)."""
    if User.objects.exists():
        return None, None
    import secrets

    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    user = User.objects.create_superuser(username=username, email="", password=password)
    roles.set_role(user, roles.ADMIN)
    return user, generated


def an(word: str) -> str:
    """'an Admin', 'a Developer', 'a Viewer'."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def sessions_end(user) -> int:
    """Delete every stored session of this user (sign them out everywhere); returns how many ended."""
    from django.contrib.sessions.models import Session

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def api_tokens_revoke_all(user) -> int:
    from studio.accounts.models import ApiToken

    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


class RoleChangeRefused(Exception):
    """The change would leave Studio without an active Admin; the message says what to do."""


def _other_active_admins(user):
    admins = User.objects.filter(is_active=True).filter(
        models.Q(groups__name=roles.ADMIN) | models.Q(is_superuser=True))
    return admins.exclude(pk=user.pk).distinct()


@transaction.atomic
def user_set_role(user, role: str) -> str:
    """Give user a role; returns the sentence that says what is now true.

    Lowering a superuser lifts the superuser flag as well (a superuser holds every permission whatever its group,
    so the role would otherwise not change). Lowering anyone's role also ends their sessions and API tokens, so
    nothing issued under the higher role outlives it.
    """
    previous = roles.role_of(user)
    lowering = previous is not None and roles.ROLES.index(role) > roles.ROLES.index(previous)
    if previous == roles.ADMIN and role != roles.ADMIN and not _other_active_admins(user).exists():
        raise RoleChangeRefused("Studio needs at least one Admin; make someone else an Admin first.")
    notes = []
    if user.is_superuser and role != roles.ADMIN:
        user.is_superuser = False
        user.is_staff = False
        user.save(update_fields=["is_superuser", "is_staff"])
        notes.append("their superuser flag is lifted")
    roles.set_role(user, role)
    if lowering:
        sessions = sessions_end(user)
        tokens = api_tokens_revoke_all(user)
        notes.append(f"{sessions} session{'s' if sessions != 1 else ''} and {tokens} API token"
                     f"{'s' if tokens != 1 else ''} ended")
    sentence = f"{user.username} is now {an(role)}"
    return sentence + (f" ({'; '.join(notes)})." if notes else ".")


@transaction.atomic
def user_deactivate(user) -> str:
    if roles.role_of(user) == roles.ADMIN and not _other_active_admins(user).exists():
        raise RoleChangeRefused("Studio needs at least one active Admin; make someone else an Admin first.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    sessions = sessions_end(user)
    tokens = api_tokens_revoke_all(user)
    return (f"{user.username} is deactivated: they cannot sign in, and {sessions} session"
            f"{'s' if sessions != 1 else ''} and {tokens} API token{'s' if tokens != 1 else ''} ended.")


def user_reactivate(user) -> str:
    user.is_active = True
    user.save(update_fields=["is_active"])
    return f"{user.username} can sign in again, with their role ({roles.role_of(user) or 'none'})."
