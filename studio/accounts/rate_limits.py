"""Fixed limits on how often one client may do a thing (ask for access, say), counted in the database."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from studio.accounts.models import RateLimitHit


def hit(scope: str, key: str, *, limit: int, window: timedelta) -> int | None:
    """Count one request; None when it is within the limit, else the seconds until the next one is allowed."""
    now = timezone.now()
    start = now - window
    RateLimitHit.objects.filter(scope=scope, created_at__lt=start).delete()
    recent = RateLimitHit.objects.filter(scope=scope, key=key, created_at__gte=start)
    if recent.count() >= limit:
        oldest = recent.order_by("created_at").values_list("created_at", flat=True).first()
        return max(1, int((oldest + window - now).total_seconds()) + 1)
    RateLimitHit.objects.create(scope=scope, key=key[:200], created_at=now)
    return None
