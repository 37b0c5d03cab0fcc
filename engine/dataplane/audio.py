"""Audio: /audio/transcriptions and /audio/translations (multipart upload) and /audio/speech (JSON to WAV)."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from starlette.responses import Response

from engine import errors
from engine.backends.audio import VOICES, sniff_format
from engine.backends.base import Transcript
from engine.dataplane import validation as v
from engine.dataplane.common import Call, inference
from engine.multipart import FormError, TooLarge, read_form
from engine.responses import read_json_object
from engine.tokens import encoding_for

EXTENSIONS = ("flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm")
FORMAT_ERROR = f"Invalid file format. Supported formats: {list(EXTENSIONS)}"
TRANSCRIPT_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
LANGUAGES = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian", "nl": "dutch",
             "pt": "portuguese", "ja": "japanese", "zh": "chinese", "ko": "korean", "pl": "polish"}
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


def _timestamp(seconds: float, separator: str) -> str:
    ms = int(round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def render(transcript: Transcript, fmt: str, task: str, temperature: float) -> tuple[Any, str]:
    """The body and its media type for a response_format."""
    if fmt == "json":
        return {"text": transcript.text}, "application/json"
    if fmt == "text":
        return transcript.text + "\n", "text/plain"
    if fmt == "srt":
        blocks = [f"{i}\n{_timestamp(s.start, ',')} --> {_timestamp(s.end, ',')}\n{s.text}\n"
                  for i, s in enumerate(transcript.segments, start=1)]
        return "\n".join(blocks) + "\n", "text/plain"
    if fmt == "vtt":
        blocks = [f"{_timestamp(s.start, '.')} --> {_timestamp(s.end, '.')}\n{s.text}\n" for s in transcript.segments]
        return "WEBVTT\n\n" + "\n".join(blocks) + "\n", "text/plain"
    enc = encoding_for("gpt-35-turbo")
    segments = [{"id": i, "seek": 0, "start": s.start, "end": s.end, "text": " " + s.text,
                 "tokens": enc.encode_ordinary(" " + s.text), "temperature": temperature, "avg_logprob": -0.25,
                 "compression_ratio": 1.2, "no_speech_prob": 0.01} for i, s in enumerate(transcript.segments)]
    body = {"task": task, "language": LANGUAGES.get(transcript.language, transcript.language),
            "duration": transcript.duration, "text": transcript.text, "segments": segments}
    if transcript.words:
        body["words"] = [{"word": w.word, "start": w.start, "end": w.end} for w in transcript.words]
    return body, "application/json"


async def _speech_to_text(call: Call, translate: bool) -> Response:
    limit = call.engine.config.max_audio_bytes
    try:
        form = await read_form(call.request, call.engine.settings.data_dir / "tmp", limit)
    except TooLarge:
        raise errors.invalid_request(f"Maximum content size limit ({limit}) exceeded.", param="file",
                                     code="content_size_limit_exceeded", status=413) from None
    except FormError as e:
        raise errors.invalid_request(str(e), param="file", code=None) from None
    try:
        upload = form.files.get("file")
        if upload is None:
            raise errors.invalid_request("'file' is a required property", param="file", code=None)
        extension = PurePath(upload.filename).suffix.lower().lstrip(".")
        if extension not in EXTENSIONS or sniff_format(upload.head) is None:
            raise errors.invalid_request(FORMAT_ERROR, param="file", code="invalid_value")
        fields = form.fields
        fmt = v.one_of(fields, "response_format", TRANSCRIPT_FORMATS, "json")
        try:
            temperature = float(fields.get("temperature") or 0)
        except ValueError:
            raise errors.invalid_request("'temperature' must be a number.", param="temperature") from None
        if not 0 <= temperature <= 1:
            raise errors.invalid_request(f"{temperature} is not between 0 and 1 - 'temperature'", param="temperature")
        language = None if translate else (fields.get("language") or None)
        if language is not None and not LANGUAGE_CODE.match(language):
            raise errors.invalid_request(f"Invalid language {language!r}: use an ISO-639-1 code such as 'en'.",
                                         param="language")
        call.charge(0)
        data = upload.path.read_bytes()
    finally:
        form.discard()
    transcript = await call.backends.transcription.transcribe(
        call.model, data, upload.filename, language=language, prompt=fields.get("prompt"), translate=translate)
    body, media_type = render(transcript, fmt, "translate" if translate else "transcribe", temperature)
    if media_type == "application/json":
        return call.json(body)
    return Response(body, media_type=media_type, headers=call.headers)


@inference("transcription")
async def transcriptions(call: Call) -> Response:
    return await _speech_to_text(call, translate=False)


@inference("translation")
async def translations(call: Call) -> Response:
    return await _speech_to_text(call, translate=True)


@inference("speech")
async def speech(call: Call) -> Response:
    body = await read_json_object(call.request)
    text = v.string(body, "input", required=True, max_length=4096)
    voice = v.one_of(body, "voice", VOICES, "")
    if not voice:
        raise errors.invalid_request("'voice' is a required property", param="voice", code=None)
    speech_backend = call.backends.speech
    # Without a format, answer WAV rather than Azure's mp3 default: the simulated backend has no mp3 encoder.
    fmt = v.one_of(body, "response_format", SPEECH_FORMATS, "wav")
    if fmt not in speech_backend.formats:
        supported = " or ".join(f"'{f}'" for f in sorted(speech_backend.formats))
        raise errors.invalid_request(f"response_format '{fmt}' is not supported by the {call.backends.name} backend; "
                                     f"use {supported}.", param="response_format", code="unsupported_value")
    speed = v.number(body, "speed", 0.25, 4.0, 1.0)
    call.charge(0)
    audio = await speech_backend.speak(call.model, text or " ", voice, speed or 1.0, fmt)
    return Response(audio.data, media_type=audio.content_type, headers=call.headers)
