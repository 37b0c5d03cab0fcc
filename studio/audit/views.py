"""The audit trail page: every change to resources, deployments and content filters, filterable, read-only."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from studio.accounts.access import viewer_required
from studio.audit.models import AuditEvent

PAGE_SIZE = 50


@viewer_required
@require_GET
def audit_list(request):
    events = AuditEvent.objects.all()
    filters = {key: request.GET.get(key, "").strip()[:200] for key in ("actor", "resource", "action", "target")}
    if filters["actor"]:
        events = events.filter(actor_name__iexact=filters["actor"])
    if filters["resource"]:
        events = events.filter(resource_name__iexact=filters["resource"])
    if filters["action"]:
        events = events.filter(action__startswith=filters["action"])
    if filters["target"]:
        events = events.filter(target_name__icontains=filters["target"])
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page, "filters": filters,
        "actions": AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct(),
        "resources": AuditEvent.objects.exclude(resource_name="").order_by("resource_name")
        .values_list("resource_name", flat=True).distinct(),
        "query": "&".join(f"{k}={v}" for k, v in filters.items() if v),
    }
    return render(request, "audit/list.html", context)
