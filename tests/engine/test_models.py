"""GET /openai/models: the catalog in the data-plane shape, labelled simulated."""

from __future__ import annotations

import openai
import pytest


def test_models_list_has_base_models_with_capabilities_and_unix_deprecations(sdk):
    models = {m.id: m for m in sdk.models.list()}
    mini = models["gpt-4o-mini-2024-07-18"]
    extra = mini.model_extra
    assert extra["capabilities"] == {"fine_tune": True, "inference": True, "completion": False,
                                     "chat_completion": True, "embeddings": False}
    assert extra["lifecycle_status"] == "generally-available"
    assert isinstance(extra["deprecation"]["inference"], int) and extra["deprecation"]["inference"] > 1.7e9
    assert extra["engine"] == {"backend": "simulated", "simulated": True}
    assert models["text-embedding-3-small"].model_extra["capabilities"]["embeddings"] is True
    assert models["tts-001"].model_extra["lifecycle_status"] == "preview"


def test_one_model_by_id_and_an_unknown_one(sdk):
    assert sdk.models.retrieve("babbage-002").model_extra["capabilities"]["completion"] is True
    with pytest.raises(openai.NotFoundError):
        sdk.models.retrieve("gpt-9")
