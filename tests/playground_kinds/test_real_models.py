"""The audio round trip through Studio with the engine's real models: Piper speaks, Whisper (tiny.en) hears."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from studio.resources.models import Deployment, Resource
from tests.engine.models.conftest import REAL_ENV
from tests.engine_server import ACCOUNT, RESOURCE_GROUP, SUBSCRIPTION, EngineServer
from tests.playground_kinds.conftest import post_json

pytestmark = [pytest.mark.slow, pytest.mark.models]
SENTENCE = "The quick brown fox jumps over the lazy dog."


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


@pytest.fixture(scope="module")
def real_engine():
    server = EngineServer(env=REAL_ENV)
    try:
        yield server.start(timeout=60)
    finally:
        server.close()


@pytest.fixture
def real_kinds(db, real_engine):
    resource = Resource(name="Engine", kind=Resource.Kind.LOCAL_ENGINE, endpoint=real_engine.url,
                        arm_endpoint=real_engine.url, subscription_id=SUBSCRIPTION, resource_group=RESOURCE_GROUP,
                        account_name=ACCOUNT, allow_http_loopback=True)
    resource.set_api_key(real_engine.api_key)
    resource.save()
    return {name: Deployment.objects.create(resource=resource, name=name, model_name=model, model_version="001",
                                            capability="audio", sku_name="Standard")
            for name, model in (("whisper", "whisper"), ("tts", "tts"))}


def test_speech_made_by_the_engine_comes_back_through_transcription(real_kinds, developer):
    spoken = post_json(developer, "/playground/audio/speech/", {"deployment": real_kinds["tts"].pk,
                                                                "input": SENTENCE, "voice": "alloy",
                                                                "response_format": "wav"})
    assert spoken.status_code == 200, spoken.content
    heard = developer.post("/playground/audio/transcribe/", {
        "deployment": real_kinds["whisper"].pk, "response_format": "verbose_json", "granularities": ["segment"],
        "file": _upload(spoken.content)})
    assert heard.status_code == 200, heard.content
    result = heard.json()
    assert _words(result["text"]) == _words(SENTENCE)
    assert result["body"]["segments"] and result["seconds"] > 1


def test_the_english_only_local_whisper_refuses_translation_with_its_reason(real_kinds, developer):
    spoken = post_json(developer, "/playground/audio/speech/", {"deployment": real_kinds["tts"].pk,
                                                                "input": SENTENCE, "voice": "alloy",
                                                                "response_format": "wav"})
    refused = developer.post("/playground/audio/transcribe/", {
        "deployment": real_kinds["whisper"].pk, "task": "translate", "file": _upload(spoken.content)})
    assert refused.status_code == 400
    assert "English-only" in refused.json()["error"]["message"]


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("speech.wav", data, "audio/wav")
