"""Behind a company proxy: requests to other machines go through HTTPS_PROXY by name (the proxy resolves it, Studio
does not), NO_PROXY is honoured, this machine is reached directly, and the address guard still runs first."""

from __future__ import annotations

import socket
import socketserver
import threading

import httpx2
import pytest

from studio.upstream.dataplane import transport_error
from studio.upstream.errors import EndpointRefused, UpstreamUnavailable
from studio.upstream.http import GuardedTransport
from studio.upstream.url_guard import EndpointPolicy

POLICY = EndpointPolicy(allow_http_loopback=True)
UNRESOLVABLE = "studio-proxy-test.invalid"  # .invalid never resolves: only a proxy can have "reached" it


class RecordingProxy(socketserver.ThreadingTCPServer):
    """Answers every request 403 and keeps its request line, as a proxy whose allow-list refuses the host."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.lines: list[str] = []
        super().__init__(("127.0.0.1", 0), self.Handler)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.server.lines.append(self.rfile.readline().decode().strip())
            while self.rfile.readline().strip():
                pass
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture
def proxy(monkeypatch):
    server = RecordingProxy()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", url)
    monkeypatch.setenv("HTTP_PROXY", url)
    yield server
    server.shutdown()
    server.server_close()


def _get(url: str) -> httpx2.Response:
    with httpx2.Client(transport=GuardedTransport(POLICY), timeout=5, trust_env=False) as client:
        return client.get(url)


def test_a_request_goes_through_the_proxy_by_name_without_local_dns(proxy):
    with pytest.raises(httpx2.ProxyError) as failed:
        _get(f"https://{UNRESOLVABLE}/openai/models")
    assert proxy.lines == [f"CONNECT {UNRESOLVABLE}:443 HTTP/1.1"]
    said = transport_error(failed.value, f"https://{UNRESOLVABLE}")
    assert said.code == "proxy" and "NO_PROXY" in said.message and UNRESOLVABLE in said.message


def test_no_proxy_hosts_are_reached_directly(proxy, monkeypatch):
    monkeypatch.setenv("NO_PROXY", ".invalid,example.org")
    with pytest.raises(UpstreamUnavailable) as direct:  # resolved here, where .invalid has no address
        _get(f"https://{UNRESOLVABLE}/")
    assert direct.value.code == "dns" and proxy.lines == []


def test_this_machine_is_never_reached_through_the_proxy(proxy):
    with socket.socket() as listener:  # a local server that answers one request
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def answer() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")

        threading.Thread(target=answer, daemon=True).start()
        assert _get(f"http://127.0.0.1:{port}/").status_code == 204
    assert proxy.lines == []


@pytest.mark.parametrize("url", ["https://169.254.169.254/metadata", "https://metadata.google.internal/",
                                 "http://10.1.2.3:8000/"])
def test_the_guard_refuses_before_anything_reaches_the_proxy(proxy, url):
    with pytest.raises(EndpointRefused):
        _get(url)
    assert proxy.lines == []


def test_the_streams_async_transport_goes_through_the_proxy_too(proxy):
    import asyncio

    from studio.upstream.http import AsyncGuardedTransport

    async def get() -> None:
        async with httpx2.AsyncClient(transport=AsyncGuardedTransport(POLICY), timeout=5, trust_env=False) as client:
            await client.get(f"https://{UNRESOLVABLE}/openai/deployments/chat/chat/completions")

    with pytest.raises(httpx2.ProxyError):
        asyncio.run(get())
    assert proxy.lines == [f"CONNECT {UNRESOLVABLE}:443 HTTP/1.1"]


def test_a_proxy_setting_that_is_not_a_url_is_said_not_crashed_or_bypassed(proxy, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example.com 3128")
    with pytest.raises(UpstreamUnavailable) as refused:
        _get(f"https://{UNRESOLVABLE}/")
    assert refused.value.code == "proxy" and "HTTPS_PROXY" in refused.value.message
