"""WhiteNoise for both handlers: under ASGI, static files stream from an async iterator.

WhiteNoise's own middleware answers with a file response whose iterator is synchronous; Django's ASGI handler then
warns "StreamingHttpResponse must consume synchronous iterators" for every file and hops to a thread per chunk.
This subclass keeps WhiteNoise's lookup, headers, compression and caching, and only changes how the bytes are sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseFileResponse, WhiteNoiseMiddleware

CHUNK_BYTES = 64 * 1024


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, **kwargs) -> None:
        super().__init__(get_response, **kwargs)
        self._is_async = iscoroutinefunction(get_response)
        if self._is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self._is_async:
            return self._acall(request)
        return super().__call__(request)

    async def _acall(self, request):
        if self.autorefresh:  # development: looks at the disk, so not on the event loop
            static_file = await sync_to_async(self.find_file, thread_sensitive=False)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is None:
            return await self.get_response(request)
        answer = static_file.get_response(request.method, request.META)
        response = WhiteNoiseFileResponse(_read_async(answer.file) if answer.file else (), status=int(answer.status))
        del response["content-type"]
        for key, value in answer.headers:
            response[key] = value
        return response


async def _read_async(file) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
            yield chunk
    finally:
        file.close()
