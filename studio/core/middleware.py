"""htmx-aware responses: caches keep full pages and fragments apart, and redirects leave the fragment."""

from django.utils.cache import patch_vary_headers


class HtmxVaryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
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
