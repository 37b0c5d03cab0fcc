"""Reading the usage ledger: totals by day and by deployment, for one person, one deployment or the team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from studio.usage.models import UsageRecord

FAILED = (UsageRecord.Status.ERROR, UsageRecord.Status.RATE_LIMITED, UsageRecord.Status.FILTERED)


@dataclass(frozen=True)
class Day:
    day: date
    calls: int
    tokens: int
    cost: Decimal
    share: float  # of the busiest day's cost (or tokens when nothing is priced), for the bar's height


def records_since(records: QuerySet[UsageRecord], days: int) -> QuerySet[UsageRecord]:
    start = timezone.now() - timedelta(days=days)
    return records.filter(created_at__gte=start)


def _totals():
    return {"calls": Count("id"), "tokens": Sum("total_tokens"), "cost": Sum("cost"),
            "failed": Count("id", filter=Q(status__in=FAILED)), "latency": Avg("latency_ms"),
            "first_token": Avg("first_token_ms")}


def summary(records: QuerySet[UsageRecord]) -> dict:
    found = records.aggregate(**_totals())
    found["tokens"] = found["tokens"] or 0  # the cost stays None when no call had a price: "no price", not $0
    return found


def by_day(records: QuerySet[UsageRecord], days: int) -> list[Day]:
    """One entry per day of the window, days without calls included, oldest first."""
    rows = {row["day"]: row for row in records.annotate(day=TruncDate("created_at")).values("day")
            .annotate(calls=Count("id"), tokens=Sum("total_tokens"), cost=Sum("cost"))}
    today = timezone.localdate()
    ordered = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    priced = any(row["cost"] for row in rows.values())
    peak = max((float(row["cost"] or 0) if priced else float(row["tokens"] or 0) for row in rows.values()), default=0)
    result = []
    for day in ordered:
        row = rows.get(day, {})
        value = float(row.get("cost") or 0) if priced else float(row.get("tokens") or 0)
        result.append(Day(day, row.get("calls", 0), row.get("tokens") or 0, row.get("cost") or Decimal(0),
                          value / peak if peak else 0.0))
    return result


def by_deployment(records: QuerySet[UsageRecord]) -> list[dict]:
    return list(records.values("deployment_id", "deployment_name", "resource_name", "model")
                .annotate(**_totals()).order_by("-cost", "-tokens"))


def by_user(records: QuerySet[UsageRecord]) -> list[dict]:
    return list(records.values("user__username").annotate(**_totals()).order_by("-cost", "-tokens"))
