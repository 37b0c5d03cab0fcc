"""My usage (everyone), and the team's usage (Admins): by day, by deployment, and the latest calls."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from studio.accounts.access import viewer_required
from studio.usage import selectors
from studio.usage.models import UsageRecord

WINDOWS = (7, 30, 90)


@viewer_required
@require_GET
def mine(request):
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in WINDOWS else 30
    team = request.GET.get("scope") == "team" and request.user.has_perm("accounts.manage_studio")
    records = UsageRecord.objects.all() if team else UsageRecord.objects.filter(user=request.user)
    records = selectors.records_since(records, days)
    return render(request, "usage/mine.html", {
        "days": days, "windows": WINDOWS, "team": team,
        "summary": selectors.summary(records), "by_day": selectors.by_day(records, days),
        "by_deployment": selectors.by_deployment(records),
        "by_user": selectors.by_user(records) if team else None,
        "latest": records.select_related("user")[:50],
    })
