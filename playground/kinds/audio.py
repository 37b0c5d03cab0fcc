"""Audio: transcription and translation of an uploaded or recorded file, and text to speech.

Whisper takes at most 25 MB per file (trap 20): a larger file is refused here, before anything is sent upstream.
Transcription is billed per audio second: verbose_json says the duration; for other formats Studio reads a WAV
header itself, else uses the length the browser measured. Speech is billed per input character.
"""

from __future__ import annotations

import hashlib
import io
import time
import wave
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from playground.kinds import stored
from playground.kinds.common import CallRefused, record_call, record_failure
from playground.models import PlaygroundSession, StoredAudio
from shared_rules import pricing
from shared_rules.models import base_name
from studio.upstream import media
from studio.upstream.errors import UpstreamError
from studio.usage.models import UsageRecord
from studio.usage.records import tariff_for

UPLOAD_LIMIT = 25 * 1024 * 1024  # bytes, Whisper's per-file limit
EXTENSIONS = ("flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm")
RESPONSE_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
GRANULARITIES = ("segment", "word")
VOICES = ("alloy", "echo", "fable", "onyx", "nova", "shimmer")
SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
SPEECH_TYPES = {"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac",
                "wav": "audio/wav", "pcm": "audio/L16"}
SPEECH_LIMIT = 4096  # characters
LANGUAGES = {"": "Detect", "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
             "nl": "Dutch", "pt": "Portuguese", "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "pl": "Polish"}
LOCAL_ENGLISH_ONLY = ("The local engine's Whisper (tiny.en) understands English only: speech in other languages "
                      "comes back wrong, and it refuses to translate. Use an Azure deployment for other languages.")


# Text-to-speech models by name: Azure's tts, tts-hd, gpt-4o-mini-tts, and the local engine's Piper voices
# (the ARM catalog marks every audio model alike, "audio": "true").
SPEECH_MARKS = ("tts", "piper", "speech")


def is_speech_model(model: str) -> bool:
    name = base_name(model).lower()
    return any(mark in name for mark in SPEECH_MARKS) and "transcribe" not in name


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def upload_checked(name: str, size: int) -> str:
    """The file's name, when Whisper may take it: size and type checked before a byte goes upstream."""
    if size > UPLOAD_LIMIT:
        raise CallRefused(f"{name} is {megabytes(size)}; Whisper takes at most {megabytes(UPLOAD_LIMIT)} per file. "
                          "Nothing was sent: shorten the recording or compress it (mp3 or ogg at a lower bit rate).",
                          param="file", status=413)
    if size == 0:
        raise CallRefused(f"{name} is empty", param="file")
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in EXTENSIONS:
        raise CallRefused(f"{name}: Whisper reads {', '.join(EXTENSIONS)} files", param="file")
    return name


def wav_seconds(data: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(data)) as audio:
            return audio.getnframes() / float(audio.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


def _float(raw: Any, name: str, low: float, high: float) -> float | None:
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError) as error:
        raise CallRefused(f"{name} must be a number", param=name) from error
    if not low <= value <= high:
        raise CallRefused(f"{name} must be between {low:g} and {high:g}", param=name)
    return value


def transcription_cost(deployment, seconds: float | None) -> tuple[Decimal | None, str]:
    tariff = tariff_for(deployment, "audio_seconds")
    currency = tariff.row.currency if tariff.row else "USD"
    if seconds is None:
        return None, currency
    return tariff.of(lambda row: pricing.audio_cost(Decimal(str(round(seconds, 3))), row)), currency


def transcribe(user, deployment, *, data: bytes, filename: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Transcribe or translate; one usage record in audio seconds."""
    translate = fields.get("task") == "translate"
    response_format = fields.get("response_format") or "json"
    if response_format not in RESPONSE_FORMATS:
        raise CallRefused(f"response_format must be one of {', '.join(RESPONSE_FORMATS)}", param="response_format")
    language = (fields.get("language") or "").strip().lower()
    if language and (len(language) != 2 or not language.isalpha()):
        raise CallRefused("language must be an ISO-639-1 code such as en or de", param="language")
    granularities = [g for g in fields.get("granularities", []) if g in GRANULARITIES]
    temperature = _float(fields.get("temperature"), "temperature", 0.0, 1.0)
    prompt = (fields.get("prompt") or "").strip()[:2000] or None
    kind = UsageRecord.Kind.TRANSLATION if translate else UsageRecord.Kind.TRANSCRIPTION
    started = time.perf_counter()
    try:
        answer = media.audio_transcribe(deployment.resource, deployment.name, data=data, filename=filename,
                                        translate=translate, response_format=response_format, language=language,
                                        prompt=prompt, temperature=temperature,
                                        granularities=granularities or None)
    except UpstreamError as error:
        record_failure(deployment, user, kind, error, round((time.perf_counter() - started) * 1000))
        raise
    seconds = (answer.body or {}).get("duration") if answer.body else None
    if not isinstance(seconds, int | float):
        seconds = wav_seconds(data) or _float(fields.get("duration"), "duration", 0.0, 24 * 3600.0)
    cost, currency = transcription_cost(deployment, seconds)
    record_call(deployment, user, kind, audio_seconds=seconds, cost=cost, currency=currency,
                latency_ms=answer.latency_ms, http_status=answer.status, upstream_request_id=answer.request_id)
    return {"task": "translate" if translate else "transcribe", "response_format": response_format,
            "text": answer.text, "body": answer.body, "seconds": seconds,
            "cost": None if cost is None else str(cost), "currency": currency, "latency_ms": answer.latency_ms,
            "request_id": answer.request_id}


def speech_request(data: dict[str, Any]) -> dict[str, Any]:
    text = data.get("input")
    if not isinstance(text, str) or not text.strip():
        raise CallRefused("type the text to speak", param="input")
    if len(text) > SPEECH_LIMIT:
        raise CallRefused(f"the text has {len(text)} characters; speech takes at most {SPEECH_LIMIT}", param="input")
    voice = data.get("voice") or "alloy"
    if voice not in VOICES:
        raise CallRefused(f"voice must be one of {', '.join(VOICES)}", param="voice")
    response_format = data.get("response_format") or "mp3"
    if response_format not in SPEECH_FORMATS:
        raise CallRefused(f"format must be one of {', '.join(SPEECH_FORMATS)}", param="response_format")
    speed = _float(data.get("speed"), "speed", 0.25, 4.0)
    return {"text": text, "voice": voice, "response_format": response_format, "speed": speed}


def speech_cost(deployment, characters: int) -> tuple[Decimal | None, str]:
    tariff = tariff_for(deployment, "characters")
    return (tariff.of(lambda row: pricing.speech_cost(characters, row)),
            tariff.row.currency if tariff.row else "USD")


def speak(user, deployment, data: dict[str, Any]) -> tuple[media.Speech, dict[str, Any]]:
    """Text to speech; one usage record in characters."""
    request = speech_request(data)
    characters = len(request["text"])
    cost, currency = speech_cost(deployment, characters)
    started = time.perf_counter()
    try:
        answer = media.speech_create(deployment.resource, deployment.name, **request)
    except UpstreamError as error:
        record_failure(deployment, user, UsageRecord.Kind.SPEECH, error,
                       round((time.perf_counter() - started) * 1000))
        raise
    record_call(deployment, user, UsageRecord.Kind.SPEECH, characters=characters, cost=cost, currency=currency,
                latency_ms=answer.latency_ms, http_status=answer.status, upstream_request_id=answer.request_id)
    return answer, {"characters": characters, "cost": None if cost is None else str(cost), "currency": currency,
                    "latency_ms": answer.latency_ms, "request_id": answer.request_id,
                    "format": request["response_format"]}


SOURCE_TYPES = {"flac": "audio/flac", "m4a": "audio/mp4", "mp3": "audio/mpeg", "mp4": "audio/mp4",
                "mpeg": "audio/mpeg", "mpga": "audio/mpeg", "oga": "audio/ogg", "ogg": "audio/ogg", "wav": "audio/wav",
                "webm": "audio/webm"}


def audio_keep(user, session: PlaygroundSession, role: str, name: str, data: bytes) -> StoredAudio:
    """Keep the audio with the session, so that it plays when the session is reopened. The same file transcribed
    again in a session is kept once."""
    digest = hashlib.sha256(data).hexdigest()
    kept = StoredAudio.objects.filter(owner=user, session=session, role=role, sha256=digest).first()
    if kept is not None:
        return kept
    extension = PurePath(name).suffix.lstrip(".").lower()
    extension = extension if extension in SOURCE_TYPES else "bin"
    return StoredAudio.objects.create(
        owner=user, session=session, role=role, name=PurePath(name).name[:200] or f"audio.{extension}",
        path=stored.file_write(user.pk, "audio", extension, data), sha256=digest, byte_size=len(data),
        content_type=SPEECH_TYPES.get(extension) or SOURCE_TYPES.get(extension, "application/octet-stream"))


def audio_json(kept: StoredAudio) -> dict[str, Any]:
    return {"id": kept.pk, "url": kept.get_absolute_url(), "name": kept.name, "bytes": kept.byte_size}


def price_hints(deployment) -> dict[str, Any]:
    """What the page needs to show the cost before sending: per character (speech) or per second (Whisper)."""
    if is_speech_model(deployment.model_name):
        tariff = tariff_for(deployment, "characters")
        per_million = tariff.row.input_per_1m if tariff.row else None
        return {"speech": True, "per_million_characters": None if per_million is None else str(per_million),
                "currency": tariff.row.currency if tariff.row else "USD"}
    tariff = tariff_for(deployment, "audio_seconds")
    per_second = tariff.row.unit_price if tariff.row else None
    return {"speech": False, "per_second": None if per_second is None else str(per_second),
            "currency": tariff.row.currency if tariff.row else "USD"}
