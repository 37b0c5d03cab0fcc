"""The deployments console: resources, their deployments, content filters and quota, and the operations that change
them. Every role reads; only Admins change anything. Pages read the database; ARM is called by Celery tasks."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from studio.accounts.access import admin_required, viewer_required
from studio.audit.services import audit_record
from studio.core.queue import enqueue, enqueue_on_commit
from studio.resources import forms, operations, services
from studio.resources.models import Deployment, Operation, Resource
from studio.resources.tasks import sync_resource
from studio.upstream import probe
from studio.usage import selectors as usage_selectors

USAGE_DAYS = 30  # the deployment page's usage panel


def _resource(pk: int) -> Resource:
    return get_object_or_404(Resource, pk=pk)


def _deployment(resource_pk: int, name: str) -> Deployment:
    return get_object_or_404(Deployment.objects.select_related("resource", "created_by", "updated_by"),
                             resource_id=resource_pk, name=name)


def _partial(request, template: str, context: dict, partial: str) -> HttpResponse:
    """The whole page, or just the named partial when htmx asks for it (the house's one way to pick a partial)."""
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, partial, context)
    return render(request, template, context)


# --- resources ------------------------------------------------------------------------------------------------------
@viewer_required
@require_GET
def resource_list(request):
    # Three queries whatever the number of resources and deployments (asserted in the tests).
    deployments = Deployment.objects.order_by("name")
    resources = (Resource.objects.order_by("name")
                 .annotate(pending=Count("operations", filter=Q(operations__status__in=("queued", "running"))))
                 .prefetch_related(Prefetch("deployments", queryset=deployments)))
    return render(request, "resources/list.html", {"resources": resources})


@admin_required
@require_http_methods(["GET", "POST"])
def resource_create(request):
    form = forms.ResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resource = services.resource_save(form, user=request.user)
        enqueue_on_commit(sync_resource, resource.pk)
        messages.success(request, f"{resource.name} is added. Test its connection; its deployments are being synced.")
        return redirect("resources:detail", pk=resource.pk)
    return render(request, "resources/form.html", {"form": form})


@admin_required
@require_http_methods(["GET", "POST"])
def resource_edit(request, pk: int):
    resource = _resource(pk)
    form = forms.ResourceForm(request.POST or None, instance=resource)
    if request.method == "POST" and form.is_valid():
        services.resource_save(form, user=request.user)
        messages.success(request, f"{resource.name} is saved.")
        return redirect("resources:detail", pk=resource.pk)
    return render(request, "resources/form.html", {"form": form, "resource": resource})


