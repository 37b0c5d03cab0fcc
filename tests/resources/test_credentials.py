"""Credentials: an Entra ID identity per resource, built once per process and rebuilt when its settings change;
the SDK client each resource kind needs."""

from __future__ import annotations

from azure.identity import (
    CertificateCredential,
    ClientSecretCredential,
    DefaultAzureCredential,
    ManagedIdentityCredential,
)
from openai import AzureOpenAI, OpenAI

from studio.resources.models import Resource
from studio.upstream import credentials
from studio.upstream.dataplane import client_for


def _resource(**fields) -> Resource:
    resource = Resource(name="Contoso", endpoint="https://contoso.openai.azure.com", **fields)
    resource.save()
    return resource


def test_each_entra_mode_builds_its_credential_once(db):
    secret = _resource(entra_mode="client_secret", tenant_id="t", client_id="c")
    secret.set_client_secret("s3cret")
    secret.save()
    first = credentials.entra_credential(secret)
    assert isinstance(first, ClientSecretCredential) and credentials.entra_credential(secret) is first
    secret.set_client_secret("rotated")  # a new secret builds a new credential
    assert credentials.entra_credential(secret) is not first

    managed = Resource.objects.create(name="MI", endpoint="https://mi.openai.azure.com", entra_mode="managed_identity",
                                      client_id="00000000-0000-0000-0000-00000000000a")
    assert isinstance(credentials.entra_credential(managed), ManagedIdentityCredential)
    default = Resource.objects.create(name="Default", endpoint="https://d.openai.azure.com")
    assert isinstance(credentials.entra_credential(default), DefaultAzureCredential)


def test_a_certificate_credential_reads_the_stored_pem(db):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "studio-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM)
    resource = _resource(entra_mode="certificate", tenant_id="t", client_id="c")
    resource.set_certificate(pem.decode())
    resource.save()
    assert isinstance(credentials.entra_credential(resource), CertificateCredential)


def test_the_client_matches_the_resource_kind_and_api_style(db):
    keyed = _resource()
    keyed.set_api_key("k" * 32)
    dated = client_for(keyed)
    assert isinstance(dated, AzureOpenAI) and str(dated.base_url).startswith("https://contoso.openai.azure.com/openai")
    keyed.api_style = "v1"
    v1 = client_for(keyed)
    assert type(v1) is OpenAI and str(v1.base_url) == "https://contoso.openai.azure.com/openai/v1/"
    compatible = Resource(name="vLLM", kind="openai_compatible", endpoint="https://vllm.internal/v1")
    assert str(client_for(compatible).base_url) == "https://vllm.internal/v1/"


def test_the_describe_auth_line_never_holds_the_secret(db):
    resource = _resource()
    resource.set_api_key("abcdefghijklmnopqrstuvwxyz123456")
    assert credentials.describe_auth(resource, "data") == "the API key ending in …3456"
    resource.auth = "entra_id"
    assert "Cognitive Services scope" in credentials.describe_auth(resource, "data")
    assert "management scope" in credentials.describe_auth(resource, "arm")
