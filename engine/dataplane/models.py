"""GET /openai/models and /openai/models/{id}: base models and succeeded fine-tunes, labelled real or simulated."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.authoring import authoring
from engine.backends.registry import engine_label
from engine.config import ModelSpec
from engine.responses import json_response
from engine.state import Engine


def lifecycle_status(model: ModelSpec) -> str:
    # The data plane spells it "generally-available" where ARM says "GenerallyAvailable" (trap 11).
    return "preview" if model.lifecycle.lower() == "preview" else "generally-available"


def as_api(model: ModelSpec, backend: str | None = None) -> dict[str, Any]:
    """The data-plane shape; `backend` is the name the loaded backend gives itself (the catalog's, by default)."""
    backend = backend or model.backend
    deprecation = {key: value for key in ("fine_tune", "inference")
                   if (value := model.deprecation_unix(key)) is not None}
    data: dict[str, Any] = {
        "object": "model", "id": model.id, "created_at": model.created_at, "status": "succeeded",
        "capabilities": {
            "fine_tune": model.can("fine_tune"), "inference": True, "completion": model.can("completions"),
            "chat_completion": model.can("chat"), "embeddings": model.can("embeddings"),
        },
        "lifecycle_status": lifecycle_status(model), "deprecation": deprecation,
        # Not an Azure field: says plainly which models are real and which simulated (and why).
        "engine": engine_label(model, backend),
    }
    if model.base is not None:
        data["model"] = model.base.id
        data["fine_tune"] = model.fine_tune_job
    return data


@authoring
async def list_models(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    models = [as_api(m, engine.backend(m.backend).name) for m in engine.config.catalog.all()]
    return json_response({"object": "list", "data": models}, headers=headers)


@authoring
async def get_model(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    model_id = request.path_params["model_id"]
    model = next((m for m in engine.config.catalog.all() if m.id == model_id), None)
    if model is None:
        raise errors.authoring(404, "notFound", f"The model '{model_id}' does not exist.")
    return json_response(as_api(model, engine.backend(model.backend).name), headers=headers)
