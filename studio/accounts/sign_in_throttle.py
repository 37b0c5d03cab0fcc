"""Throttling wrong passwords, counted in the database so every web replica sees the same count.

Failures count per (username, client address) pair, so a stranger guessing at a username locks only their own
address out of that account, never the real user signing in from elsewhere; and per address across usernames,
so one address cannot guess its way through many accounts. Admins see the locks and can lift them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min
from django.utils import timezone

from studio.accounts.models import FailedSignIn


@dataclass(frozen=True)
class Lock:
    username: str  # "" for a lock on the address across every username
    ip_address: str
    failures: int
    until: datetime

    @property
    def minutes_left(self) -> int:
        return max(1, -(-int((self.until - timezone.now()).total_seconds()) // 60))


def _window_start() -> datetime:
    return timezone.now() - timedelta(minutes=settings.STUDIO_SIGN_IN_LOCK_MINUTES)


def _until(oldest: datetime, failures: int, limit: int, recent) -> datetime:
    # The lock lasts until enough failures have aged out of the window to fall under the limit again.
    times = list(recent.order_by("created_at").values_list("created_at", flat=True)[: failures - limit + 1])
    return times[-1] + timedelta(minutes=settings.STUDIO_SIGN_IN_LOCK_MINUTES) if times else oldest


def lock_for(username: str, ip_address: str) -> Lock | None:
    """The lock that stops this username from this address signing in now, if any."""
    recent = FailedSignIn.objects.filter(created_at__gte=_window_start())
    pair = recent.filter(username=username.lower(), ip_address=ip_address)
    pair_failures = pair.count()
    if pair_failures >= settings.STUDIO_SIGN_IN_MAX_FAILURES:
        until = _until(timezone.now(), pair_failures, settings.STUDIO_SIGN_IN_MAX_FAILURES, pair)
        return Lock(username.lower(), ip_address, pair_failures, until)
    address = recent.filter(ip_address=ip_address)
    address_failures = address.count()
    if address_failures >= settings.STUDIO_SIGN_IN_ADDRESS_MAX_FAILURES:
        until = _until(timezone.now(), address_failures, settings.STUDIO_SIGN_IN_ADDRESS_MAX_FAILURES, address)
        return Lock("", ip_address, address_failures, until)
    return None


def record_failure(username: str | None, ip_address: str) -> None:
    if not username:
        return
    FailedSignIn.objects.create(username=username.lower()[:150], ip_address=ip_address)
    # Old rows say nothing any more; dropping them here keeps the table small without a scheduled job.
    FailedSignIn.objects.filter(created_at__lt=_window_start()).delete()


def clear(username: str, ip_address: str) -> None:
    """A right password clears that pair's count (not the address's count for other usernames)."""
    FailedSignIn.objects.filter(username=username.lower(), ip_address=ip_address).delete()


def active_locks() -> list[Lock]:
    """Every lock in force now, for the Admins' users page."""
    recent = FailedSignIn.objects.filter(created_at__gte=_window_start())
    locks = []
    pairs = (recent.values("username", "ip_address").annotate(failures=Count("id"), last=Max("created_at"))
             .filter(failures__gte=settings.STUDIO_SIGN_IN_MAX_FAILURES))
    for row in pairs:
        if lock := lock_for(row["username"], row["ip_address"]):
            locks.append(lock)
    addresses = (recent.values("ip_address").annotate(failures=Count("id"), first=Min("created_at"))
                 .filter(failures__gte=settings.STUDIO_SIGN_IN_ADDRESS_MAX_FAILURES))
    for row in addresses:
        lock = lock_for("", row["ip_address"])
        if lock and not lock.username:
            locks.append(lock)
    return sorted(locks, key=lambda lock: lock.until, reverse=True)


def lift(*, username: str, ip_address: str) -> int:
    """Forget the failures behind a lock; an empty username lifts the address's lock across usernames."""
    failures = FailedSignIn.objects.filter(ip_address=ip_address)
    if username:
        failures = failures.filter(username=username.lower())
    deleted, _ = failures.delete()
    return deleted
