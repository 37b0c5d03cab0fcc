"""Recording audit events; every write to resources, deployments and content filters calls `audit_record`."""

from __future__ import annotations

from typing import Any

from studio.audit.models import AuditEvent

REDACTED = "[redacted]"
# Any key that names a credential is redacted, whatever the object it sits in.
SECRET_WORDS = ("key", "secret", "token", "password", "certificate", "credential")


def redact(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if any(word in key.lower() for word in SECRET_WORDS) and not key.lower().endswith(("_last4", "_set")):
            clean[key] = REDACTED if value else ""
        elif isinstance(value, dict):
            clean[key] = redact(value)
        else:
            clean[key] = value
    return clean


def audit_record(*, actor, action: str, target_type: str, target_name: str, resource_name: str = "",
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                 outcome: str = "requested", message: str = "") -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        action=action, target_type=target_type, target_name=target_name, resource_name=resource_name,
        before=redact(before), after=redact(after), outcome=outcome, message=message[:2000],
    )
