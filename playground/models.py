"""What the playground keeps: sessions (the setup and the conversation of one exploration) and presets."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse


class Kind(models.TextChoices):
    CHAT = "chat", "Chat"
    COMPLETIONS = "completions", "Completions"
    EMBEDDINGS = "embeddings", "Embeddings"
    IMAGES = "images", "Images"
    AUDIO = "audio", "Audio"


class PlaygroundSession(models.Model):
    """One exploration, saved as it goes: its `state` is the page's own JSON (setup, parameters, conversation)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playground_sessions")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CHAT)
    title = models.CharField(max_length=200, default="Untitled session")
    state = models.JSONField(default=dict)
    # Shared read-only with the team by link; the token makes the link unguessable, the login keeps it in the team.
    share_token = models.CharField(max_length=43, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{reverse('playground:' + self.kind)}?session={self.pk}"

    @property
    def is_shared(self) -> bool:
        return bool(self.share_token)

    def share(self) -> None:
        if not self.share_token:
            self.share_token = secrets.token_urlsafe(32)

    def unshare(self) -> None:
        self.share_token = ""

    def shared_url(self) -> str:
        return reverse("playground:shared_session", args=[self.share_token]) if self.share_token else ""


class Preset(models.Model):
    """A system message with parameters, personal or shared with the team."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playground_presets")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CHAT)
    name = models.CharField(max_length=100)
    system_message = models.TextField(blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    shared = models.BooleanField(default=False, help_text="the whole team can use it")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "kind", "name"], name="unique_preset_name_per_owner")]

    def __str__(self) -> str:
        return self.name


class StoredImage(models.Model):
    """A generated picture Studio keeps, since upstream image links expire. The file lives under the owner's private
    folder in var/ (never public static) and is served by a view that checks the owner or the session's share."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playground_images")
    session = models.ForeignKey(PlaygroundSession, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="images")
    deployment_name = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True)
    prompt = models.TextField()
    revised_prompt = models.TextField(blank=True)
    options = models.JSONField(default=dict, blank=True, help_text="size, quality, style and the model's own options")
    path = models.CharField(max_length=300, help_text="relative to the private media folder")
    content_type = models.CharField(max_length=40, default="image/png")
    byte_size = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"image {self.pk} by {self.owner_id}"

    def get_absolute_url(self) -> str:
        return reverse("playground:image_file", args=[self.pk])

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/webp": "webp"}.get(self.content_type, "png")


class StoredAudio(models.Model):
    """Audio a session keeps so that it plays again when reopened: the file a user transcribed (uploaded or recorded)
    and the speech a model made. Private, like StoredImage: under the owner's folder in var/, served by a view that
    checks the owner or the session's share, and deleted with its session."""

    class Role(models.TextChoices):
        SOURCE = "source", "Transcribed audio"
        SPEECH = "speech", "Generated speech"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playground_audio")
    session = models.ForeignKey(PlaygroundSession, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="audio_files")
    role = models.CharField(max_length=10, choices=Role)
    name = models.CharField(max_length=200, help_text="the file name shown and offered for download")
    path = models.CharField(max_length=300, help_text="relative to the private media folder")
    content_type = models.CharField(max_length=60, default="application/octet-stream")
    byte_size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, help_text="a file transcribed again is kept once per session")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.role} audio {self.pk} by {self.owner_id}"

    def get_absolute_url(self) -> str:
        return reverse("playground:audio_file", args=[self.pk])
