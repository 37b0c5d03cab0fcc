"""ASGI entry point: uvicorn serves Studio through this so that streaming views work.

The playground's stream is answered ahead of Django's middleware (see playground.relay_endpoint: one thread hop
instead of a dozen before the first token); every other path goes to Django.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

django_application = get_asgi_application()

from playground import relay_endpoint  # noqa: E402 - needs Django set up first


async def application(scope, receive, send):
    if relay_endpoint.handles(scope):
        await relay_endpoint.relay_endpoint(scope, receive, send)
    else:
        await django_application(scope, receive, send)
