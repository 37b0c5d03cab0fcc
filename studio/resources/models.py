"""Upstream resources (an endpoint and its credentials), the deployments on them, and what ARM tells about them:
the model catalog, quota usages and content-filter policies, mirrored so that pages never wait on ARM."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from studio import crypto

DEFAULT_ARM_ENDPOINT = "https://management.azure.com"


class Resource(models.Model):
    class Kind(models.TextChoices):
        AZURE_OPENAI = "azure_openai", "Azure OpenAI"
        OPENAI_COMPATIBLE = "openai_compatible", "OpenAI-compatible"
        LOCAL_ENGINE = "local_engine", "Local engine"

    class ApiStyle(models.TextChoices):
        DATED = "dated", "Dated api-version (/openai/deployments/…)"
        V1 = "v1", "v1 API (/openai/v1/)"

    class Auth(models.TextChoices):
        API_KEY = "api_key", "API key"
        ENTRA_ID = "entra_id", "Microsoft Entra ID"

    class EntraMode(models.TextChoices):
        DEFAULT_CHAIN = "default", "Default credential chain (managed identity, workload identity, environment, CLI)"
        CLIENT_SECRET = "client_secret", "Service principal with a client secret"
        CERTIFICATE = "certificate", "Service principal with a certificate"
        MANAGED_IDENTITY = "managed_identity", "User-assigned managed identity"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=32, choices=Kind, default=Kind.AZURE_OPENAI)
    endpoint = models.URLField(max_length=300, help_text="For Azure: https://<resource>.openai.azure.com")
    api_style = models.CharField(max_length=8, choices=ApiStyle, default=ApiStyle.DATED)
    api_version = models.CharField(max_length=40, default="2024-10-21")
    auth = models.CharField(max_length=16, choices=Auth, default=Auth.API_KEY)
    api_key_encrypted = models.TextField(blank=True, editable=False)
    api_key_last4 = models.CharField(max_length=4, blank=True, editable=False)
    # Microsoft Entra ID: used for the data plane when auth is entra_id, and always for ARM (ARM takes no key).
    entra_mode = models.CharField(max_length=20, choices=EntraMode, default=EntraMode.DEFAULT_CHAIN)
    tenant_id = models.CharField(max_length=64, blank=True)
    client_id = models.CharField(max_length=64, blank=True)
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    certificate_encrypted = models.TextField(blank=True, editable=False)
    # Where the control plane (ARM) finds the account; empty for endpoints without one.
    arm_endpoint = models.URLField(max_length=300, blank=True)
    subscription_id = models.CharField(max_length=64, blank=True)
    resource_group = models.CharField(max_length=90, blank=True)
    account_name = models.CharField(max_length=64, blank=True)
    location = models.CharField(max_length=40, blank=True, help_text="The Azure region, e.g. eastus2 (for quota).")
    # A fixed ARM bearer token: only the local engine has one (Azure's tokens come from Entra ID).
    arm_token_encrypted = models.TextField(blank=True, editable=False)
    allow_http_loopback = models.BooleanField(
        default=False, help_text="Allow plain http to this machine (127.0.0.1, ::1) for a local server.")

    class Access(models.TextChoices):
        EVERYONE = "everyone", "Everyone signed in (by role)"
        LISTED = "listed", "Only the people listed, and Admins"

    access = models.CharField(max_length=10, choices=Access, default=Access.EVERYONE, verbose_name="who may use it",
                              help_text="Who may send to its deployments and see them in the playgrounds and "
                                        "fine-tuning. Roles still apply: a Viewer never sends.")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="usable_resources",
                                     verbose_name="people who may use it",
                                     help_text="Used when only the people listed may use it.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True)
    last_check_message = models.TextField(blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    sync_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # --- secrets: stored encrypted, never rendered back ---------------------------------------------------------
    def set_api_key(self, value: str) -> None:
        self.api_key_encrypted = crypto.encrypt(value) if value else ""
        self.api_key_last4 = value[-4:] if value else ""

    def get_api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted) if self.api_key_encrypted else ""

    def set_arm_token(self, value: str) -> None:
        self.arm_token_encrypted = crypto.encrypt(value) if value else ""

    def get_arm_token(self) -> str:
        return crypto.decrypt(self.arm_token_encrypted) if self.arm_token_encrypted else ""

    def set_client_secret(self, value: str) -> None:
        self.client_secret_encrypted = crypto.encrypt(value) if value else ""

    def get_client_secret(self) -> str:
        return crypto.decrypt(self.client_secret_encrypted) if self.client_secret_encrypted else ""

    def set_certificate(self, pem: str) -> None:
        self.certificate_encrypted = crypto.encrypt(pem) if pem else ""

    def get_certificate(self) -> str:
        return crypto.decrypt(self.certificate_encrypted) if self.certificate_encrypted else ""

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key_encrypted)

    # --- what the resource can do --------------------------------------------------------------------------------
    @property
    def has_arm(self) -> bool:
        """ARM coordinates are set, so deployments, catalog, quota and content filters come from the control plane."""
        return self.kind != self.Kind.OPENAI_COMPATIBLE and bool(
            self.subscription_id and self.resource_group and self.account_name)

    @property
    def arm_base(self) -> str:
        return (f"{(self.arm_endpoint or DEFAULT_ARM_ENDPOINT).rstrip('/')}/subscriptions/{self.subscription_id}"
                f"/resourceGroups/{self.resource_group}/providers/Microsoft.CognitiveServices/accounts/"
                f"{self.account_name}")

    @property
    def uses_entra_for_data_plane(self) -> bool:
        return self.kind == self.Kind.AZURE_OPENAI and self.auth == self.Auth.ENTRA_ID

    def credential_summary(self) -> str:
        """What the page shows instead of a secret."""
        if self.uses_entra_for_data_plane:
            return f"Microsoft Entra ID ({self.get_entra_mode_display().split(' (')[0].lower()})"
        if self.has_api_key:
            return f"API key ending in …{self.api_key_last4}"
        return "no key"


class DeploymentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(removed_upstream_at__isnull=True)

    def usable_by(self, user):
        """The deployments of the resources the user may use (see `Resource.access`)."""
        from studio.resources.access import usable_resources

        return self.filter(resource__in=usable_resources(user))


class Deployment(models.Model):
    class Capability(models.TextChoices):
        CHAT = "chat", "Chat"
        COMPLETIONS = "completions", "Completions"
        EMBEDDINGS = "embeddings", "Embeddings"
        IMAGES = "images", "Images"
        AUDIO = "audio", "Audio"

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="deployments")
    name = models.CharField(max_length=64, help_text="The deployment name callers use, not the model name.")
    model_name = models.CharField(max_length=100)
    model_version = models.CharField(max_length=40, blank=True)
    capability = models.CharField(max_length=16, choices=Capability, default=Capability.CHAT)
    sku_name = models.CharField(max_length=40, default="Standard")
    capacity = models.PositiveIntegerField(default=1, help_text="Thousands of tokens per minute for Standard SKUs.")
    provisioning_state = models.CharField(max_length=20, blank=True)
    rai_policy_name = models.CharField(max_length=100, blank=True)
    version_upgrade_option = models.CharField(max_length=40, blank=True)
    requests_per_minute = models.PositiveIntegerField(null=True, blank=True)
    tokens_per_minute = models.PositiveIntegerField(null=True, blank=True)
    upstream_created_by = models.CharField(max_length=200, blank=True)
    upstream_modified_by = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    synced_at = models.DateTimeField(null=True, blank=True)
    # A deployment that a sync no longer finds upstream is marked, not deleted: its usage history stays readable.
    removed_upstream_at = models.DateTimeField(null=True, blank=True)

    objects = DeploymentQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "name"], name="unique_deployment_per_resource")]
        ordering = ["resource__name", "name"]

    def __str__(self) -> str:
        return f"{self.resource.name}/{self.name}"

    @property
    def is_gone(self) -> bool:
        return self.removed_upstream_at is not None

    @property
    def is_provisioned(self) -> bool:
        return self.sku_name.endswith("Provisioned") or "ProvisionedManaged" in self.sku_name

    @property
    def capacity_unit(self) -> str:
        return "PTU" if "Provisioned" in self.sku_name else "K TPM"


class CatalogModel(models.Model):
    """One model version the resource can deploy (ARM's account model catalog)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="catalog")
    name = models.CharField(max_length=100)
    version = models.CharField(max_length=40)
    model_format = models.CharField(max_length=40, default="OpenAI")
    is_default_version = models.BooleanField(default=False)
    lifecycle_status = models.CharField(max_length=40, blank=True)
    inference_retires_at = models.DateTimeField(null=True, blank=True)
    fine_tune_retires_at = models.DateTimeField(null=True, blank=True)
    capabilities = models.JSONField(default=dict)
    # [{"name", "usageName", "capacity": {"minimum", "maximum", "step", "default"}}]
    skus = models.JSONField(default=list)
    max_capacity = models.PositiveIntegerField(null=True, blank=True)
    base_model = models.CharField(max_length=100, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "name", "version"], name="unique_catalog_entry")]
        ordering = ["name", "-is_default_version", "-version"]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def is_fine_tunable(self) -> bool:
        return str(self.capabilities.get("fineTune", "")).lower() == "true"

    def sku(self, name: str) -> dict | None:
        return next((sku for sku in self.skus if sku.get("name", "").lower() == name.lower()), None)

    @property
    def is_retired(self) -> bool:
        return self.retires_within(0)

    def retires_within(self, days: int) -> bool:
        return bool(self.inference_retires_at and self.inference_retires_at - timezone.now() < timedelta(days=days))


