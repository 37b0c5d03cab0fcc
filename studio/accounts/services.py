"""Writes about accounts: requesting, approving and declining access, inviting users, changing roles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
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
