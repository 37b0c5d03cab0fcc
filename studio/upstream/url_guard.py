"""Which endpoint URLs Studio may call, so that a resource cannot turn Studio into a way to reach internal services.

- https is required; plain http only to a loopback address, and only where an Admin allowed it on the resource
  (the local engine, vLLM or Ollama on the same machine).
- Link-local and cloud-metadata addresses are always refused, also when a name resolves to one and when a redirect
  points at one: the transport checks every address it is about to connect to (see `http.GuardedTransport`).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from studio.upstream.errors import EndpointRefused, UpstreamUnavailable

# Metadata services that are not link-local: Azure's WireServer, Alibaba's, AWS's IPv6 one.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("168.63.129.16", "100.100.100.200", "fd00:ec2::254"))
METADATA_HOSTNAMES = frozenset({"metadata.google.internal", "metadata", "metadata.azure.internal", "instance-data"})


@dataclass(frozen=True)
class EndpointPolicy:
    allow_http_loopback: bool = False


def _plain(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def refused_reason(address: str) -> str | None:
    """Why Studio never connects to this IP address, or None when it may."""
    try:
        ip = _plain(ipaddress.ip_address(address.split("%")[0]))
    except ValueError:
        return f"{address} is not an IP address"
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"
    if ip.is_link_local:
        return f"{ip} is a link-local address (where cloud metadata services live)"
    if ip.is_unspecified or ip.is_multicast or str(ip) == "255.255.255.255":
        return f"{ip} is not an address a service answers on"
    return None


def is_loopback(address: str) -> bool:
    try:
        return _plain(ipaddress.ip_address(address.split("%")[0])).is_loopback
    except ValueError:
        return False


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UpstreamUnavailable(f"The name {host} could not be resolved (DNS: {error.strerror}). Check the "
                                  "endpoint's spelling and this machine's DNS.", code="dns") from error
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str, policy: EndpointPolicy, *, resolve_names: bool = True) -> None:
    """Refuse an endpoint URL Studio must not call; raise EndpointRefused with the reason in words."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise EndpointRefused("The endpoint must be a full URL such as https://my-resource.openai.azure.com.")
    if parts.username or parts.password:
        raise EndpointRefused("Put credentials in the key field, never in the endpoint URL.")
    if host in METADATA_HOSTNAMES:
        raise EndpointRefused(f"{host} is a cloud metadata service; Studio never calls it.")
    literal = _literal(host)
    if literal is not None and (reason := refused_reason(literal)):
        raise EndpointRefused(f"Studio refuses this endpoint: {reason}.")
    if not resolve_names and literal is None:
        if parts.scheme == "http" and host != "localhost":
            raise EndpointRefused("Plain http is allowed only to this machine (loopback); use https.")
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = [literal] if literal else resolve(host, port)
    check_addresses(host, addresses, scheme=parts.scheme, policy=policy)


def check_addresses(host: str, addresses: list[str], *, scheme: str, policy: EndpointPolicy) -> None:
    for address in addresses:
        if reason := refused_reason(address):
            raise EndpointRefused(f"Studio refuses {host}: it resolves to {reason}.")
    if scheme == "http":
        if not all(is_loopback(a) for a in addresses):
            raise EndpointRefused(f"Plain http is allowed only to this machine (loopback), and {host} is not: "
                                  "use https.")
        if not policy.allow_http_loopback:
            raise EndpointRefused("Plain http to this machine is off for this resource; an Admin can allow it on the "
                                  "resource's page, or use https.")


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def is_ip_literal(host: str) -> bool:
    return _literal(host) is not None
