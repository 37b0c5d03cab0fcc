"""The process's httpx2 clients: one connection pool per endpoint policy, with timeouts, limits and the address guard.

Clients are built once per process (a web worker, a Celery worker) and shared by every resource with the same
policy, so connections are reused across requests. The guard resolves each request's host itself, refuses the
addresses `url_guard` forbids, and connects to the address it checked (the name stays in the Host header and in
TLS's SNI), so a DNS answer that changes between the check and the connection cannot slip past it.

Behind a company proxy (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY in the environment, as curl reads them),
requests to other machines go through it. The proxy resolves names then, often the only machine that can: Studio
checks the URL's name and any address literal, and leaves DNS to the proxy. This machine (localhost, loopback
addresses) is never reached through a proxy.
"""

from __future__ import annotations

import threading
import urllib.request

import anyio
import httpx2

from studio.upstream import url_guard
from studio.upstream.errors import UpstreamUnavailable
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


def _check_named(request: httpx2.Request, policy: EndpointPolicy) -> None:
    """The checks for a request a proxy will connect: the name's rules, and an address literal's (no DNS here)."""
    root = str(request.url.copy_with(path="/", query=None, fragment=None))
    url_guard.check_url(root, policy, resolve_names=url_guard.is_ip_literal(request.url.host))


def environment_proxies() -> dict[str, str]:
    """The proxies the environment names, by scheme ("https", "http", "all"); read once per transport."""
    return {scheme: url for scheme, url in urllib.request.getproxies_environment().items()
            if scheme in ("https", "http", "all", "no") and url}


def proxy_for(url: httpx2.URL, proxies: dict[str, str]) -> str | None:
    host = url.host.strip("[]").lower()
    if host == "localhost" or (url_guard.is_ip_literal(host) and url_guard.is_loopback(host)):
        return None
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass_environment(host, proxies):
        return None
    try:
        httpx2.Proxy(proxy)
    except (ValueError, TypeError) as error:  # an operator's typo: said, never a crash or a silent direct call
        raise UpstreamUnavailable(f"The proxy setting ({url.scheme.upper()}_PROXY or ALL_PROXY) is not a proxy URL "
                                  f"Studio can use: {error}. Use e.g. http://proxy.example.com:3128.",
                                  code="proxy") from error
    return proxy


class GuardedTransport(httpx2.HTTPTransport):
    def __init__(self, policy: EndpointPolicy, **kwargs) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.options = kwargs
        self.proxies = environment_proxies()
        self.proxied: dict[str, httpx2.HTTPTransport] = {}
        self.lock = threading.Lock()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        proxy = proxy_for(request.url, self.proxies)
        if proxy is None:
            _pin(request, self.policy)
            return super().handle_request(request)
        _check_named(request, self.policy)
        with self.lock:
            transport = self.proxied.get(proxy) or self.proxied.setdefault(
                proxy, httpx2.HTTPTransport(proxy=proxy, **self.options))
        return transport.handle_request(request)

    def close(self) -> None:
        for transport in self.proxied.values():
            transport.close()
        super().close()


class AsyncGuardedTransport(httpx2.AsyncHTTPTransport):
    def __init__(self, policy: EndpointPolicy, **kwargs) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.options = kwargs
        self.proxies = environment_proxies()
        self.proxied: dict[str, httpx2.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        proxy = proxy_for(request.url, self.proxies)
        if proxy is not None:
            _check_named(request, self.policy)
            transport = self.proxied.get(proxy) or self.proxied.setdefault(
                proxy, httpx2.AsyncHTTPTransport(proxy=proxy, **self.options))
            return await transport.handle_async_request(request)
        if url_guard.is_ip_literal(request.url.host):
            _pin(request, self.policy)  # nothing to resolve: no thread needed
        else:
            # getaddrinfo blocks; a thread keeps the event loop free while a slow DNS server answers.
            await anyio.to_thread.run_sync(_pin, request, self.policy)
        return await super().handle_async_request(request)

    async def aclose(self) -> None:
        for transport in self.proxied.values():
            await transport.aclose()
        await super().aclose()


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
