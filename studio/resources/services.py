"""Writes about resources; today the default "Local engine" resource that make run creates."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from studio.audit.services import audit_record
from studio.resources.models import Resource

LOCAL_ENGINE_NAME = "Local engine"


@dataclass(frozen=True)
class LocalEngineSecrets:
    """What runstack hands the engine through ENGINE_API_KEY and ENGINE_ARM_TOKEN."""

    api_key: str
    arm_token: str

    @classmethod
    def generate(cls) -> LocalEngineSecrets:
        # Azure keys are 32 hex characters; the same shape keeps clients' validators happy.
        return cls(api_key=secrets.token_hex(16), arm_token=secrets.token_urlsafe(32))


def local_engine_url() -> str:
    return f"http://{settings.ENGINE_HOST}:{settings.ENGINE_PORT}"


@transaction.atomic
def local_engine_resource_ensure(*, url: str | None = None, engine_secrets: LocalEngineSecrets | None = None
                                 ) -> Resource | None:
    """Create the Local engine resource when Studio has no resource at all; its deployments come from the engine
    (the real models' chat, embeddings, whisper and tts, or the simulated ones) with the first sync.

    Studio owns the engine's secrets: they are made here, stored encrypted on the resource, and passed to the engine
    at start (local_engine_secrets), so Studio and the engine meet only over HTTP, as Studio and Azure do.
    """
    if Resource.objects.exists():
        return None
    engine_secrets = engine_secrets or LocalEngineSecrets.generate()
    url = url or local_engine_url()
    resource = Resource(
        name=LOCAL_ENGINE_NAME,
        kind=Resource.Kind.LOCAL_ENGINE,
        endpoint=url,
        arm_endpoint=url,
        subscription_id="00000000-0000-0000-0000-000000000000",
        resource_group="studio-local",
        account_name="local-engine",
        allow_http_loopback=True,  # the engine listens on plain http on this machine
    )
    resource.set_api_key(engine_secrets.api_key)
    resource.set_arm_token(engine_secrets.arm_token)
    resource.save()
    return resource


def local_engine_secrets(url: str | None = None) -> LocalEngineSecrets:
    """The secrets the engine at url must accept: those stored on its Local engine resource, or fresh ones.

    Fresh ones serve a run where no resource points at the engine (an Admin removed it): nobody holds them, so the
    engine is unreachable until a resource is added with the key the engine is then given.
    """
    url = (url or local_engine_url()).rstrip("/")
    for resource in Resource.objects.filter(kind=Resource.Kind.LOCAL_ENGINE).order_by("created_at"):
        if resource.endpoint.rstrip("/") == url and resource.api_key_encrypted:
            return LocalEngineSecrets(api_key=resource.get_api_key(), arm_token=resource.get_arm_token())
    return LocalEngineSecrets.generate()


# --- resources: writes with their audit events ------------------------------------------------------------------
AUDITED_FIELDS = ("name", "kind", "endpoint", "api_style", "api_version", "auth", "entra_mode", "tenant_id",
                  "client_id", "arm_endpoint", "subscription_id", "resource_group", "account_name", "location",
                  "allow_http_loopback", "access")


def resource_snapshot(resource: Resource) -> dict:
    """What the audit trail keeps of a resource: its settings, and whether each secret is set (never the secret)."""
    values = {field: getattr(resource, field) for field in AUDITED_FIELDS}
    values["members"] = sorted(resource.members.values_list("username", flat=True)) if resource.pk else []
    values.update({"api_key_set": bool(resource.api_key_encrypted), "api_key_last4": resource.api_key_last4,
                   "client_secret_set": bool(resource.client_secret_encrypted),
                   "certificate_set": bool(resource.certificate_encrypted),
                   "arm_token_set": bool(resource.arm_token_encrypted)})
    return values


@transaction.atomic
def resource_save(form, *, user) -> Resource:
    """Save a ResourceForm (new or edited) and record what changed."""
    creating = form.instance.pk is None
    before = None if creating else resource_snapshot(Resource.objects.get(pk=form.instance.pk))
    resource = form.save(commit=False)
    if creating:
        resource.created_by = user
    resource.save()
    form.save_m2m()  # the people listed as members
    after = resource_snapshot(resource)
    secrets_changed = [name for name in ("api_key", "client_secret", "certificate", "arm_token")
                       if form.cleaned_data.get(name)]
    audit_record(actor=user, action="resource.create" if creating else "resource.update", target_type="resource",
                 target_name=resource.name, resource_name=resource.name, before=before, after=after,
                 outcome="succeeded",
                 message=f"New {', '.join(secrets_changed)} stored (encrypted)." if secrets_changed else "")
    return resource


@transaction.atomic
def resource_delete(resource: Resource, *, user) -> None:
    """Forget the resource in Studio (nothing changes upstream)."""
    audit_record(actor=user, action="resource.delete", target_type="resource", target_name=resource.name,
                 resource_name=resource.name, before=resource_snapshot(resource), after=None, outcome="succeeded",
                 message="Removed from Studio; nothing changed upstream.")
    resource.delete()


def resource_check_record(resource: Resource, checks) -> None:
    """Keep the last Test connection's verdict on the resource, for the list page."""
    Resource.objects.filter(pk=resource.pk).update(
        last_checked_at=timezone.now(), last_check_ok=all(check.ok for check in checks),
        last_check_message=" ".join(f"{check.plane}: {check.message}" for check in checks)[:2000])
