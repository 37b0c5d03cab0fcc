"""Test connection says precisely what failed: a wrong key (and which auth was tried), an unreachable endpoint, a
wrong account; and what worked."""

from __future__ import annotations

from studio.upstream import probe
from tests.processes import free_port


def test_a_working_resource_passes_both_planes(engine, engine_resource):
    checks = probe.probe(engine_resource())
    assert [(c.plane, c.ok) for c in checks] == [("Data plane", True), ("Control plane (ARM)", True)]
    assert "lists" in checks[0].message and "local-engine" in checks[1].message


def test_a_wrong_key_names_the_key_that_was_tried(engine, engine_resource):
    checks = probe.probe(engine_resource(api_key="0123456789abcdef0123456789abwxyz"))
    data = checks[0]
    assert not data.ok and "did not accept the API key ending in …wxyz" in data.message
    assert "0123456789abcdef" not in data.message


def test_an_unreachable_endpoint_says_nothing_listens(engine_resource):
    url = f"http://127.0.0.1:{free_port()}"
    checks = probe.probe(engine_resource(endpoint=url, arm_endpoint=url))
    assert not checks[0].ok and "refused the connection" in checks[0].message
    assert not checks[1].ok and "refused the connection" in checks[1].message


def test_a_wrong_account_is_a_404_with_what_to_check(engine, engine_resource):
    checks = probe.probe(engine_resource(account_name="someone-else"))
    assert checks[0].ok and not checks[1].ok
    assert "Check the subscription, resource group and account name" in checks[1].message


def test_plain_http_to_loopback_needs_the_admins_permission(engine, engine_resource):
    checks = probe.probe(engine_resource(allow_http_loopback=False))
    assert not checks[0].ok and "off for this resource" in checks[0].message


def test_a_name_that_does_not_resolve_is_called_a_dns_failure(db):
    from studio.resources.models import Resource

    resource = Resource.objects.create(name="Typo", kind="openai_compatible", endpoint="https://no-such-host.invalid/v1")
    check = probe.probe(resource)[0]
    assert not check.ok and "could not be resolved" in check.message and "no-such-host.invalid" in check.message


def _tls_server(tmp_path):
    """An https server with a certificate nobody trusts, answering every request."""
    import datetime
    import http.server
    import ssl
    import threading

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_an_untrusted_certificate_is_called_a_tls_failure(db, tmp_path):
    from studio.resources.models import Resource

    server = _tls_server(tmp_path)
    try:
        resource = Resource.objects.create(name="Self-signed", kind="openai_compatible",
                                           endpoint=f"https://localhost:{server.server_port}/v1")
        check = probe.probe(resource)[0]
    finally:
        server.shutdown()
    assert not check.ok and "TLS failed" in check.message and "certificate" in check.message


def test_an_endpoint_that_never_answers_is_called_a_timeout(db):
    import socket

    from studio.resources.models import Resource

    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        resource = Resource.objects.create(name="Silent", kind="openai_compatible", allow_http_loopback=True,
                                           endpoint=f"http://127.0.0.1:{silent.getsockname()[1]}/v1")
        check = probe.probe(resource, timeout=1.0)[0]
    assert not check.ok and "did not answer in time" in check.message