class QuotaUsage(models.Model):
    """Usage against limit for one model and SKU (ARM usages, e.g. OpenAI.GlobalStandard.gpt-4o)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="quota")
    name = models.CharField(max_length=200)
    localized_name = models.CharField(max_length=300, blank=True)
    current_value = models.FloatField(default=0)
    limit = models.FloatField(default=0)
    unit = models.CharField(max_length=40, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "name"], name="unique_quota_usage")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}: {self.current_value:g}/{self.limit:g}"

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.current_value / self.limit)) if self.limit else 100

    @property
    def percent_label(self) -> str:
        if self.current_value and self.limit and self.current_value / self.limit < 0.01:
            return "<1 %"
        return f"{self.percent} %"

    @property
    def remaining(self) -> float:
        return max(0.0, self.limit - self.current_value)


class ContentFilterPolicy(models.Model):
    """A content-filter (RAI) policy on the resource, as ARM's raiPolicies holds it."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="content_filters")
    name = models.CharField(max_length=100)
    base_policy_name = models.CharField(max_length=100, blank=True)
    mode = models.CharField(max_length=40, blank=True)
    # [{"name": "Hate", "enabled": true, "severityThreshold": "Medium", "blocking": true, "source": "Prompt"}]
    content_filters = models.JSONField(default=list)
    # [{"blocklistName", "blocking", "source"}]
    custom_blocklists = models.JSONField(default=list)
    is_system = models.BooleanField(default=False, help_text="Microsoft's own policies cannot be edited.")
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "name"], name="unique_content_filter")]
        ordering = ["-is_system", "name"]

    def __str__(self) -> str:
        return self.name


