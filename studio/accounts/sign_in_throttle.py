"""Throttling repeated wrong passwords per username, counted in the database."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from studio.accounts.models import FailedSignIn


def _window_start():
    return timezone.now() - timedelta(minutes=settings.STUDIO_SIGN_IN_LOCK_MINUTES)


def is_locked(username: str) -> bool:
    recent = FailedSignIn.objects.filter(username=username.lower(), created_at__gte=_window_start())
    return recent.count() >= settings.STUDIO_SIGN_IN_MAX_FAILURES


def record_failure(username: str | None, request) -> None:
    if not username:
        return
    ip_address = request.META.get("REMOTE_ADDR") if request is not None else None
    FailedSignIn.objects.create(username=username.lower(), ip_address=ip_address or None)
    # Old rows say nothing any more; dropping them here keeps the table small without a scheduled job.
    FailedSignIn.objects.filter(created_at__lt=_window_start()).delete()


def clear(username: str) -> None:
    FailedSignIn.objects.filter(username=username.lower()).delete()
