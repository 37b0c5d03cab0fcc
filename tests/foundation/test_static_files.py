"""Static files under ASGI stream without Django's synchronous-iterator warning, and still work under WSGI."""

from __future__ import annotations

import warnings

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.test import AsyncClient, Client

STYLESHEET = (settings.BASE_DIR / "static" / "css" / "studio.css").read_bytes()


async def _fetch_async(path: str, **headers):
    return await AsyncClient().get(path, headers=headers)


def test_asgi_serves_static_files_from_an_async_iterator_without_warning():
    import asyncio

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = asyncio.run(_fetch_async("/static/css/studio.css"))
        assert response.is_async
        body = asyncio.run(_collect(response))
    assert body == STYLESHEET
    assert response["Content-Type"].startswith("text/css")
    assert not [w for w in caught if "StreamingHttpResponse" in str(w.message)]


def test_asgi_answers_ranges_and_missing_files():
    import asyncio

    response = asyncio.run(_fetch_async("/static/css/studio.css", Range="bytes=0-9"))
    assert response.status_code == 206 and asyncio.run(_collect(response)) == STYLESHEET[:10]
    assert asyncio.run(_fetch_async("/static/css/none.css")).status_code == 404


def test_wsgi_still_serves_static_files():
    response = Client().get("/static/css/studio.css")
    assert response.status_code == 200 and b"".join(response.streaming_content) == STYLESHEET


async def _collect(response) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


def test_every_middleware_can_run_async_so_asgi_never_runs_the_chain_in_a_thread():
    from django.core.handlers.asgi import ASGIHandler
    from django.utils.module_loading import import_string

    for path in settings.MIDDLEWARE:
        assert getattr(import_string(path), "async_capable", False), f"{path} is sync-only"
    assert iscoroutinefunction(ASGIHandler()._middleware_chain)
