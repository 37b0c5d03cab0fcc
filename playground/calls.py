"""A playground call: the browser's request checked, and everything the relay needs worked out before streaming.

`call_prepare` is synchronous (it reads the deployment and its resource's secret) and runs in one thread hop; what it
returns is all the async stream view touches until the last byte, when the usage record is queued.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from shared_rules.json_input import JSONInputError, loads_bounded
from studio.core.ttl_cache import TTLCache
from studio.resources.access import may_use, refusal_message, resource_members
from studio.resources.models import Deployment
from studio.upstream.relay import RelayTarget, relay_target
from studio.usage.models import UsageRecord
from studio.usage.records import Tariff, record_fields_for

# The parameters each streamed operation accepts; anything else is refused with its name, not silently sent.
CHAT_KEYS = {
    "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "reasoning_effort", "stop",
    "frequency_penalty", "presence_penalty", "seed", "response_format", "tools", "tool_choice",
    "parallel_tool_calls", "n", "logprobs", "top_logprobs", "user", "logit_bias",
}
COMPLETION_KEYS = {
    "prompt", "max_tokens", "temperature", "top_p", "stop", "frequency_penalty", "presence_penalty", "n",
    "best_of", "echo", "suffix", "logprobs", "seed", "user", "logit_bias",
}
OPERATIONS = {
    "chat/completions": (CHAT_KEYS, UsageRecord.Kind.CHAT, ("chat",)),
    "completions": (COMPLETION_KEYS, UsageRecord.Kind.COMPLETIONS, ("completions", "chat")),
}
RANGES = {
    "temperature": (0.0, 2.0), "top_p": (0.0, 1.0), "frequency_penalty": (-2.0, 2.0),
    "presence_penalty": (-2.0, 2.0), "n": (1, 10), "best_of": (1, 20), "top_logprobs": (0, 20),
    "max_tokens": (1, 10_000_000), "max_completion_tokens": (1, 10_000_000), "seed": (-(2**63), 2**63 - 1),
}
ROLES = {"system", "developer", "user", "assistant", "tool"}
MAX_STOP = 4


MAX_ID = 2**63 - 1


def row_id(value: Any) -> int | None:
    """A database id from a user's JSON or query string, or None: whole, positive, within a 64-bit column
    (a bigger number would overflow the database driver instead of simply finding nothing)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 19:
            return None
        value = int(value)
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None


class CallRefused(ValueError):
    """The request cannot be sent as it is; the message says why (shown to the user, with the input kept)."""

    def __init__(self, message: str, *, param: str | None = None, status: int = 400,
                 code: str = "invalid_request") -> None:
        super().__init__(message)
        self.message, self.param, self.status, self.code = message, param, status, code

    def as_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "param": self.param}}


@dataclass
class PreparedCall:
    deployment: Deployment
    target: RelayTarget
    body: dict[str, Any]
    record: dict[str, Any]  # the usage record's shared fields
    tariff: Tariff | None = None


def _number(body: dict, key: str) -> None:
    value = body.get(key)
    if value is None:
        return
    low, high = RANGES[key]
    whole = key in ("n", "best_of", "top_logprobs", "max_tokens", "max_completion_tokens", "seed")
    if isinstance(value, bool) or not isinstance(value, int | float) or (whole and not isinstance(value, int)):
        raise CallRefused(f"{key} must be {'a whole number' if whole else 'a number'}", param=key)
    if not math.isfinite(value) or not low <= value <= high:
        raise CallRefused(f"{key} must be between {low:g} and {high:g}", param=key)


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise CallRefused("messages must be a non-empty list", param="messages")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise CallRefused(f"message {index + 1} needs a role among {sorted(ROLES)}", param="messages")
        content = message.get("content")
        if content is None and not message.get("tool_calls"):
            raise CallRefused(f"message {index + 1} ({message['role']}) has no content", param="messages")
        if content is not None and not isinstance(content, str | list):
            raise CallRefused(f"message {index + 1}: content must be text or a list of parts", param="messages")


