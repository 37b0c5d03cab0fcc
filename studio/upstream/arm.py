"""Azure Resource Manager for one Azure OpenAI account: deployments, the model catalog, quota and content filters.

Built on httpx2 rather than azure-mgmt-cognitiveservices: Studio needs a dozen calls, and on httpx2 they share the
data plane's guarded transport, timeouts and typed errors, with no second HTTP stack (azure-core and requests) and
no generated model classes per api-version to keep in step. The wire shapes are ARM's own JSON (wire reference
section 13); long-running operations follow ARM's async pattern (trap 25).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
from django.conf import settings

from studio.upstream import credentials, http
from studio.upstream.dataplane import from_response, policy_for, retry_after_seconds, transport_error
from studio.upstream.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable

MAX_ATTEMPTS = 4
MAX_RETRY_WAIT = 30.0
TERMINAL = {"succeeded", "failed", "canceled", "cancelled"}


@dataclass(frozen=True)
class Accepted:
    """ARM's answer to a write: the body it sent now and where to follow the operation (if it is long-running)."""

    status: int
    body: dict[str, Any]
    operation_url: str | None
    retry_after: float | None


@dataclass(frozen=True)
class OperationState:
    status: str  # InProgress, Succeeded, Failed, Canceled (or a provisioningState such as Creating)
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status.lower() in TERMINAL

    @property
    def succeeded(self) -> bool:
        return self.status.lower() == "succeeded"


