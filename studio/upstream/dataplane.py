"""The data plane: the official openai SDK client for a resource, and its errors translated into Studio's.

- Azure OpenAI, dated API: `AzureOpenAI(azure_endpoint, api_version, api_key | azure_ad_token_provider)`.
- Azure OpenAI, v1 API, and OpenAI-compatible endpoints (OpenAI, vLLM, Ollama, llama.cpp's server), and the local
  engine: `OpenAI(base_url=...)`, with a callable api_key for Entra ID tokens (openai-python >= 1.106).
Every client gets the process's shared httpx2 client for the resource's endpoint policy. The SDK retries 408, 409,
429 and 5xx with backoff and honours `retry-after-ms` / `retry-after`; a 429 that outlasts MAX_RETRIES reaches
the caller as RateLimited with the server's retry time.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
from openai import AzureOpenAI, OpenAI

from studio.upstream import credentials, http
from studio.upstream.errors import (
    ContentFiltered,
    EndpointRefused,
    RateLimited,
    UpstreamAuthError,
    UpstreamBadRequest,
    UpstreamError,
    UpstreamNotFound,
    UpstreamPermissionError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from studio.upstream.url_guard import EndpointPolicy

MAX_RETRIES = 2


def policy_for(resource) -> EndpointPolicy:
    return EndpointPolicy(allow_http_loopback=resource.allow_http_loopback)


def client_for(resource, *, max_retries: int = MAX_RETRIES, timeout: float | None = None) -> OpenAI:
    """An SDK client for the resource (cheap to build: the HTTP connections live in the shared httpx2 client)."""
    options: dict[str, Any] = {"http_client": http.sync_client(policy_for(resource)), "max_retries": max_retries}
    if timeout is not None:
        options["timeout"] = timeout
    endpoint = resource.endpoint.rstrip("/")
    entra = resource.uses_entra_for_data_plane
    if resource.kind == "openai_compatible":
        # Some local servers take no key; the SDK insists on one.
        return OpenAI(base_url=endpoint, api_key=resource.get_api_key() or "none", **options)
    if resource.api_style == "v1":
        api_key: Any = credentials.data_plane_token_provider(resource) if entra else resource.get_api_key()
        return OpenAI(base_url=f"{endpoint}/openai/v1", api_key=api_key, **options)
    auth = ({"azure_ad_token_provider": credentials.data_plane_token_provider(resource)} if entra
            else {"api_key": resource.get_api_key()})
    return AzureOpenAI(azure_endpoint=endpoint, api_version=resource.api_version, **auth, **options)


def list_models(resource) -> list[dict[str, Any]]:
    """The models the endpoint lists (GET /openai/models or /models), as plain dicts."""
    with translated_errors(resource):
        page = client_for(resource).models.list()
        return [item.model_dump() for item in page.data]


class translated_errors:  # noqa: N801 - used as a context manager, reads like one
    """Turn SDK and transport errors into Studio's typed errors, with the resource's auth named."""

    def __init__(self, resource, plane: str = "data") -> None:
        self.resource = resource
        self.plane = plane

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or isinstance(error, UpstreamError):
            return False
        translated = translate(error, self.resource, self.plane)
        if translated is None:
            return False
        raise translated from error


def translate(error: BaseException, resource, plane: str = "data") -> UpstreamError | None:
    if isinstance(error, openai.APIStatusError):
        return from_response(error.response.status_code, error.response.headers, _body_of(error.response),
                             resource, plane)
    if isinstance(error, openai.APITimeoutError):
        return UpstreamTimeout(f"{resource.endpoint} did not answer in time.", code="timeout")
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error.__context__
        if isinstance(cause, EndpointRefused):
            return cause
        if isinstance(cause, UpstreamError):
            return cause
        return transport_error(cause or error, resource.endpoint)
    if isinstance(error, httpx2.TimeoutException):
        return UpstreamTimeout(f"{resource.endpoint} did not answer in time.", code="timeout")
    if isinstance(error, httpx2.TransportError):
        return transport_error(error, resource.endpoint)
    return None


def transport_error(error: BaseException, endpoint: str) -> UpstreamError:
    """DNS, refused connection or TLS, said in words."""
    text = str(error)
    lowered = text.lower()
    if isinstance(error, httpx2.TimeoutException):
        return UpstreamTimeout(f"{endpoint} did not answer in time.", code="timeout")
    if isinstance(error, httpx2.ProxyError):
        return UpstreamUnavailable(f"The proxy (HTTPS_PROXY) did not connect Studio to {endpoint}: {text}. Check the "
                                   "proxy's address and allow-list, or add the host to NO_PROXY.", code="proxy")
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        return UpstreamUnavailable(f"TLS failed with {endpoint}: {text}. Check that the endpoint is the right host "
                                   "and that its certificate is trusted by this machine.", code="tls")
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered:
        return UpstreamUnavailable(f"The name in {endpoint} could not be resolved (DNS). Check its spelling.",
                                   code="dns")
    # anyio (the async transport) says "All connection attempts failed" where the sync one says "refused".
    if "refused" in lowered or "all connection attempts failed" in lowered:
        return UpstreamUnavailable(f"{endpoint} refused the connection: nothing listens there, or a firewall "
                                   "blocks it.", code="connection_refused")
    return UpstreamUnavailable(f"{endpoint} could not be reached: {text or type(error).__name__}.", code="connection")


def _body_of(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, ValueError, UnicodeDecodeError):
        return {"error": {"message": response.text[:500]}}


def retry_after_seconds(headers: Any) -> float | None:
    """retry-after-ms (preferred, as Azure sends it) or retry-after in seconds."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name) if headers is not None else None
        if value:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                continue
    return None