def check_body(operation: str, body: Any) -> dict[str, Any]:
    """The request body the browser built, checked against the operation's parameters and ranges."""
    if operation not in OPERATIONS:
        raise CallRefused(f"the playground streams {sorted(OPERATIONS)}, not {operation!r}", param="operation")
    if not isinstance(body, dict):
        raise CallRefused("body must be a JSON object", param="body")
    allowed = OPERATIONS[operation][0]
    unknown = sorted(set(body) - allowed - {"stream", "stream_options", "model"})
    if unknown:
        raise CallRefused(f"unknown parameter(s) for {operation}: {', '.join(unknown)}", param=unknown[0])
    for key in RANGES:
        if key in allowed:
            _number(body, key)
    stop = body.get("stop")
    if stop is not None:
        stops = [stop] if isinstance(stop, str) else stop
        if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops):
            raise CallRefused("stop must be text or a list of texts", param="stop")
        if len(stops) > MAX_STOP:
            raise CallRefused(f"at most {MAX_STOP} stop sequences", param="stop")
    if operation == "chat/completions":
        _check_messages(body.get("messages"))
        tools = body.get("tools")
        if tools is not None and (not isinstance(tools, list) or not all(
                isinstance(t, dict) and isinstance(t.get("function"), dict) and t["function"].get("name")
                for t in tools)):
            raise CallRefused("each tool needs a function with a name", param="tools")
    elif not isinstance(body.get("prompt"), str | list):
        raise CallRefused("prompt must be text", param="prompt")
    return body


def request_payload(request) -> dict[str, Any]:
    """The request's JSON body, parsed once however many steps ask for it (a body may hold megabytes of images)."""
    if not hasattr(request, "_playground_payload"):
        request._playground_payload = parse_request(request.body)
    return request._playground_payload


def parse_request(raw: bytes) -> dict[str, Any]:
    try:
        payload = loads_bounded(raw)
    except JSONInputError as error:
        raise CallRefused(f"the request is not valid JSON: {error}") from error
    if not isinstance(payload, dict):
        raise CallRefused("the request must be a JSON object")
    return payload


def call_prepare(user, payload: dict[str, Any]) -> PreparedCall:
    """Find the deployment, check the body, build the upstream target (reads the resource's secret)."""
    operation = payload.get("operation") or "chat/completions"
    body = check_body(operation, payload.get("body"))
    pk = row_id(payload.get("deployment"))
    if pk is None:
        raise CallRefused("choose a deployment", param="deployment")
    deployment, target, members = DEPLOYMENTS.get((pk, operation), lambda: _deployment_and_target(pk, operation))
    if deployment is None:
        raise CallRefused("choose a deployment (the one picked no longer exists)", param="deployment", status=404)
    if not may_use(user, members):
        raise CallRefused(refusal_message(deployment.resource), param="deployment", status=403, code="forbidden")
    kind, capabilities = OPERATIONS[operation][1:]
    if deployment.capability not in capabilities:
        raise CallRefused(f"{deployment.name} is a {deployment.get_capability_display().lower()} deployment; "
                          f"{operation} needs {' or '.join(capabilities)}", param="deployment")
    return PreparedCall(
        deployment=deployment,
        target=target,
        body=body,
        record=record_fields_for(deployment, user, kind),
    )


# Every streamed call reads its deployment, its resource and the resource's key: kept for a few seconds per
# process (the relay's first token should not wait on the database), and dropped when this process saves either.
# With the deployment: who may use its resource (None for everyone), so that the check needs no database either.
DEPLOYMENTS: TTLCache[tuple[Deployment | None, RelayTarget | None, frozenset[int] | None]] = TTLCache(seconds=5.0)


def recently_prepared(user, payload: dict[str, Any]) -> bool:
    """True when the deployment the payload names, and whether this user may use it, are in memory (call_prepare
    will not touch the database)."""
    pk = row_id(payload.get("deployment"))
    cached = DEPLOYMENTS.peek((pk, payload.get("operation") or "chat/completions")) if pk is not None else None
    return cached is not None and may_use(user, cached[2], recent_only=True) is not None


def _deployment_and_target(pk: int, operation: str) -> tuple[Deployment | None, RelayTarget | None,
                                                               frozenset[int] | None]:
    deployment = Deployment.objects.active().select_related("resource").filter(pk=pk).first()
    if deployment is None:
        return None, None, None
    return (deployment, relay_target(deployment.resource, deployment.name, operation),
            resource_members(deployment.resource))
