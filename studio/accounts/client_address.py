"""The client's address, from the connection or from the trusted proxies in front of Studio, never from a header
a client can forge."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """REMOTE_ADDR, or with STUDIO_TRUSTED_PROXIES = N, the address the outermost of N proxies saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N trusted proxies the
    client is the N-th entry from the right; entries further left were written by the client and prove nothing.
    """
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = settings.STUDIO_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote  # fewer hops than configured: the header did not come through every trusted proxy
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
