"""Studio cannot be turned into a way to reach internal addresses: https, http only to an allowed loopback, and never
link-local or cloud-metadata addresses, by name, after DNS or after a redirect."""

from __future__ import annotations

import http.server
import threading

import httpx2
import pytest

from studio.upstream import url_guard
from studio.upstream.errors import EndpointRefused
from studio.upstream.http import GuardedTransport
from studio.upstream.url_guard import EndpointPolicy, check_url

ALLOW = EndpointPolicy(allow_http_loopback=True)
STRICT = EndpointPolicy()


@pytest.mark.parametrize("url", [
    "https://169.254.169.254/", "http://169.254.169.254/latest/meta-data/", "https://[fe80::1]/",
    "https://[fd00:ec2::254]/", "https://168.63.129.16/", "https://100.100.100.200/",
    "https://metadata.google.internal/", "https://[::ffff:169.254.169.254]/", "https://0.0.0.0/",
])
def test_metadata_and_link_local_addresses_are_always_refused(url):
    with pytest.raises(EndpointRefused):
        check_url(url, ALLOW)


def test_plain_http_only_to_an_allowed_loopback():
    check_url("http://127.0.0.1:8765", ALLOW)
    check_url("http://localhost:8765", ALLOW)
    with pytest.raises(EndpointRefused, match="off for this resource"):
        check_url("http://127.0.0.1:8765", STRICT)
    with pytest.raises(EndpointRefused, match="only to this machine"):
        check_url("http://10.1.2.3:8000", ALLOW)


def test_https_to_a_public_or_private_name_is_fine_before_dns():
    check_url("https://contoso.openai.azure.com", STRICT, resolve_names=False)
    check_url("https://10.0.0.5", STRICT)  # a vLLM behind TLS on the company network


def test_a_name_that_resolves_to_a_metadata_address_is_refused(monkeypatch):
    monkeypatch.setattr(url_guard, "resolve", lambda host, port: ["169.254.169.254"])
    with pytest.raises(EndpointRefused, match="resolves to 169.254.169.254 is a cloud metadata|link-local"):
        check_url("https://innocent.example.com", STRICT)


class _Redirector(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/iam/")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_redirect_to_a_metadata_address_is_refused_before_connecting():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with httpx2.Client(transport=GuardedTransport(ALLOW), follow_redirects=True) as client:
            with pytest.raises(EndpointRefused, match="169.254.169.254"):
                client.get(f"http://127.0.0.1:{server.server_port}/openai/models")
    finally:
        server.shutdown()


def test_the_guard_connects_to_the_address_it_checked(monkeypatch):
    seen = []

    def resolve(host, port):
        seen.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(url_guard, "resolve", resolve)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with httpx2.Client(transport=GuardedTransport(ALLOW)) as client:
            response = client.get(f"http://localhost:{server.server_port}/")
        assert response.status_code == 302 and seen == ["localhost"]
        assert response.request.headers["host"] == f"localhost:{server.server_port}"
    finally:
        server.shutdown()


def test_the_resource_form_refuses_a_metadata_endpoint(client_as, admin_user):
    response = client_as(admin_user).post("/deployments/resources/new/", {
        "name": "Evil", "kind": "openai_compatible", "endpoint": "http://169.254.169.254/v1", "api_style": "dated",
        "api_version": "2024-10-21", "auth": "api_key", "entra_mode": "default", "allow_http_loopback": "on"})
    assert response.status_code == 200
    assert "metadata" in response.content.decode() or "link-local" in response.content.decode()
