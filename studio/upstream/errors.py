"""Typed upstream errors: what views and Celery tasks catch and turn into messages, never raw SDK or HTTP errors."""

from __future__ import annotations

from typing import Any


class UpstreamError(Exception):
    """Something upstream refused or failed. `message` is safe to show to a user (no secret in it)."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        return self.message


class EndpointRefused(UpstreamError):
    """The URL guard refused the address before any request was sent (metadata, link-local, plain http...)."""


class UpstreamAuthError(UpstreamError):
    """401: the key or token was not accepted."""


class UpstreamPermissionError(UpstreamError):
    """403 (or Azure's 401 PermissionDenied): authenticated, but the identity lacks a role."""


class UpstreamNotFound(UpstreamError):
    """404: wrong endpoint, account, deployment or api-version."""


class UpstreamBadRequest(UpstreamError):
    """400/409/422 other than a content filter: ARM's and the data plane's own message is kept."""


class RateLimited(UpstreamError):
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ContentFiltered(UpstreamError):
    """A prompt blocked by the content filter (HTTP 400 code content_filter / content_policy_violation)."""

    def __init__(self, message: str, *, results: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.results = results


class UpstreamUnavailable(UpstreamError):
    """5xx, connection refused, DNS or TLS failure: the message says which."""

    retryable = True


class UpstreamTimeout(UpstreamError):
    retryable = True
