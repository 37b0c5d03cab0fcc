"""Forms of the deployments console. Secrets are write-only: a blank secret field keeps the stored one."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.db import models

from studio.resources.models import DEFAULT_ARM_ENDPOINT, CatalogModel, Deployment, QuotaUsage, Resource
from studio.upstream.errors import EndpointRefused
from studio.upstream.url_guard import EndpointPolicy, check_url

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$|^preview$|^latest$")
# Azure's deployment names: letters, digits, '.', '_' and '-', up to 64 characters.
DEPLOYMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
UPGRADE_OPTIONS = [("OnceNewDefaultVersionAvailable", "When a new default version is available"),
                   ("OnceCurrentVersionExpired", "When the current version expires"),
                   ("NoAutoUpgrade", "Never (the deployment stops when its version retires)")]
CATEGORIES = (("Hate", "Hate"), ("Sexual", "Sexual"), ("Violence", "Violence"), ("Selfharm", "Self-harm"))
THRESHOLDS = [("Low", "Low (blocks low, medium and high)"), ("Medium", "Medium (blocks medium and high)"),
              ("High", "High (blocks high only)")]
SOURCES = ("Prompt", "Completion")


def capacity_error(capacity: int, sku: dict | None) -> str | None:
    """Why a capacity is outside the SKU's bounds (minimum, maximum, step), or None when it fits."""
    bounds = (sku or {}).get("capacity") or {}
    low, high, step = bounds.get("minimum") or 1, bounds.get("maximum"), bounds.get("step") or 1
    if capacity < low or (high and capacity > high) or (capacity - low) % step:
        return f"Choose from {low} to {high} in steps of {step}"
    return None


