"""Microsoft Entra ID bearer tokens the engine accepts, each with an audience, roles, a principal and an expiry.

Real Entra tokens are signed JWTs; the engine has no tenant to check a signature against, so it accepts exactly
the opaque strings it was told about: through ENGINE_ENTRA_TOKENS / ENGINE_ARM_TOKENS, or the admin API at run time.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from engine.db import Database, dumps

DATA_PLANE, ARM = "data", "arm"
AUDIENCES = {DATA_PLANE: "https://cognitiveservices.azure.com", ARM: "https://management.azure.com"}
SCHEMA = """
CREATE TABLE IF NOT EXISTS entra_tokens (
    token TEXT PRIMARY KEY, audience TEXT NOT NULL, roles TEXT NOT NULL, principal TEXT NOT NULL, expires_on REAL
);
"""

# Built-in Azure roles, by what they allow here. Data plane: inference and reads, or everything (files, fine-tuning).
OPENAI_USER, OPENAI_CONTRIBUTOR = "Cognitive Services OpenAI User", "Cognitive Services OpenAI Contributor"
COGNITIVE_USER, COGNITIVE_CONTRIBUTOR = "Cognitive Services User", "Cognitive Services Contributor"
DATA_INFERENCE_ROLES = frozenset({OPENAI_USER, OPENAI_CONTRIBUTOR, COGNITIVE_USER})
DATA_WRITE_ROLES = frozenset({OPENAI_CONTRIBUTOR, COGNITIVE_USER})
# Control plane: reading needs any reader-like role, writing (deployments, policies, keys) a contributor.
ARM_WRITE_ROLES = frozenset({COGNITIVE_CONTRIBUTOR, "Contributor", "Owner"})
ARM_READ_ROLES = ARM_WRITE_ROLES | {"Reader", "Cognitive Services Usages Reader", OPENAI_USER, OPENAI_CONTRIBUTOR,
                                   COGNITIVE_USER}
KNOWN_ROLES = ARM_READ_ROLES | DATA_INFERENCE_ROLES


class TokenError(ValueError):
    """A token entry the engine cannot use; the message names the field."""


@dataclass(frozen=True)
class EntraToken:
    token: str
    audience: str  # DATA_PLANE or ARM
    roles: frozenset[str]
    principal: str  # the object id Azure names in its refusals
    expires_on: float | None = None

    def expired(self, now: float) -> bool:
        return self.expires_on is not None and now >= self.expires_on

    def public(self) -> dict[str, Any]:
        """What the admin API shows: never the token itself, only its last four characters."""
        return {"token_end": self.token[-4:], "audience": self.audience, "roles": sorted(self.roles),
                "principal": self.principal, "expires_on": self.expires_on}


def principal_for(token: str) -> str:
    # A stable, made-up object id, so refusals name the same principal every time.
    return str(uuid.UUID(hashlib.sha256(token.encode()).hexdigest()[:32]))


def make_token(token: Any, audience: str, spec: Any) -> EntraToken:
    """A token from its JSON form: a list of roles, or {"roles": [...], "principal"?: str, "expires_on"?: unix}."""
    if not isinstance(token, str) or len(token) < 8:
        raise TokenError("token must be a string of at least 8 characters")
    if audience not in AUDIENCES:
        raise TokenError(f"audience must be {' or '.join(AUDIENCES)}, got {audience!r}")
    spec = {"roles": spec} if isinstance(spec, list) else spec
    if not isinstance(spec, dict) or not isinstance(spec.get("roles"), list):
        raise TokenError("each token needs a list of roles, or an object with roles")
    roles = spec["roles"]
    if not all(isinstance(r, str) for r in roles):
        raise TokenError("roles must be strings, e.g. \"Cognitive Services OpenAI User\"")
    unknown = sorted(set(roles) - KNOWN_ROLES)
    if unknown:
        raise TokenError(f"unknown role {unknown[0]!r}; known: {', '.join(sorted(KNOWN_ROLES))}")
    principal = spec.get("principal") or principal_for(token)
    expires = spec.get("expires_on")
    if not isinstance(principal, str):
        raise TokenError("principal must be a string (an object id)")
    if expires is not None and (isinstance(expires, bool) or not isinstance(expires, int | float)):
        raise TokenError("expires_on must be unix seconds")
    return EntraToken(token, audience, frozenset(roles), principal, float(expires) if expires is not None else None)


def parse_tokens(raw: str, audience: str) -> list[EntraToken]:
    """ENGINE_ENTRA_TOKENS / ENGINE_ARM_TOKENS: a JSON object {token: [roles]} or {token: {"roles": [...], ...}}."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise TokenError("must be a JSON object such as {\"token\": [\"Cognitive Services OpenAI User\"]}") from None
    if not isinstance(data, dict):
        raise TokenError("must be a JSON object of token: roles")
    return [make_token(token, audience, spec) for token, spec in data.items()]


class TokenStore:
    """Tokens from the environment plus those registered through the admin API (kept in SQLite)."""

    def __init__(self, db: Database, configured: list[EntraToken]) -> None:
        self.db = db
        db.conn.executescript(SCHEMA)
        self._tokens = {t.token: t for t in configured}
        for row in db.all("SELECT * FROM entra_tokens"):
            self._tokens[row["token"]] = EntraToken(row["token"], row["audience"], frozenset(json.loads(row["roles"])),
                                                    row["principal"], row["expires_on"])

    def get(self, token: str) -> EntraToken | None:
        return self._tokens.get(token)

    def add(self, token: EntraToken) -> None:
        self.db.execute(
            "INSERT INTO entra_tokens (token, audience, roles, principal, expires_on) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (token) DO UPDATE SET audience = excluded.audience, roles = excluded.roles, "
            "principal = excluded.principal, expires_on = excluded.expires_on",
            (token.token, token.audience, dumps(sorted(token.roles)), token.principal, token.expires_on))
        self._tokens[token.token] = token

    def remove(self, token: str) -> bool:
        self.db.execute("DELETE FROM entra_tokens WHERE token = ?", (token,))
        return self._tokens.pop(token, None) is not None

    def all(self) -> list[EntraToken]:
        return list(self._tokens.values())
