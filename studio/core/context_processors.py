"""Limits every page's scripts need: the largest request body Studio reads, checked before a form is sent."""

from django.conf import settings


def limits(request):
    return {"max_request_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
