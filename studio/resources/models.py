"""Upstream resources (an endpoint and its credential) and the model deployments on them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from studio import crypto


class Resource(models.Model):
    class Kind(models.TextChoices):
        AZURE_OPENAI = "azure_openai", "Azure OpenAI"
        OPENAI_COMPATIBLE = "openai_compatible", "OpenAI-compatible"
        LOCAL_ENGINE = "local_engine", "Local engine"

    class Auth(models.TextChoices):
        API_KEY = "api_key", "API key"
        ENTRA_ID = "entra_id", "Microsoft Entra ID"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=32, choices=Kind, default=Kind.AZURE_OPENAI)
    endpoint = models.URLField(max_length=300, help_text="For Azure: https://<resource>.openai.azure.com")
    auth = models.CharField(max_length=16, choices=Auth, default=Auth.API_KEY)
    api_key_encrypted = models.TextField(blank=True, editable=False)
    api_version = models.CharField(max_length=40, default="2024-10-21")
    # Where the control plane (ARM) finds the account; empty for endpoints without one.
    arm_endpoint = models.URLField(max_length=300, blank=True)
    subscription_id = models.CharField(max_length=64, blank=True)
    resource_group = models.CharField(max_length=90, blank=True)
    account_name = models.CharField(max_length=64, blank=True)
    arm_token_encrypted = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    def set_api_key(self, value: str) -> None:
        self.api_key_encrypted = crypto.encrypt(value) if value else ""

    def get_api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted) if self.api_key_encrypted else ""

    def set_arm_token(self, value: str) -> None:
        self.arm_token_encrypted = crypto.encrypt(value) if value else ""

    def get_arm_token(self) -> str:
        return crypto.decrypt(self.arm_token_encrypted) if self.arm_token_encrypted else ""

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key_encrypted)


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
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "name"], name="unique_deployment_per_resource")]
        ordering = ["resource__name", "name"]

    def __str__(self) -> str:
        return f"{self.resource.name}/{self.name}"
