"""Studio's URL map: one include per app."""

from django.urls import include, path

urlpatterns = [
    path("", include("studio.core.urls")),
    path("accounts/", include("studio.accounts.urls")),
    path("deployments/", include("studio.resources.urls")),
    path("audit/", include("studio.audit.urls")),
    path("usage/", include("studio.usage.urls")),
    path("playground/", include("playground.urls")),
    path("fine-tuning/", include("finetune.urls")),
    path("estimator/", include("studio.estimator.urls")),
    path("api/v1/", include("studio.estimator.api_urls")),
]

handler400 = "studio.core.views.bad_request"
handler403 = "studio.core.views.permission_denied"
handler404 = "studio.core.views.page_not_found"
handler500 = "studio.core.views.server_error"
