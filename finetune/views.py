"""Fine-tuning's landing page (datasets and jobs arrive with the fine-tuning issue)."""

from django.shortcuts import render

from studio.accounts.access import viewer_required
from studio.resources.models import Deployment


@viewer_required
def index(request):
    deployments = Deployment.objects.select_related("resource").order_by("resource__name", "name")
    return render(request, "finetune/index.html", {"deployments": deployments})