class Blocklist(models.Model):
    """A custom blocklist on the resource (ARM raiBlocklists) with its items."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="blocklists")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    # [{"name", "pattern", "isRegex"}]
    items = models.JSONField(default=list)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "name"], name="unique_blocklist")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Operation(models.Model):
    """A change sent to ARM (create, update or delete a deployment; save a content filter), run by Celery.

    The row is the source of truth the page polls; a task claims it with a compare-and-set on status, so a
    duplicated or retried task never sends the change twice.
    """

    class Kind(models.TextChoices):
        DEPLOYMENT_CREATE = "deployment_create", "Create deployment"
        DEPLOYMENT_UPDATE = "deployment_update", "Update deployment"
        DEPLOYMENT_DELETE = "deployment_delete", "Delete deployment"
        POLICY_SAVE = "policy_save", "Save content filter"
        POLICY_DELETE = "policy_delete", "Delete content filter"
        BLOCKLIST_SAVE = "blocklist_save", "Save blocklist"
        BLOCKLIST_DELETE = "blocklist_delete", "Delete blocklist"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "In progress"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="operations")
    kind = models.CharField(max_length=24, choices=Kind)
    target = models.CharField(max_length=100, help_text="The deployment, policy or blocklist name.")
    body = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.QUEUED)
    message = models.TextField(blank=True)
    progress = models.CharField(max_length=200, blank=True, help_text="The last state ARM reported.")
    operation_url = models.URLField(max_length=1000, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Moved forward at the claim and at every state ARM reports: a running row left still is a dead worker's.
    touched_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
