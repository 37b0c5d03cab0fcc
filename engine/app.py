"""The ASGI application: routes for every surface, the scheduler's lifespan, and the engine's own header."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine import admin
from engine.arm import account, deployments, raipolicies
from engine.dataplane import audio, chat, completions, embeddings, images, models
from engine.files import api as files
from engine.finetuning import api as jobs
from engine.finetuning.scheduler import Scheduler
from engine.responses import json_response
from engine.settings import EngineSettings
from engine.state import Engine, build_engine
from engine.tokens import encoding_for

log = logging.getLogger("engine")
ACCOUNT = ("/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.CognitiveServices"
           "/accounts/{account}")
LOCATION = "/subscriptions/{subscription}/providers/Microsoft.CognitiveServices/locations/{location}"
BACKEND_HEADER = (b"x-engine-backend", b"engine")


class BackendHeader:
    """Stamps `x-engine-backend` on every answer, so nobody mistakes a simulated answer for a real model's. Inference
    answers name their deployment's backend themselves; any other answer comes from the engine itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                if not any(name == BACKEND_HEADER[0] for name, _ in headers):
                    message["headers"] = [*headers, BACKEND_HEADER]
            await send(message)

        await self.app(scope, receive, stamped)


def routes() -> list[Route]:
    dep = "/openai/deployments/{deployment}"
    return [
        Route("/engine/health", admin.health),
        Route("/engine/images/{image_id}.png", admin.image),
        Route("/engine/admin/deployments/{deployment}/faults", admin.get_faults, methods=["GET"]),
        Route("/engine/admin/deployments/{deployment}/faults", admin.put_faults, methods=["PUT"]),
        Route("/engine/admin/deployments/{deployment}/faults", admin.delete_faults, methods=["DELETE"]),
        Route("/engine/admin/deployments/{deployment}/settings", admin.get_settings, methods=["GET"]),
        Route("/engine/admin/deployments/{deployment}/settings", admin.put_settings, methods=["PUT"]),
        # Data plane
        Route(f"{dep}/chat/completions", chat.chat_completions, methods=["POST"]),
        Route(f"{dep}/completions", completions.completions, methods=["POST"]),
        Route(f"{dep}/embeddings", embeddings.embeddings, methods=["POST"]),
        Route(f"{dep}/images/generations", images.generations, methods=["POST"]),
        Route(f"{dep}/audio/transcriptions", audio.transcriptions, methods=["POST"]),
        Route(f"{dep}/audio/translations", audio.translations, methods=["POST"]),
        Route(f"{dep}/audio/speech", audio.speech, methods=["POST"]),
        Route("/openai/models", models.list_models, methods=["GET"]),
        Route("/openai/models/{model_id:path}", models.get_model, methods=["GET"]),
        # Authoring: files and fine-tuning
        Route("/openai/files", files.upload, methods=["POST"]),
        Route("/openai/files", files.list_files, methods=["GET"]),
        Route("/openai/files/{file_id}", files.get_file, methods=["GET"], name="file"),
        Route("/openai/files/{file_id}", files.delete_file, methods=["DELETE"]),
        Route("/openai/files/{file_id}/content", files.file_content, methods=["GET"]),
        Route("/openai/fine_tuning/jobs", jobs.create, methods=["POST"]),
        Route("/openai/fine_tuning/jobs", jobs.list_jobs, methods=["GET"]),
        Route("/openai/fine_tuning/jobs/{job_id}", jobs.get_job, methods=["GET"], name="fine_tuning_job"),
        Route("/openai/fine_tuning/jobs/{job_id}", jobs.delete_job, methods=["DELETE"]),
        Route("/openai/fine_tuning/jobs/{job_id}/cancel", jobs.cancel_job, methods=["POST"]),
        Route("/openai/fine_tuning/jobs/{job_id}/events", jobs.job_events, methods=["GET"]),
        Route("/openai/fine_tuning/jobs/{job_id}/checkpoints", jobs.job_checkpoints, methods=["GET"]),
        *v1_routes(),
        # ARM control plane
        Route(ACCOUNT, account.account, methods=["GET"]),
        Route(f"{ACCOUNT}/listKeys", account.list_keys, methods=["POST"]),
        Route(f"{ACCOUNT}/models", account.models, methods=["GET"]),
        Route(f"{ACCOUNT}/usages", account.account_usages, methods=["GET"]),
        Route(f"{ACCOUNT}/deployments", deployments.list_all, methods=["GET"]),
        Route(f"{ACCOUNT}/deployments/{{name}}", deployments.get, methods=["GET"]),
        Route(f"{ACCOUNT}/deployments/{{name}}", deployments.put, methods=["PUT"]),
        Route(f"{ACCOUNT}/deployments/{{name}}", deployments.patch, methods=["PATCH"]),
        Route(f"{ACCOUNT}/deployments/{{name}}", deployments.delete, methods=["DELETE"]),
        Route(f"{ACCOUNT}/deployments/{{name}}/skus", deployments.skus, methods=["GET"]),
        Route(f"{ACCOUNT}/raiPolicies", raipolicies.list_all, methods=["GET"]),
        Route(f"{ACCOUNT}/raiPolicies/{{name}}", raipolicies.get, methods=["GET"]),
        Route(f"{ACCOUNT}/raiPolicies/{{name}}", raipolicies.put, methods=["PUT"]),
        Route(f"{ACCOUNT}/raiPolicies/{{name}}", raipolicies.delete, methods=["DELETE"]),
        Route(f"{LOCATION}/models", account.location_models, methods=["GET"]),
        Route(f"{LOCATION}/usages", account.location_usages, methods=["GET"]),
    ]


