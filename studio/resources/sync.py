"""Mirror what a resource holds upstream (deployments, catalog, quota, content filters) into the database.

Pages read these rows and never wait on ARM. A sync writes in bulk: one insert for the new deployments, one update
for the changed ones and one for those gone upstream (marked, never deleted, so their history stays readable),
whatever the number of deployments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from studio.resources.models import Blocklist, CatalogModel, ContentFilterPolicy, Deployment, QuotaUsage, Resource
from studio.upstream.arm import ArmClient
from studio.upstream.dataplane import list_models
from studio.upstream.errors import UpstreamError

# ARM capability names, in the order that decides a deployment's kind when a model has several.
CAPABILITY_ORDER = (("chatCompletion", Deployment.Capability.CHAT), ("completion", Deployment.Capability.COMPLETIONS),
                    ("embeddings", Deployment.Capability.EMBEDDINGS),
                    ("imageGenerations", Deployment.Capability.IMAGES), ("audio", Deployment.Capability.AUDIO))
DEPLOYMENT_FIELDS = ("model_name", "model_version", "capability", "sku_name", "capacity", "provisioning_state",
                     "rai_policy_name", "version_upgrade_option", "requests_per_minute", "tokens_per_minute",
                     "upstream_created_by", "upstream_modified_by", "synced_at", "removed_upstream_at")


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.created)} new", f"{len(self.updated)} updated", f"{len(self.gone)} gone upstream"]
        return "Synced: " + ", ".join(parts) + (f". {' '.join(self.warnings)}" if self.warnings else ".")


def capability_of(capabilities: dict[str, Any], model_name: str) -> str:
    for key, capability in CAPABILITY_ORDER:
        if str(capabilities.get(key, "")).lower() == "true":
            return capability
    name = model_name.lower()
    if "embedding" in name:
        return Deployment.Capability.EMBEDDINGS
    if name.startswith(("dall-e", "gpt-image")):
        return Deployment.Capability.IMAGES
    if name.startswith(("whisper", "tts")) or "transcribe" in name:
        return Deployment.Capability.AUDIO
    if name in ("babbage-002", "davinci-002") or name.endswith("-instruct"):
        return Deployment.Capability.COMPLETIONS
    return Deployment.Capability.CHAT


def deployment_values(item: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The Deployment fields an ARM deployment item gives."""
    properties = item.get("properties") or {}
    model = properties.get("model") or {}
    sku = item.get("sku") or {}
    limits = {limit.get("key"): limit.get("count") for limit in properties.get("rateLimits") or []}
    system = item.get("systemData") or {}
    return {
        "model_name": str(model.get("name") or ""),
        "model_version": str(model.get("version") or ""),
        "capability": capability_of(properties.get("capabilities") or {}, str(model.get("name") or "")),
        "sku_name": str(sku.get("name") or ""),
        "capacity": int(sku.get("capacity") or properties.get("currentCapacity") or 0),
        "provisioning_state": str(properties.get("provisioningState") or ""),
        "rai_policy_name": str(properties.get("raiPolicyName") or ""),
        "version_upgrade_option": str(properties.get("versionUpgradeOption") or ""),
        "requests_per_minute": _count(limits.get("request")),
        "tokens_per_minute": _count(limits.get("token")),
        "upstream_created_by": str(system.get("createdBy") or "")[:200],
        "upstream_modified_by": str(system.get("lastModifiedBy") or "")[:200],
        "synced_at": now,
        "removed_upstream_at": None,
    }


