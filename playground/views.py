"""The playground's landing page: the deployments a person can try (chat and the rest arrive with their issue)."""

from django.shortcuts import render

from studio.accounts.access import viewer_required
from studio.resources.models import Deployment


@viewer_required
def index(request):
    deployments = Deployment.objects.select_related("resource").order_by("resource__name", "name")
    return render(request, "playground/index.html", {"deployments": deployments})