def v1_routes() -> list[Route]:
    """Azure's v1 API: the same handlers as the dated routes, the deployment named in the body's `model`."""
    v1 = "/openai/v1"
    return [
        Route(f"{v1}/chat/completions", chat.chat_completions, methods=["POST"]),
        Route(f"{v1}/completions", completions.completions, methods=["POST"]),
        Route(f"{v1}/embeddings", embeddings.embeddings, methods=["POST"]),
        Route(f"{v1}/models", models.list_models, methods=["GET"]),
        Route(f"{v1}/models/{{model_id:path}}", models.get_model, methods=["GET"]),
        Route(f"{v1}/files", files.upload, methods=["POST"]),
        Route(f"{v1}/files", files.list_files, methods=["GET"]),
        Route(f"{v1}/files/{{file_id}}", files.get_file, methods=["GET"]),
        Route(f"{v1}/files/{{file_id}}", files.delete_file, methods=["DELETE"]),
        Route(f"{v1}/files/{{file_id}}/content", files.file_content, methods=["GET"]),
        Route(f"{v1}/fine_tuning/jobs", jobs.create, methods=["POST"]),
        Route(f"{v1}/fine_tuning/jobs", jobs.list_jobs, methods=["GET"]),
        Route(f"{v1}/fine_tuning/jobs/{{job_id}}", jobs.get_job, methods=["GET"]),
        Route(f"{v1}/fine_tuning/jobs/{{job_id}}", jobs.delete_job, methods=["DELETE"]),
        Route(f"{v1}/fine_tuning/jobs/{{job_id}}/cancel", jobs.cancel_job, methods=["POST"]),
        Route(f"{v1}/fine_tuning/jobs/{{job_id}}/events", jobs.job_events, methods=["GET"]),
        Route(f"{v1}/fine_tuning/jobs/{{job_id}}/checkpoints", jobs.job_checkpoints, methods=["GET"]),
    ]


async def _not_found(request: Request, exc: Exception) -> Response:
    # Azure's gateway answers unknown paths with this body.
    return json_response({"error": {"code": "404", "message": "Resource not found"}}, 404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return json_response({"error": {"code": "405", "message": f"The method {request.method} is not allowed here."}},
                         405)


def warm_encodings(engine: Engine) -> None:
    """Load the tiktoken encodings the catalog needs before serving, so no request pays for loading them."""
    for model in engine.config.catalog.all():
        if model.capabilities & {"chat", "completions", "embeddings"}:
            encoding_for(model.token_model)


def create_app(settings: EngineSettings | None = None, engine: Engine | None = None) -> Starlette:
    """The engine as an ASGI app; the scheduler runs for as long as the app's lifespan does."""
    engine = engine or build_engine(settings or EngineSettings.from_env())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        scheduler = Scheduler(engine)
        warm_encodings(engine)
        engine.files.purge_orphans()
        engine.images.purge_expired()
        scheduler.start()
        try:
            yield
        finally:
            await scheduler.stop()
            engine.close()
            log.info("engine stopped")

    app = Starlette(routes=routes(), lifespan=lifespan, middleware=[Middleware(BackendHeader)],
                    exception_handlers={404: _not_found, 405: _not_allowed})
    app.state.engine = engine
    return app