def _count(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


@transaction.atomic
def deployments_write(resource: Resource, items: list[dict[str, Any]], now: datetime | None = None) -> SyncReport:
    """Bulk-write the deployments an upstream listing returned; mark the missing ones gone."""
    now = now or timezone.now()
    report = SyncReport()
    existing = {d.name: d for d in Deployment.objects.filter(resource=resource)}
    to_create, to_update = [], []
    for item in items:
        name = str(item.get("name") or "")
        if not name:
            continue
        values = deployment_values(item, now)
        current = existing.get(name)
        if current is None:
            to_create.append(Deployment(resource=resource, name=name, created_at=now, updated_at=now, **values))
            report.created.append(name)
            continue
        changed = any(getattr(current, key) != value for key, value in values.items() if key != "synced_at")
        for key, value in values.items():
            setattr(current, key, value)
        if changed:
            current.updated_at = now
            report.updated.append(name)
        to_update.append(current)
    Deployment.objects.bulk_create(to_create, batch_size=500)
    Deployment.objects.bulk_update(to_update, [*DEPLOYMENT_FIELDS, "updated_at"], batch_size=500)
    seen = {str(item.get("name")) for item in items}
    gone = [name for name, d in existing.items() if name not in seen and d.removed_upstream_at is None]
    if gone:
        Deployment.objects.filter(resource=resource, name__in=gone).update(removed_upstream_at=now, updated_at=now)
        report.gone.extend(gone)
    return report


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    parsed = parse_datetime(str(value))
    if parsed and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    return parsed


def catalog_rows(resource: Resource, items: list[dict[str, Any]], now: datetime) -> list[CatalogModel]:
    rows = {}
    for entry in items:
        model = entry.get("model") if isinstance(entry.get("model"), dict) else entry  # regional lists nest it
        if not model.get("name"):
            continue
        deprecation = model.get("deprecation") or {}
        row = CatalogModel(
            resource=resource, name=str(model["name"]), version=str(model.get("version") or ""),
            model_format=str(model.get("format") or "OpenAI"),
            is_default_version=bool(model.get("isDefaultVersion")),
            lifecycle_status=str(model.get("lifecycleStatus") or ""),
            inference_retires_at=_date(deprecation.get("inference")),
            fine_tune_retires_at=_date(deprecation.get("fineTune")),
            capabilities={k: str(v) for k, v in (model.get("capabilities") or {}).items()},
            skus=[{"name": s.get("name"), "usageName": s.get("usageName"), "capacity": s.get("capacity") or {},
                   "deprecationDate": s.get("deprecationDate")} for s in model.get("skus") or [] if s.get("name")],
            max_capacity=_count(model.get("maxCapacity")), base_model=str((model.get("baseModel") or {}).get("name")
                                                                           or ""),
            synced_at=now)
        rows[(row.name, row.version)] = row
    return list(rows.values())


@transaction.atomic
def mirror_write(resource: Resource, *, catalog: list[dict] | None, usages: list[dict] | None,
                 policies: list[dict] | None, blocklists: list[tuple[dict, list[dict]]] | None,
                 now: datetime) -> None:
    """Replace the cached catalog, quota and content filters (a None leaves that part as it was)."""
    if catalog is not None:
        CatalogModel.objects.filter(resource=resource).delete()
        CatalogModel.objects.bulk_create(catalog_rows(resource, catalog, now))
    if usages is not None:
        QuotaUsage.objects.filter(resource=resource).delete()
        QuotaUsage.objects.bulk_create([
            QuotaUsage(resource=resource, name=str((u.get("name") or {}).get("value") or ""),
                       localized_name=str((u.get("name") or {}).get("localizedValue") or "")[:300],
                       current_value=float(u.get("currentValue") or 0), limit=float(u.get("limit") or 0),
                       unit=str(u.get("unit") or ""), synced_at=now)
            for u in usages if (u.get("name") or {}).get("value")], ignore_conflicts=True)
    if policies is not None:
        ContentFilterPolicy.objects.filter(resource=resource).delete()
        ContentFilterPolicy.objects.bulk_create([policy_row(resource, p, now) for p in policies if p.get("name")],
                                                ignore_conflicts=True)
    if blocklists is not None:
        Blocklist.objects.filter(resource=resource).delete()
        Blocklist.objects.bulk_create([
            Blocklist(resource=resource, name=str(b["name"]),
                      description=str((b.get("properties") or {}).get("description") or "")[:500],
                      items=[{"name": i.get("name"), "pattern": (i.get("properties") or {}).get("pattern", ""),
                              "isRegex": bool((i.get("properties") or {}).get("isRegex"))} for i in items],
                      synced_at=now)
            for b, items in blocklists if b.get("name")], ignore_conflicts=True)


def policy_row(resource: Resource, policy: dict[str, Any], now: datetime) -> ContentFilterPolicy:
    properties = policy.get("properties") or {}
    name = str(policy["name"])
    return ContentFilterPolicy(
        resource=resource, name=name, base_policy_name=str(properties.get("basePolicyName") or ""),
        mode=str(properties.get("mode") or ""), content_filters=properties.get("contentFilters") or [],
        custom_blocklists=properties.get("customBlocklists") or [],
        is_system=name.startswith("Microsoft.") or str(properties.get("type") or "") == "SystemManaged",
        synced_at=now)


def resource_sync(resource: Resource) -> SyncReport:
    """Read everything the resource holds upstream and mirror it; errors are kept on the resource and re-raised."""
    now = timezone.now()
    try:
        if resource.has_arm:
            report = _sync_arm(resource, now)
        elif resource.kind == Resource.Kind.OPENAI_COMPATIBLE:
            models = list_models(resource)
            report = deployments_write(resource, [{"name": m["id"], "properties": {"model": {"name": m["id"]},
                                                    "provisioningState": "Succeeded"}} for m in models], now)
        else:
            report = SyncReport(warnings=["Without ARM coordinates, deployments are added by hand."])
    except UpstreamError as error:
        Resource.objects.filter(pk=resource.pk).update(sync_error=error.message[:2000], last_synced_at=now)
        raise
    Resource.objects.filter(pk=resource.pk).update(sync_error="", last_synced_at=now)
    return report


def _sync_arm(resource: Resource, now: datetime) -> SyncReport:
    client = ArmClient(resource)
    account = client.account()
    if account.get("location") and account["location"] != resource.location:
        resource.location = account["location"]
        Resource.objects.filter(pk=resource.pk).update(location=resource.location)
    items = client.deployments()
    catalog = client.models()
    usages = client.usages()
    warnings = []
    policies = blocklists = None
    try:
        policies = client.rai_policies()
        blocklists = [(b, client.blocklist_items(b["name"])) for b in client.blocklists() if b.get("name")]
    except UpstreamError as error:
        warnings.append(f"Content filters could not be read: {error.message}")
    report = deployments_write(resource, items, now)
    report.warnings.extend(warnings)
    mirror_write(resource, catalog=catalog, usages=usages, policies=policies, blocklists=blocklists, now=now)
    return report