@admin_required
@require_http_methods(["GET", "POST"])
def resource_delete(request, pk: int):
    resource = _resource(pk)
    form = forms.ConfirmNameForm(resource.name, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.resource_delete(resource, user=request.user)
        messages.success(request, f"{resource.name} is removed from Studio; nothing changed upstream.")
        return redirect("resources:list")
    return render(request, "resources/confirm_delete.html",
                  {"form": form, "resource": resource, "what": "resource", "name": resource.name})


@viewer_required
@require_GET
def resource_detail(request, pk: int):
    resource = _resource(pk)
    context = {
        "resource": resource,
        "deployments": resource.deployments.select_related("created_by", "updated_by").order_by(
            "removed_upstream_at", "name"),
        "operations": resource.operations.select_related("requested_by")[:10],
        "retiring": {m.name: m for m in resource.catalog.all() if m.retires_within(90)},
    }
    return render(request, "resources/detail.html", context)


@admin_required
@require_POST
def resource_test(request, pk: int):
    resource = _resource(pk)
    checks = probe.probe(resource)
    services.resource_check_record(resource, checks)
    return render(request, "resources/_test_result.html", {"checks": checks, "resource": resource})


@admin_required
@require_POST
def resource_sync(request, pk: int):
    resource = _resource(pk)
    if enqueue(sync_resource, resource.pk):
        messages.info(request, f"{resource.name} is being synced; reload this page in a moment to see the result.")
    else:
        messages.error(request, "The background queue (Redis) cannot be reached, so the sync could not start. "
                                "Check that Redis and the worker run; beat retries on its own.")
    return redirect("resources:detail", pk=resource.pk)


@viewer_required
@require_GET
def resource_quota(request, pk: int):
    resource = _resource(pk)
    return render(request, "resources/quota.html", {"resource": resource, "usages": resource.quota.all()})


# --- deployments ----------------------------------------------------------------------------------------------------
@admin_required
@require_http_methods(["GET", "POST"])
def deployment_create(request, pk: int):
    resource = _resource(pk)
    if not resource.has_arm:
        return _manual_deployment(request, resource)
    form = forms.DeploymentCreateForm(resource, request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and not request.htmx and form.is_valid():
        data = form.cleaned_data
        entry = data["entry"]
        body = operations.deployment_body(model=entry.name, version=entry.version, sku=data["sku"],
                                          capacity=data["capacity"], rai_policy=data["rai_policy"],
                                          upgrade=data["upgrade"])
        operation = operations.operation_request(resource, kind=Operation.Kind.DEPLOYMENT_CREATE,
                                                 target=data["name"], body=body, user=request.user)
        messages.info(request, f"Creating {data['name']}: ARM is working on it; follow it below.")
        return redirect(f"{resource_url(resource)}#operation-{operation.pk}")
    context = {"form": form, "resource": resource}
    # htmx re-renders the form when the model or SKU changes, so it offers only what the catalog allows.
    return _partial(request, "resources/deployment_create.html", context, "resources/_deployment_create_form.html")


def resource_url(resource: Resource) -> str:
    return reverse("resources:detail", kwargs={"pk": resource.pk})


def _manual_deployment(request, resource: Resource):
    form = forms.ManualDeploymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        deployment = form.save(commit=False)
        deployment.resource = resource
        deployment.created_by = deployment.updated_by = request.user
        deployment.provisioning_state = "Succeeded"
        if Deployment.objects.filter(resource=resource, name=deployment.name).exists():
            form.add_error("name", "This resource already lists a deployment with this name.")
        else:
            deployment.save()
            audit_record(actor=request.user, action="deployment.register", target_type="deployment",
                         target_name=deployment.name, resource_name=resource.name,
                         after=operations.deployment_snapshot(deployment), outcome="succeeded")
            messages.success(request, f"{deployment.name} is listed on {resource.name}.")
            return redirect("resources:detail", pk=resource.pk)
    return render(request, "resources/deployment_manual.html", {"form": form, "resource": resource})


@viewer_required
@require_GET
def deployment_detail(request, pk: int, name: str):
    deployment = _deployment(pk, name)
    catalog_entry = deployment.resource.catalog.filter(name=deployment.model_name,
                                                       version=deployment.model_version).first()
    context = {"deployment": deployment, "resource": deployment.resource, "catalog_entry": catalog_entry,
               "retiring_soon": bool(catalog_entry and catalog_entry.retires_within(90)),
               "operations": deployment.resource.operations.filter(target=deployment.name)[:10]}
    usage = usage_selectors.records_since(deployment.usage_records.all(), USAGE_DAYS)
    context.update(usage_days=USAGE_DAYS, days=USAGE_DAYS, summary=usage_selectors.summary(usage),
                   by_day=usage_selectors.by_day(usage, USAGE_DAYS), by_user=usage_selectors.by_user(usage))
    return render(request, "resources/deployment_detail.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def deployment_update(request, pk: int, name: str):
    deployment = _deployment(pk, name)
    if deployment.is_gone:
        messages.error(request, f"{deployment.name} is gone upstream; there is nothing to change.")
        return redirect("resources:deployment", pk=pk, name=name)
    form = forms.DeploymentUpdateForm(deployment, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        body = {"sku": {"name": deployment.sku_name, "capacity": data["capacity"]},
                "properties": {"versionUpgradeOption": data["upgrade"]}}
        if data["rai_policy"]:
            body["properties"]["raiPolicyName"] = data["rai_policy"]
        after = {**operations.deployment_snapshot(deployment), "capacity": data["capacity"],
                 "upgrade": data["upgrade"], "content_filter": data["rai_policy"] or deployment.rai_policy_name}
        operations.operation_request(deployment.resource, kind=Operation.Kind.DEPLOYMENT_UPDATE,
                                     target=deployment.name, body=body, user=request.user,
                                     before=operations.deployment_snapshot(deployment), after=after)
        messages.info(request, f"Updating {deployment.name}: ARM is working on it.")
        return redirect("resources:deployment", pk=pk, name=name)
    return render(request, "resources/deployment_update.html", {"form": form, "deployment": deployment,
                                                                "resource": deployment.resource})


@admin_required
@require_http_methods(["GET", "POST"])
def deployment_delete(request, pk: int, name: str):
    deployment = _deployment(pk, name)
    form = forms.ConfirmNameForm(deployment.name, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if deployment.resource.has_arm:
            operations.operation_request(deployment.resource, kind=Operation.Kind.DEPLOYMENT_DELETE,
                                         target=deployment.name, body={}, user=request.user,
                                         before=operations.deployment_snapshot(deployment), after=None)
            messages.info(request, f"Deleting {deployment.name}: ARM is working on it.")
        else:
            audit_record(actor=request.user, action="deployment.unregister", target_type="deployment",
                         target_name=deployment.name, resource_name=deployment.resource.name,
                         before=operations.deployment_snapshot(deployment), outcome="succeeded")
            deployment.delete()
            messages.success(request, f"{name} is no longer listed.")
        return redirect("resources:detail", pk=pk)
    return render(request, "resources/confirm_delete.html",
                  {"form": form, "resource": deployment.resource, "what": "deployment", "name": deployment.name,
                   "deployment": deployment})


@viewer_required
@require_GET
def operation_status(request, pk: int, operation_id: int):
    operation = get_object_or_404(Operation.objects.select_related("requested_by"), pk=operation_id, resource_id=pk)
    response = render(request, "resources/_operation.html", {"operation": operation})
    if operation.is_finished and request.htmx:
        return HttpResponseStopPolling(response.content)  # 286 ends the polling; the row shows its final state
    return response


# --- content filters ----------------------------------------------------------------------------------------------
@viewer_required
@require_GET
def content_filters(request, pk: int):
    resource = _resource(pk)
    context = {"resource": resource, "policies": resource.content_filters.all(),
               "blocklists": resource.blocklists.all(),
               "assigned": _policy_assignments(resource),
               "operations": resource.operations.filter(kind__in=(
                   Operation.Kind.POLICY_SAVE, Operation.Kind.POLICY_DELETE, Operation.Kind.BLOCKLIST_SAVE,
                   Operation.Kind.BLOCKLIST_DELETE)).select_related("requested_by")[:10]}
    return render(request, "resources/content_filters.html", context)


def _policy_assignments(resource: Resource) -> dict[str, list[str]]:
    assigned: dict[str, list[str]] = {}
    for deployment in resource.deployments.active().only("name", "rai_policy_name"):
        assigned.setdefault(deployment.rai_policy_name, []).append(deployment.name)
    return assigned


@admin_required
@require_http_methods(["GET", "POST"])
def content_filter_edit(request, pk: int, name: str | None = None):
    resource = _resource(pk)
    policy = get_object_or_404(resource.content_filters, name=name) if name else None
    if policy is not None and policy.is_system:
        messages.error(request, f"{policy.name} is Microsoft's own policy; create your own to change thresholds.")
        return redirect("resources:content_filters", pk=pk)
    form = forms.ContentFilterForm(resource, request.POST or None, policy=policy)
    if request.method == "POST" and form.is_valid():
        target = policy.name if policy else form.cleaned_data["name"]
        before = ({"base": policy.base_policy_name, "mode": policy.mode, "filters": policy.content_filters,
                   "blocklists": policy.custom_blocklists} if policy else None)
        operations.operation_request(resource, kind=Operation.Kind.POLICY_SAVE, target=target,
                                     body=form.arm_body(), user=request.user, before=before)
        messages.info(request, f"Saving the content filter {target}: ARM is working on it.")
        return redirect("resources:content_filters", pk=pk)
    return render(request, "resources/content_filter_form.html", {"form": form, "resource": resource,
                                                                  "policy": policy})


@admin_required
@require_http_methods(["GET", "POST"])
def blocklist_edit(request, pk: int, name: str | None = None):
    resource = _resource(pk)
    blocklist = get_object_or_404(resource.blocklists, name=name) if name else None
    form = forms.BlocklistForm(resource, request.POST or None, blocklist=blocklist)
    if request.method == "POST" and form.is_valid():
        target = blocklist.name if blocklist else form.cleaned_data["name"]
        body = {"description": form.cleaned_data["description"], "items": form.cleaned_data["items"]}
        operations.operation_request(resource, kind=Operation.Kind.BLOCKLIST_SAVE, target=target, body=body,
                                     user=request.user,
                                     before={"items": blocklist.items} if blocklist else None)
        messages.info(request, f"Saving the blocklist {target}: ARM is working on it.")
        return redirect("resources:content_filters", pk=pk)
    return render(request, "resources/blocklist_form.html", {"form": form, "resource": resource,
                                                             "blocklist": blocklist})