def _https_urls(field, **kwargs):
    # A URL typed without a scheme means https (Django 6's default; said now so Django 5 does not warn).
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class ResourceForm(forms.ModelForm):
    api_key = forms.CharField(required=False, strip=True, widget=forms.PasswordInput(render_value=False),
                              help_text="Stored encrypted and never shown again; leave blank to keep the stored key.")
    client_secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False),
                                    help_text="For a service principal; leave blank to keep the stored one.")
    certificate = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="PEM with the private key; leave blank to keep the stored one.")
    arm_token = forms.CharField(required=False, label="ARM token (local engine only)",
                                widget=forms.PasswordInput(render_value=False),
                                help_text="The engine's fixed control-plane token; Azure's come from Entra ID.")

    class Meta:
        model = Resource
        formfield_callback = _https_urls
        fields = ["name", "kind", "endpoint", "api_style", "api_version", "auth", "api_key", "entra_mode",
                  "tenant_id", "client_id", "client_secret", "certificate", "arm_endpoint", "subscription_id",
                  "resource_group", "account_name", "location", "arm_token", "allow_http_loopback", "access",
                  "members"]
        widgets = {"access": forms.RadioSelect, "members": forms.CheckboxSelectMultiple}
        labels = {"arm_endpoint": "ARM endpoint", "api_style": "API style", "entra_mode": "Entra ID identity",
                  "allow_http_loopback": "Allow plain http to this machine"}
        help_texts = {"subscription_id": "Needed for deployments, catalog, quota and content filters through ARM.",
                      "client_id": "The app (client) id, or a user-assigned managed identity's client id."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["access"].required = False  # absent (a script's POST): the resource keeps what it had
        if not self.instance.pk:
            self.fields["arm_endpoint"].initial = DEFAULT_ARM_ENDPOINT
        elif self.instance.has_api_key:
            self.fields["api_key"].help_text = (f"A key ending in …{self.instance.api_key_last4} is stored; leave "
                                                "blank to keep it, or type a new one to replace it.")

    def clean_access(self):
        return self.cleaned_data["access"] or self.instance.access or Resource.Access.EVERYONE

    def clean_endpoint(self):
        endpoint = self.cleaned_data["endpoint"].rstrip("/")
        allow = self.data.get(self.add_prefix("allow_http_loopback")) in ("on", "true", "True", "1")
        try:
            check_url(endpoint, EndpointPolicy(allow_http_loopback=allow), resolve_names=False)
        except EndpointRefused as refusal:
            raise forms.ValidationError(refusal.message) from None
        return endpoint

    def clean_api_version(self):
        value = self.cleaned_data["api_version"].strip()
        if not API_VERSION.match(value):
            raise forms.ValidationError("Use a dated version such as 2024-10-21 (or 2025-04-01-preview).")
        return value

    def clean_subscription_id(self):
        value = self.cleaned_data["subscription_id"].strip()
        if value and not GUID.match(value):
            raise forms.ValidationError("A subscription id is a GUID such as 00000000-0000-0000-0000-000000000000.")
        return value

    def clean(self):
        cleaned = super().clean()
        kind, auth = cleaned.get("kind"), cleaned.get("auth")
        arm_parts = [cleaned.get(f) for f in ("subscription_id", "resource_group", "account_name")]
        if any(arm_parts) and not all(arm_parts):
            self.add_error("account_name", "Give the subscription, the resource group and the account name together "
                                           "(or none of them).")
        if cleaned.get("arm_token") and kind != Resource.Kind.LOCAL_ENGINE:
            self.add_error("arm_token", "Only the local engine takes a fixed ARM token; Azure's come from Entra ID.")
        if kind == Resource.Kind.OPENAI_COMPATIBLE and auth == Resource.Auth.ENTRA_ID:
            self.add_error("auth", "OpenAI-compatible endpoints take a bearer key, not Entra ID.")
        if kind == Resource.Kind.AZURE_OPENAI and auth == Resource.Auth.API_KEY:
            if not cleaned.get("api_key") and not self.instance.has_api_key:
                self.add_error("api_key", "Paste one of the resource's two keys (Keys and Endpoint in the portal).")
        entra_needed = (auth == Resource.Auth.ENTRA_ID) or (kind == Resource.Kind.AZURE_OPENAI and all(arm_parts))
        mode = cleaned.get("entra_mode")
        if entra_needed and mode in (Resource.EntraMode.CLIENT_SECRET, Resource.EntraMode.CERTIFICATE):
            for field in ("tenant_id", "client_id"):
                if not cleaned.get(field):
                    self.add_error(field, "A service principal needs this.")
            if mode == Resource.EntraMode.CLIENT_SECRET and not (cleaned.get("client_secret")
                                                                  or self.instance.client_secret_encrypted):
                self.add_error("client_secret", "A service principal with a secret needs its client secret.")
            if mode == Resource.EntraMode.CERTIFICATE:
                pem = cleaned.get("certificate") or ""
                if pem and "PRIVATE KEY" not in pem:
                    self.add_error("certificate", "Paste a PEM that holds the private key and the certificate.")
                elif not pem and not self.instance.certificate_encrypted:
                    self.add_error("certificate", "A service principal with a certificate needs the PEM.")
        return cleaned

    def save(self, commit=True):
        resource = super().save(commit=False)
        for field, setter in (("api_key", resource.set_api_key), ("client_secret", resource.set_client_secret),
                              ("certificate", resource.set_certificate), ("arm_token", resource.set_arm_token)):
            if self.cleaned_data.get(field):
                setter(self.cleaned_data[field])
        if commit:
            resource.save()
        return resource


class DeploymentCreateForm(forms.Form):
    """Offers only what the resource's catalog allows: its models, their SKUs and capacity bounds."""

    name = forms.CharField(max_length=64, help_text="What callers send as the deployment; not the model name.")
    model = forms.ChoiceField(label="Model and version")
    sku = forms.ChoiceField(label="Deployment type (SKU)")
    capacity = forms.IntegerField(min_value=1)
    rai_policy = forms.ChoiceField(label="Content filter", required=False)
    upgrade = forms.ChoiceField(label="Version upgrades", choices=UPGRADE_OPTIONS,
                                initial="OnceNewDefaultVersionAvailable")

    def __init__(self, resource: Resource, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource
        self.catalog = {f"{m.name}|{m.version}": m for m in resource.catalog.all() if m.skus}
        groups: dict[str, list] = {}
        for key, entry in self.catalog.items():
            label = f"{entry.name} {entry.version}{' (default)' if entry.is_default_version else ''}"
            if entry.inference_retires_at:
                label += f", {'retired' if entry.is_retired else 'retires'} {entry.inference_retires_at:%d %b %Y}"
            groups.setdefault(entry.lifecycle_status or "Available", []).append((key, label))
        self.fields["model"].choices = [("", "Choose a model")] + [(group, items) for group, items in groups.items()]
        self.chosen = self.catalog.get(self.data.get("model") or self.initial.get("model") or "")
        skus = self.chosen.skus if self.chosen else []
        self.fields["sku"].choices = [(s["name"], s["name"]) for s in skus] or [("", "Choose a model first")]
        self.sku_spec = None
        if self.chosen:
            self.sku_spec = self.chosen.sku(self.data.get("sku") or "") or (skus[0] if skus else None)
        bounds = (self.sku_spec or {}).get("capacity") or {}
        if bounds:
            self.fields["capacity"].initial = bounds.get("default")
            self.fields["capacity"].widget.attrs.update(
                {k: v for k, v in (("min", bounds.get("minimum")), ("max", bounds.get("maximum")),
                                   ("step", bounds.get("step"))) if v})
        policies = [p.name for p in resource.content_filters.all()]
        self.fields["rai_policy"].choices = [("", "The resource's default")] + [(p, p) for p in policies]

    @property
    def quota(self) -> QuotaUsage | None:
        if not (self.chosen and self.sku_spec):
            return None
        usage_name = self.sku_spec.get("usageName") or f"OpenAI.{self.sku_spec['name']}.{self.chosen.name}"
        return self.resource.quota.filter(name__iexact=usage_name).first()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not DEPLOYMENT_NAME.match(name):
            raise forms.ValidationError("Use letters, digits, '.', '_' and '-' (up to 64), starting with a letter or "
                                        "digit.")
        if Deployment.objects.active().filter(resource=self.resource, name__iexact=name).exists():
            raise forms.ValidationError(f"{self.resource.name} already has a deployment named {name}.")
        return name

    def clean(self):
        cleaned = super().clean()
        entry: CatalogModel | None = self.catalog.get(cleaned.get("model") or "")
        if entry is None:
            return cleaned
        sku = entry.sku(cleaned.get("sku") or "")
        if sku is None:
            self.add_error("sku", f"{entry.name} {entry.version} cannot be deployed as {cleaned.get('sku')} here.")
            return cleaned
        capacity = cleaned.get("capacity")
        if capacity is not None:
            if error := capacity_error(capacity, sku):
                self.add_error("capacity", f"{error} for {sku['name']}.")
            elif (quota := self.quota) is not None and capacity > quota.remaining:
                self.add_error("capacity", f"Only {quota.remaining:g} of {quota.limit:g} is left in the quota "
                                           f"{quota.name}; lower the capacity or free some first.")
        if entry.is_retired:
            self.add_error("model", f"{entry.name} {entry.version} is retired; choose a newer version.")
        cleaned["entry"] = entry
        return cleaned


class DeploymentUpdateForm(forms.Form):
    capacity = forms.IntegerField(min_value=1)
    upgrade = forms.ChoiceField(label="Version upgrades", choices=UPGRADE_OPTIONS)
    rai_policy = forms.ChoiceField(label="Content filter", required=False)

    def __init__(self, deployment: Deployment, *args, **kwargs):
        kwargs.setdefault("initial", {"capacity": deployment.capacity, "rai_policy": deployment.rai_policy_name,
                                      "upgrade": deployment.version_upgrade_option or UPGRADE_OPTIONS[0][0]})
        super().__init__(*args, **kwargs)
        self.deployment = deployment
        policies = [p.name for p in deployment.resource.content_filters.all()]
        if deployment.rai_policy_name and deployment.rai_policy_name not in policies:
            policies.append(deployment.rai_policy_name)
        self.fields["rai_policy"].choices = [("", "Keep as it is")] + [(p, p) for p in policies]
        entry = deployment.resource.catalog.filter(name=deployment.model_name,
                                                   version=deployment.model_version).first()
        self.sku_spec = entry.sku(deployment.sku_name) if entry else None

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if error := capacity_error(capacity, self.sku_spec):
            raise forms.ValidationError(f"{error}.")
        return capacity


class ConfirmNameForm(forms.Form):
    """Deleting needs the name typed out, so a slip of the mouse deletes nothing."""

    confirm_name = forms.CharField(label="Type the name to confirm")

    def __init__(self, expected: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_confirm_name(self):
        value = self.cleaned_data["confirm_name"].strip()
        if value != self.expected:
            raise forms.ValidationError(f"Type {self.expected} exactly to confirm.")
        return value


class ManualDeploymentForm(forms.ModelForm):
    """For endpoints without ARM: the deployment is named by hand, as the portal shows it."""

    class Meta:
        model = Deployment
        fields = ["name", "model_name", "model_version", "capability"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not DEPLOYMENT_NAME.match(name):
            raise forms.ValidationError("Use letters, digits, '.', '_' and '-' (up to 64).")
        return name


class ContentFilterForm(forms.Form):
    name = forms.CharField(max_length=100)
    base_policy_name = forms.CharField(initial="Microsoft.DefaultV2", max_length=100)
    mode = forms.ChoiceField(choices=[("Default", "Default (blocking)"), ("Asynchronous_filter",
                                                                         "Asynchronous filter (streams unbuffered)")])
    jailbreak = forms.BooleanField(required=False, initial=True, label="Block jailbreak attempts (prompts)")
    protected_material = forms.BooleanField(required=False, initial=True,
                                            label="Block protected material (completions)")
    blocklists = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, resource: Resource, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource
        self.policy = policy
        self.fields["blocklists"].choices = [(b.name, b.name) for b in resource.blocklists.all()]
        current = {(f.get("name"), f.get("source")): f for f in (policy.content_filters if policy else [])}
        for category, label in CATEGORIES:
            for source in SOURCES:
                existing = current.get((category, source), {})
                self.fields[f"{category}_{source}_enabled"] = forms.BooleanField(
                    required=False, initial=existing.get("enabled", True), label=f"{label}: filter {source.lower()}s")
                self.fields[f"{category}_{source}_threshold"] = forms.ChoiceField(
                    choices=THRESHOLDS, initial=existing.get("severityThreshold", "Medium"),
                    label=f"{label}: {source.lower()} threshold")
        if policy is not None:
            self.fields["name"].disabled = True
            self.initial.update({"name": policy.name, "base_policy_name": policy.base_policy_name or
                                 "Microsoft.DefaultV2", "mode": policy.mode or "Default",
                                 "blocklists": [b.get("blocklistName") for b in policy.custom_blocklists]})
            flags = {(f.get("name"), f.get("source")): f.get("enabled") for f in policy.content_filters}
            self.initial["jailbreak"] = flags.get(("Jailbreak", "Prompt"), True)
            self.initial["protected_material"] = flags.get(("Protected Material Text", "Completion"), True)

    def category_rows(self):
        """(label, [(enabled field, threshold field) per source]) for the template's table."""
        return [(label, [(self[f"{c}_{s}_enabled"], self[f"{c}_{s}_threshold"]) for s in SOURCES])
                for c, label in CATEGORIES]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not DEPLOYMENT_NAME.match(name):
            raise forms.ValidationError("Use letters, digits, '.', '_' and '-' (up to 64).")
        if name.startswith("Microsoft."):
            raise forms.ValidationError("Names starting with Microsoft. belong to Azure's own policies.")
        if self.policy is None and self.resource.content_filters.filter(name__iexact=name).exists():
            raise forms.ValidationError("A content filter with this name exists; edit it instead.")
        return name

    def arm_body(self) -> dict:
        data = self.cleaned_data
        filters = [{"name": c, "enabled": data[f"{c}_{s}_enabled"], "severityThreshold": data[f"{c}_{s}_threshold"],
                    "blocking": data[f"{c}_{s}_enabled"], "source": s} for c, _ in CATEGORIES for s in SOURCES]
        filters.append({"name": "Jailbreak", "enabled": data["jailbreak"], "blocking": data["jailbreak"],
                        "source": "Prompt"})
        filters.append({"name": "Protected Material Text", "enabled": data["protected_material"],
                        "blocking": data["protected_material"], "source": "Completion"})
        blocklists = [{"blocklistName": name, "blocking": True, "source": source}
                      for name in data["blocklists"] for source in SOURCES]
        return {"properties": {"basePolicyName": data["base_policy_name"], "mode": data["mode"],
                               "contentFilters": filters, "customBlocklists": blocklists}}


class BlocklistForm(forms.Form):
    name = forms.CharField(max_length=64)
    description = forms.CharField(max_length=500, required=False)
    items = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False,
                            help_text="One term per line; start a line with regex: for a regular expression.")

    def __init__(self, resource: Resource, *args, blocklist=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource, self.blocklist = resource, blocklist
        if blocklist is not None:
            self.fields["name"].disabled = True
            lines = [f"regex:{i['pattern']}" if i.get("isRegex") else i["pattern"] for i in blocklist.items]
            self.initial.update({"name": blocklist.name, "description": blocklist.description,
                                 "items": "\n".join(lines)})

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not DEPLOYMENT_NAME.match(name):
            raise forms.ValidationError("Use letters, digits, '.', '_' and '-' (up to 64).")
        if self.blocklist is None and self.resource.blocklists.filter(name__iexact=name).exists():
            raise forms.ValidationError("A blocklist with this name exists; edit it instead.")
        return name

    def clean_items(self):
        items = []
        for number, line in enumerate(self.cleaned_data["items"].splitlines(), start=1):
            term = line.strip()
            if not term:
                continue
            is_regex = term.startswith("regex:")
            pattern = term.removeprefix("regex:").strip()
            if is_regex:
                try:
                    re.compile(pattern)
                except re.error as error:
                    raise forms.ValidationError(f"Line {number}: not a valid regular expression ({error}).") from None
            if len(pattern) > 1000:
                raise forms.ValidationError(f"Line {number}: a term is at most 1,000 characters.")
            items.append({"name": f"item-{len(items) + 1}", "pattern": pattern, "isRegex": is_regex})
        if len(items) > 10_000:
            raise forms.ValidationError("A blocklist holds at most 10,000 terms.")
        return items
