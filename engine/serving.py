"""Which backend serves a catalog model: the one place where real local models plug into the catalog.

Every catalog entry (ARM `models`, the regional catalog, the data plane's `/openai/models`) reports the result as
`"engine": {"backend": ..., "simulated": ...}`, and each deployment answers through that backend.
"""

from __future__ import annotations

SIMULATED = "simulated"


def serving_backend(name: str, version: str, base_name: str | None, configured: str) -> str:
    """HOOK for real backends: the backend that answers model `name` `version` (`base_name` is set for a fine-tune
    `<base>.ft-<id>`). `configured` is the config's `backend` field, "simulated" unless an entry says otherwise.

    Today every model is simulated. The models engineer replaces this body with a call to the real-backend
    registry (for example: return the real backend's name when it can serve `name`, or `base_name` for a fine-tune
    it trained), keeping "simulated" as the answer for everything else.
    """
    return configured or SIMULATED
