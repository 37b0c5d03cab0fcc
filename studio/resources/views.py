"""The deployments console: resources and their deployments (creating and scaling come with its own issue)."""

from django.shortcuts import render

from studio.accounts.access import viewer_required
from studio.resources.models import Resource


@viewer_required
def resource_list(request):
    resources = Resource.objects.prefetch_related("deployments").order_by("name")
    return render(request, "resources/list.html", {"resources": resources})
