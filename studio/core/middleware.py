"""htmx-aware responses: caches keep full pages and fragments apart, and redirects leave the fragment."""

from asgiref.sync import iscoroutinefunction
from django.utils.cache import patch_vary_headers
from django.utils.decorators import sync_and_async_middleware


def _adjust_for_htmx(request, response):
    patch_vary_headers(response, ("HX-Request",))
    htmx = getattr(request, "htmx", False)
    # A redirect answered to htmx (a lapsed session sent to the login page, a form that saved) would be
    # swapped into the fragment; HX-Redirect makes the browser follow it as a whole page.
    if htmx and response.status_code in (301, 302, 303) and "HX-Redirect" not in response:
        location = response["Location"]
        response.status_code = 204
        del response["Location"]
        response["HX-Redirect"] = location
    return response


@sync_and_async_middleware
def HtmxVaryMiddleware(get_response):  # noqa: N802 - named like the middleware class it replaced
    # Async-capable, like every middleware in the chain: one sync-only middleware makes Django run the whole chain
    # in a thread under ASGI, which breaks streaming responses.
    if iscoroutinefunction(get_response):
        async def middleware(request):
            return _adjust_for_htmx(request, await get_response(request))
    else:
        def middleware(request):
            return _adjust_for_htmx(request, get_response(request))
    return middleware