class ArmClient:
    def __init__(self, resource, *, sleep: Callable[[float], None] = time.sleep) -> None:
        if not resource.has_arm:
            raise UpstreamError(f"{resource.name} has no ARM coordinates (subscription, resource group, account).")
        self.resource = resource
        self.base = resource.arm_base
        self.api_version = settings.STUDIO_ARM_API_VERSION
        self.http = http.sync_client(policy_for(resource))
        self.sleep = sleep

    # --- transport ------------------------------------------------------------------------------------------------
    def request(self, method: str, url: str, *, json: Any = None) -> httpx2.Response:
        """One ARM call; retries 429 and 5xx (and dropped connections) honouring Retry-After, then raises typed."""
        if not url.startswith("http"):
            url = f"{self.base}{url}"
        params = None if "api-version=" in url else {"api-version": self.api_version}
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                token = credentials.arm_token(self.resource)
            except UpstreamError:
                raise  # already says what is wrong (a missing secret, say)
            except Exception as error:  # noqa: BLE001 - azure-identity raises many kinds; all mean "no token"
                raise UpstreamError(f"No ARM token: {error}", code="credential") from error
            try:
                response = self.http.request(method, url, params=params, json=json,
                                             headers={"Authorization": f"Bearer {token}"})
            except httpx2.TimeoutException as error:
                if attempt == MAX_ATTEMPTS:
                    raise UpstreamTimeout(f"ARM did not answer in time ({url.split('?')[0]}).") from error
                self.sleep(min(MAX_RETRY_WAIT, 2 ** attempt))
                continue
            except httpx2.TransportError as error:
                cause = error.__cause__ or error.__context__
                if isinstance(cause, UpstreamError):
                    raise cause from error
                if attempt == MAX_ATTEMPTS:
                    raise transport_error(error, self.resource.arm_endpoint or url) from error
                self.sleep(min(MAX_RETRY_WAIT, 2 ** attempt))
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt < MAX_ATTEMPTS:
                    wait = retry_after_seconds(response.headers)
                    self.sleep(min(MAX_RETRY_WAIT, wait if wait is not None else 2 ** attempt))
                    continue
            if response.status_code >= 400:
                raise from_response(response.status_code, response.headers, _json(response), self.resource, "arm")
            return response
        raise UpstreamUnavailable("ARM kept failing.")  # unreachable: the loop returns or raises

    def get(self, path: str) -> dict[str, Any]:
        return _json(self.request("GET", path))

    def list(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of an ARM list, following nextLink pages."""
        url: str | None = path
        while url:
            page = _json(self.request("GET", url))
            yield from page.get("value") or []
            url = page.get("nextLink")

    # --- account -------------------------------------------------------------------------------------------------
    def account(self) -> dict[str, Any]:
        return self.get("")

    def models(self) -> list[dict[str, Any]]:
        return list(self.list("/models"))

    def usages(self) -> list[dict[str, Any]]:
        """Quota per model and SKU: the region's subscription usages where the location is known, else the account's."""
        location = self.resource.location
        if location:
            root = self.base.split("/resourceGroups/")[0]
            return list(self.list(f"{root}/providers/Microsoft.CognitiveServices/locations/{location}/usages"))
        return list(self.list("/usages"))

    # --- deployments ---------------------------------------------------------------------------------------------
    def deployments(self) -> list[dict[str, Any]]:
        return list(self.list("/deployments"))

    def deployment(self, name: str) -> dict[str, Any]:
        return self.get(f"/deployments/{name}")

    def put_deployment(self, name: str, body: dict[str, Any]) -> Accepted:
        return _accepted(self.request("PUT", f"/deployments/{name}", json=body))

    def patch_deployment(self, name: str, body: dict[str, Any]) -> Accepted:
        return _accepted(self.request("PATCH", f"/deployments/{name}", json=body))

    def delete_deployment(self, name: str) -> Accepted:
        return _accepted(self.request("DELETE", f"/deployments/{name}"))

    # --- content filters -----------------------------------------------------------------------------------------
    def rai_policies(self) -> list[dict[str, Any]]:
        return list(self.list("/raiPolicies"))

    def put_rai_policy(self, name: str, body: dict[str, Any]) -> Accepted:
        return _accepted(self.request("PUT", f"/raiPolicies/{name}", json=body))

    def delete_rai_policy(self, name: str) -> Accepted:
        return _accepted(self.request("DELETE", f"/raiPolicies/{name}"))

    def blocklists(self) -> list[dict[str, Any]]:
        return list(self.list("/raiBlocklists"))

    def blocklist_items(self, name: str) -> list[dict[str, Any]]:
        return list(self.list(f"/raiBlocklists/{name}/raiBlocklistItems"))

    def put_blocklist(self, name: str, body: dict[str, Any]) -> Accepted:
        return _accepted(self.request("PUT", f"/raiBlocklists/{name}", json=body))

    def put_blocklist_item(self, name: str, item: str, body: dict[str, Any]) -> Accepted:
        return _accepted(self.request("PUT", f"/raiBlocklists/{name}/raiBlocklistItems/{item}", json=body))

    def delete_blocklist_item(self, name: str, item: str) -> Accepted:
        return _accepted(self.request("DELETE", f"/raiBlocklists/{name}/raiBlocklistItems/{item}"))

    def delete_blocklist(self, name: str) -> Accepted:
        return _accepted(self.request("DELETE", f"/raiBlocklists/{name}"))

    # --- long-running operations ---------------------------------------------------------------------------------
    def operation_state(self, operation_url: str, *, deleting: bool = False) -> OperationState:
        """Where a long-running operation stands: an operation-status resource's `status`, or a resource's
        `provisioningState` (some servers point Azure-AsyncOperation at the resource itself); a deleted resource's
        404 means the delete finished."""
        try:
            body = _json(self.request("GET", operation_url))
        except UpstreamError as error:
            if deleting and error.status == 404:
                return OperationState("Succeeded")
            raise
        if "status" in body and isinstance(body["status"], str):
            failure = body.get("error") or {}
            return OperationState(body["status"], _error_text(failure) if failure else None)
        state = (body.get("properties") or {}).get("provisioningState") or "Succeeded"
        return OperationState(state, "ARM reported the state Failed." if state.lower() == "failed" else None)

    def wait(self, accepted: Accepted, fallback_url: str, *, deleting: bool = False,
             on_progress: Callable[[str], None] = lambda state: None, timeout: float = 1800.0) -> OperationState:
        """Follow an operation to its end; on_progress hears each state ARM reports."""
        url = accepted.operation_url or fallback_url
        if accepted.operation_url is None and accepted.status in (200, 204) and deleting:
            return OperationState("Succeeded")
        delay = accepted.retry_after or 1.0
        deadline = time.monotonic() + timeout
        while True:
            state = self.operation_state(url, deleting=deleting)
            on_progress(state.status)
            if state.finished:
                return state
            if time.monotonic() > deadline:
                raise UpstreamTimeout(f"ARM's operation did not finish within {timeout / 60:.0f} minutes; it may "
                                      "still finish: sync the resource later to see.")
            self.sleep(min(MAX_RETRY_WAIT, max(0.2, delay)))
            delay = min(MAX_RETRY_WAIT, delay * 1.5)


def _json(response: httpx2.Response) -> dict[str, Any]:
    if not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {"error": {"message": response.text[:500]}}
    return body if isinstance(body, dict) else {"value": body}


def _accepted(response: httpx2.Response) -> Accepted:
    headers = response.headers
    url = headers.get("azure-asyncoperation") or headers.get("location")
    return Accepted(response.status_code, _json(response), url, retry_after_seconds(headers))


def _error_text(error: dict[str, Any]) -> str:
    message = error.get("message") or "the operation failed"
    code = error.get("code")
    details = "; ".join(d.get("message", "") for d in error.get("details") or [] if isinstance(d, dict))
    text = f"{code}: {message}" if code else message
    return f"{text} ({details})" if details else text
