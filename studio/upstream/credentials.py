"""Credentials for a resource: its API key, or a Microsoft Entra ID credential built once per process.

azure-identity credentials cache their tokens until shortly before they expire, so keeping one credential object
per resource (and per identity settings) means a token is fetched once, not once per request. Data-plane tokens use
the Cognitive Services scope, ARM tokens the management scope: one token never serves both (wire reference, trap 8).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from azure.identity import (
    CertificateCredential,
    ClientSecretCredential,
    DefaultAzureCredential,
    ManagedIdentityCredential,
    get_bearer_token_provider,
)

from studio.upstream.errors import UpstreamAuthError

COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"
MANAGEMENT_SCOPE = "https://management.azure.com/.default"

_lock = threading.Lock()
_credentials: dict[tuple[int, str], Any] = {}
_installed: dict[int, Any] = {}


def _fingerprint(resource) -> str:
    # A new secret, tenant or mode must build a new credential; the fingerprint holds no secret in clear.
    material = "|".join([resource.entra_mode, resource.tenant_id, resource.client_id,
                         resource.client_secret_encrypted, resource.certificate_encrypted])
    return hashlib.sha256(material.encode()).hexdigest()


def install_credential(resource, credential: Any | None) -> None:
    """Use this TokenCredential for the resource in this process (None removes it).

    For embedding Studio where the host already holds a credential, and for tests that hand Studio a credential
    whose tokens the local engine accepts.
    """
    with _lock:
        if credential is None:
            _installed.pop(resource.pk, None)
        else:
            _installed[resource.pk] = credential


def entra_credential(resource) -> Any:
    """The resource's TokenCredential, built once per process and per identity settings."""
    with _lock:
        if resource.pk in _installed:
            return _installed[resource.pk]
        key = (resource.pk, _fingerprint(resource))
        credential = _credentials.get(key)
        if credential is None:
            credential = _build(resource)
            _credentials[key] = credential
        return credential


def _build(resource) -> Any:
    mode = resource.entra_mode
    if mode == "client_secret":
        if not (resource.tenant_id and resource.client_id and resource.client_secret_encrypted):
            raise UpstreamAuthError("The service principal needs a tenant id, a client id and a client secret.")
        return ClientSecretCredential(resource.tenant_id, resource.client_id, resource.get_client_secret())
    if mode == "certificate":
        if not (resource.tenant_id and resource.client_id and resource.certificate_encrypted):
            raise UpstreamAuthError("The service principal needs a tenant id, a client id and a PEM certificate.")
        return CertificateCredential(resource.tenant_id, resource.client_id,
                                     certificate_data=resource.get_certificate().encode())
    if mode == "managed_identity":
        return ManagedIdentityCredential(client_id=resource.client_id or None)
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def data_plane_token_provider(resource) -> Callable[[], str]:
    """A zero-argument callable the openai SDK calls per request; the credential caches the token."""
    return get_bearer_token_provider(entra_credential(resource), COGNITIVE_SERVICES_SCOPE)


def arm_token(resource) -> str:
    """A bearer token for ARM: the local engine's fixed token, or an Entra ID token for the management scope."""
    if resource.arm_token_encrypted:
        return resource.get_arm_token()
    return entra_credential(resource).get_token(MANAGEMENT_SCOPE).token


def describe_auth(resource, plane: str) -> str:
    """Which authentication was tried, for error messages (never the secret)."""
    if plane == "arm":
        if resource.arm_token_encrypted:
            return "the local engine's ARM token"
        return f"Microsoft Entra ID ({resource.get_entra_mode_display()}) for the management scope"
    if resource.uses_entra_for_data_plane:
        return f"Microsoft Entra ID ({resource.get_entra_mode_display()}) for the Cognitive Services scope"
    return f"the API key ending in …{resource.api_key_last4}" if resource.api_key_last4 else "the API key"
