"""Real-model fixtures: one engine with ENGINE_REAL_MODELS on for the session, its seeded deployments real."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openai import AzureOpenAI

from tests.engine_server import API_VERSION, EngineServer

# The seeded deployments with real models on: chat (SmolLM2), embeddings (MiniLM), whisper, tts.
REAL_ENV = {"ENGINE_REAL_MODELS": "on", "ENGINE_MODEL_QUEUE": "3"}


@pytest.fixture(scope="session")
def real_engine() -> Iterator[EngineServer]:
    server = EngineServer(env=REAL_ENV)
    try:
        yield server.start(timeout=60)
    finally:
        server.close()


@pytest.fixture(scope="session")
def real_sdk(real_engine: EngineServer) -> Iterator[AzureOpenAI]:
    with AzureOpenAI(azure_endpoint=real_engine.url, api_key=real_engine.api_key, api_version=API_VERSION,
                     max_retries=0, timeout=120) as client:
        yield client  # closed first, so the engine does not wait on its keep-alive connections to stop

