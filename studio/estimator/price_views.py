"""The price table: everyone with a role reads it, Admins add rows and change prices (history is kept)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from studio.accounts.access import admin_required, viewer_required
from studio.estimator import selectors, services
from studio.estimator.forms import (
    PRICE_FIELDS,
    PRICES_BY_KIND,
    PriceChangeForm,
    PriceFilterForm,
    PriceForm,
    fields_for_kind,
)
from studio.estimator.models import Price

PAGE_SIZE = 40


def _list_url(price: Price) -> str:
    return reverse("estimator:prices") + "?" + urlencode({"q": price.model, "history": "on"})


@viewer_required
@require_GET
def price_list(request):
    filters = PriceFilterForm(request.GET)
    rows = selectors.price_table(**filters.cleaned_data) if filters.is_valid() else []
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))  # out-of-range and junk pages: the nearest
    query = request.GET.copy()
    query.pop("page", None)
    in_table = request.htmx and request.htmx.target == "price-table"
    template = "estimator/_price_table.html" if in_table else "estimator/prices.html"
    response = render(request, template, {"filters": filters, "page": page, "rows": page.object_list,
                                          "query": query.urlencode()})
    patch_vary_headers(response, ("HX-Target",))
    return response


@admin_required
@require_http_methods(["GET", "POST"])
def price_add(request):
    # "Add it" links from a missing-price note fill in the line they are about.
    initial = {key: request.GET[key] for key in ("model", "kind", "deployment_type", "tier", "source", "source_date",
                                                 "effective_from", "currency") if key in request.GET}
    form = PriceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        price = form.save(commit=False)
        price.created_by = request.user
        price.save()
        messages.success(request, f"Added the {price.model} price on {price.deployment_type} from "
                                  f"{price.effective_from:%Y-%m-%d}.")
        return redirect(_list_url(price))
    # Only the fields the chosen kind is billed by; choosing another kind re-renders the form (htmx, or a GET).
    kind = request.POST.get("kind") or request.GET.get("kind")
    price_fields = fields_for_kind(kind) if kind in PRICES_BY_KIND else PRICE_FIELDS
    price_fields = [name for name in PRICE_FIELDS if name in price_fields or name in form.errors]  # errors show
    return render(request, "estimator/price_form.html", {"form": form, "price": None, "price_fields": price_fields,
                                                         "kind": kind if kind in PRICES_BY_KIND else None})


@admin_required
@require_http_methods(["GET", "POST"])
def price_edit(request, price_id: int):
    price = get_object_or_404(Price, pk=price_id)
    form = PriceChangeForm(request.POST or None, price=price)
    if request.method == "POST" and form.is_valid():
        changed = services.price_change(price, values=form.values(), effective_from=form.cleaned_data["effective_from"],
                                        changed_by=request.user)
        if changed.pk == price.pk:
            messages.success(request, f"Corrected the {price.model} price from {price.effective_from:%Y-%m-%d}.")
        else:
            messages.success(request, f"Added a {price.model} price from {changed.effective_from:%Y-%m-%d}; the one "
                                      f"from {price.effective_from:%Y-%m-%d} stays in the history.")
        return redirect(_list_url(price))
    return render(request, "estimator/price_form.html",
                  {"form": form, "price": price, "price_fields": fields_for_kind(price.kind)})
