"""The models the estimator knows: everyone with a role reads the registry, Admins add models from the UI."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from studio.accounts.access import admin_required, viewer_required
from studio.estimator import selectors
from studio.estimator.forms import CustomModelForm
from studio.estimator.models import CustomModel


@viewer_required
@require_GET
def model_list(request):
    today = timezone.localdate()
    registry = selectors.model_registry()
    groups = registry.grouped(today)
    added = {m.name: m.pk for m in CustomModel.objects.all()}
    priced = selectors.priced_models()
    context = {"groups": [(selectors.GROUP_LABELS[g], groups[g]) for g in groups if groups[g]], "today": today,
               "added": added, "priced": priced, "not_published": selectors.NOT_PUBLISHED}
    return render(request, "estimator/models.html", context)


def _save(request, form, verb: str):
    model = form.save(commit=False)
    if model.created_by_id is None:
        model.created_by = request.user
    model.save()
    messages.success(request, f"{verb} {model.name}: the estimator counts it now. Add its prices in the price table.")
    return redirect("estimator:models")


@admin_required
@require_http_methods(["GET", "POST"])
def model_add(request):
    form = CustomModelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, "Added")
    return render(request, "estimator/model_form.html", {"form": form, "model": None})


@admin_required
@require_http_methods(["GET", "POST"])
def model_edit(request, model_id: int):
    model = get_object_or_404(CustomModel, pk=model_id)
    form = CustomModelForm(request.POST or None, instance=model)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, "Changed")
    return render(request, "estimator/model_form.html", {"form": form, "model": model})
