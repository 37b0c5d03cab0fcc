"""Encryption at rest for stored credentials (API keys, client secrets), keyed by STUDIO_ENCRYPTION_KEY."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted: STUDIO_ENCRYPTION_KEY changed since it was saved."""


@lru_cache(maxsize=4)
def _fernet(key_material: str) -> Fernet:
    # Any string works as key material; Fernet needs 32 url-safe base64 bytes, so derive them.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key_material.encode()).digest()))


def encrypt(plaintext: str) -> str:
    return _fernet(settings.STUDIO_ENCRYPTION_KEY).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.STUDIO_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "A stored credential cannot be decrypted; STUDIO_ENCRYPTION_KEY changed. Enter the credential again."
        ) from None