def content_filter_results(error_body: dict[str, Any]) -> dict[str, Any]:
    """The filter's verdict from a 400, under any of the spellings Azure uses (trap 2)."""
    inner = error_body.get("innererror") or error_body.get("inner_error") or {}
    return inner.get("content_filter_result") or inner.get("content_filter_results") or {}


ROLE_HINTS = {
    "data": ("Cognitive Services OpenAI User", "on the Azure OpenAI resource"),
    "arm": ("Cognitive Services Contributor", "on the resource or its resource group"),
}


def from_response(status: int, headers: Any, body: Any, resource, plane: str = "data") -> UpstreamError:
    """A typed error from an HTTP answer (data plane or ARM)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        # Azure's gateway answers some 401s as {"statusCode": 401, "message": "..."}, without an error object.
        error = {"message": body.get("message")} if isinstance(body, dict) else {}
    code = str(error.get("code") or "") or None
    message = str(error.get("message") or "") or f"HTTP {status}"
    request_id = (headers.get("apim-request-id") or headers.get("x-ms-request-id") or headers.get("x-request-id")
                  if headers is not None else None)
    common = {"status": status, "code": code, "request_id": request_id}
    tried = credentials.describe_auth(resource, plane)
    role, scope = ROLE_HINTS.get(plane, ROLE_HINTS["data"])
    if status == 429:
        wait = retry_after_seconds(headers)
        when = f" Retry after {wait:.0f} s." if wait is not None else ""
        return RateLimited(f"Rate limited by {resource.name}: {message}{when}", retry_after=wait, **common)
    if status == 400 and code in ("content_filter", "content_policy_violation"):
        return ContentFiltered(message, results=content_filter_results(error), **common)
    if status == 401 and code == "PermissionDenied":
        return UpstreamPermissionError(f"{message} The identity ({tried}) needs the role {role} {scope}.", **common)
    if status == 401:
        return UpstreamAuthError(f"{resource.name} did not accept {tried}: {message}", **common)
    if status == 403:
        return UpstreamPermissionError(f"Permission denied with {tried}: {message} Grant the identity the role "
                                       f"{role} {scope}.", **common)
    if status == 404:
        hint = (" Check the subscription, resource group and account name." if plane == "arm" else
                " Check the endpoint, the deployment name (not the model name) and the api-version.")
        return UpstreamNotFound(f"Not found: {message}{hint}", **common)
    if status >= 500:
        return UpstreamUnavailable(f"{resource.name} failed with HTTP {status}: {message}", **common)
    return UpstreamBadRequest(message, **common)
