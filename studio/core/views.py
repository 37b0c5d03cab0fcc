"""The home dashboard, the health check and the friendly error pages."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat

from studio.accounts.access import public, viewer_required
from studio.core.models import WorkerHeartbeat
from studio.resources.models import Resource


@viewer_required
def home(request):
    context = {
        "resources": Resource.objects.prefetch_related("deployments").order_by("name"),
        "heartbeats": WorkerHeartbeat.objects.order_by("-seen_at")[:5],
    }
    return render(request, "core/home.html", context)


@public
def health(request):
    """For load balancers and the compose file's health check: is the database reachable?"""
    try:
        connection.ensure_connection()
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


def _error_page(request, status: int, title: str, message: str):
    template = "_error_fragment.html" if getattr(request, "htmx", False) else "error.html"
    return render(request, template, {"status": status, "title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    """Django's answer to an unreadable request; a body over the size limit says what the limit is."""
    if isinstance(exception, RequestDataTooBig):
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        message = (f"This form sent more than Studio accepts in one request ({limit}, set by "
                   "STUDIO_MAX_REQUEST_BYTES). Nothing was saved and your input is still in the form: shorten it, or "
                   "send large text as a file where the page offers an upload.")
        return _error_page(request, 413, "The form is too large", message)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return _error_page(request, 400, "The form has too many fields",
                           "Nothing was saved. Remove some rows and send it again.")
    return _error_page(request, 400, "The request could not be read",
                       "Nothing was saved. Reload the page and try again.")


def permission_denied(request, exception=None):
    detail = str(exception) if exception and str(exception) else "Your role does not allow this page."
    return _error_page(request, 403, "You do not have access to this", detail)


def page_not_found(request, exception=None):
    return _error_page(request, 404, "Page not found", "The page you asked for does not exist or was removed.")


def server_error(request):
    return _error_page(request, 500, "Something went wrong", "The error was logged. Try again in a moment.")
