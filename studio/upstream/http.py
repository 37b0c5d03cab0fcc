"""The process's httpx2 clients: one connection pool per endpoint policy, with timeouts, limits and the address guard.

Clients are built once per process (a web worker, a Celery worker) and shared by every resource with the same
policy, so connections are reused across requests. The guard resolves each request's host itself, refuses the
addresses `url_guard` forbids, and connects to the address it checked (the name stays in the Host header and in
TLS's SNI), so a DNS answer that changes between the check and the connection cannot slip past it.
"""

from __future__ import annotations

import threading

import anyio
import httpx2

from studio.upstream import url_guard
from studio.upstream.url_guard import EndpointPolicy

TIMEOUT = httpx2.Timeout(connect=5.0, read=60.0, write=30.0, pool=10.0)
LIMITS = httpx2.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)
USER_AGENT = "Studio (self-hosted Azure OpenAI studio)"


def _pin(request: httpx2.Request, policy: EndpointPolicy) -> None:
    host = request.url.host
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    url_guard.check_url(str(request.url.copy_with(path="/", query=None, fragment=None)), policy, resolve_names=False)
    addresses = url_guard.resolve(host, port)
    url_guard.check_addresses(host, addresses, scheme=request.url.scheme, policy=policy)
    address = addresses[0]
    if address != host.strip("[]"):
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        request.url = request.url.copy_with(host=address)


class GuardedTransport(httpx2.HTTPTransport):
    def __init__(self, policy: EndpointPolicy, **kwargs) -> None:
        super().__init__(**kwargs)
        self.policy = policy

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        _pin(request, self.policy)
        return super().handle_request(request)


class AsyncGuardedTransport(httpx2.AsyncHTTPTransport):
    def __init__(self, policy: EndpointPolicy, **kwargs) -> None:
        super().__init__(**kwargs)
        self.policy = policy

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if url_guard.is_ip_literal(request.url.host):
            _pin(request, self.policy)  # nothing to resolve: no thread needed
        else:
            # getaddrinfo blocks; a thread keeps the event loop free while a slow DNS server answers.
            await anyio.to_thread.run_sync(_pin, request, self.policy)
        return await super().handle_async_request(request)


_lock = threading.Lock()
_sync_clients: dict[EndpointPolicy, httpx2.Client] = {}


def sync_client(policy: EndpointPolicy) -> httpx2.Client:
    """The process's shared client for this policy (thread-safe; httpx2 clients are)."""
    with _lock:
        client = _sync_clients.get(policy)
        if client is None or client.is_closed:
            client = httpx2.Client(transport=GuardedTransport(policy, limits=LIMITS), timeout=TIMEOUT,
                                   follow_redirects=False, headers={"User-Agent": USER_AGENT}, trust_env=False)
            _sync_clients[policy] = client
        return client


def async_client(policy: EndpointPolicy) -> httpx2.AsyncClient:
    """A client for the running event loop: async pools are bound to their loop, so callers own and close it."""
    return httpx2.AsyncClient(transport=AsyncGuardedTransport(policy, limits=LIMITS), timeout=TIMEOUT,
                              follow_redirects=False, headers={"User-Agent": USER_AGENT}, trust_env=False)
