"""Test connection: call the data plane (list models) and, where ARM coordinates are set, the control plane, and say
precisely what failed: DNS, refused connection, TLS, timeout, 401 with the auth tried, 403 with the missing role,
404 with what to check."""

from __future__ import annotations

from dataclasses import dataclass

from studio.upstream.arm import ArmClient
from studio.upstream.dataplane import client_for, policy_for, translated_errors
from studio.upstream.errors import UpstreamError
from studio.upstream.url_guard import check_url

PROBE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    plane: str  # "Data plane" or "Control plane (ARM)"
    ok: bool
    message: str


def probe(resource, *, timeout: float = PROBE_TIMEOUT) -> list[Check]:
    checks = [_data_plane(resource, timeout)]
    if resource.has_arm:
        checks.append(_control_plane(resource))
    return checks


def _data_plane(resource, timeout: float) -> Check:
    plane = "Data plane"
    try:
        check_url(resource.endpoint, policy_for(resource))
        with translated_errors(resource):
            models = client_for(resource, max_retries=0, timeout=timeout).models.list().data
    except UpstreamError as error:
        return Check(plane, False, _with_request_id(error))
    return Check(plane, True, f"{resource.endpoint} answered and lists {len(models)} model{'s' * (len(models) != 1)}.")


def _control_plane(resource) -> Check:
    plane = "Control plane (ARM)"
    try:
        account = ArmClient(resource, sleep=lambda seconds: None).account()
    except UpstreamError as error:
        return Check(plane, False, _with_request_id(error))
    location = account.get("location") or "an unknown region"
    return Check(plane, True, f"ARM found the account {account.get('name', resource.account_name)} in {location}.")


def _with_request_id(error: UpstreamError) -> str:
    return f"{error.message} (request id {error.request_id})" if error.request_id else error.message
