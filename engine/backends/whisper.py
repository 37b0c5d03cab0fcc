"""Real speech to text: Whisper tiny.en (CTranslate2, from its wheel) through faster-whisper. English only."""

from __future__ import annotations

import io
from typing import Any

from engine import errors
from engine.backends.base import Segment, Transcript, Word
from engine.backends.local import LocalModels
from engine.backends.registry import THREADS, asset_path
from engine.config import ModelSpec


def load_whisper(path: str) -> Any:
    from faster_whisper import WhisperModel

    # Always a folder: a size name such as "tiny.en" would make faster-whisper download from a hub.
    return WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=THREADS, local_files_only=True)


def decode(audio: bytes) -> Any:
    """16 kHz mono samples. PyAV (inside faster-whisper) decodes wav, mp3, m4a, webm, ogg and flac without a system
    ffmpeg; bytes that only look like audio are the caller's error, never the engine's."""
    from faster_whisper.audio import decode_audio

    try:
        samples = decode_audio(io.BytesIO(audio), sampling_rate=16000)
    except Exception as e:  # PyAV raises several error types for broken input
        raise errors.invalid_request(f"The audio file could not be decoded: {e}", param="file") from None
    if not len(samples):
        raise errors.invalid_request("The audio file holds no audio samples.", param="file")
    return samples


def run_whisper(model: Any, audio: bytes, prompt: str | None) -> Transcript:
    segments, info = model.transcribe(decode(audio), language="en", task="transcribe", beam_size=1,
                                      initial_prompt=prompt or None, word_timestamps=True, vad_filter=False)
    found, words = [], []
    for s in segments:
        found.append(Segment(round(s.start, 2), round(s.end, 2), s.text.strip()))
        words += [Word(round(w.start, 2), round(w.end, 2), w.word.strip()) for w in (s.words or ())]
    text = " ".join(s.text for s in found).strip()
    return Transcript(text=text, language="en", duration=round(info.duration, 2), segments=found, words=words)


class WhisperTranscription:
    def __init__(self, queue_limit: int) -> None:
        self.models: LocalModels[Any] = LocalModels(load_whisper, queue_limit)

    async def transcribe(self, model: ModelSpec, data: bytes, filename: str, *, language: str | None,
                         prompt: str | None, translate: bool) -> Transcript:
        if translate:
            raise errors.invalid_request(f"{model.name} is an English-only model: it cannot translate. Use "
                                         "audio/transcriptions for English speech.", param="model",
                                         code="OperationNotSupported")
        if language not in (None, "en"):
            raise errors.invalid_request(f"{model.name} is an English-only model: language must be 'en', got "
                                         f"{language!r}.", param="language", code="unsupported_language")
        local = self.models.get(model.name, str(asset_path(model.asset)))
        return await local.run(lambda m: run_whisper(m, data, prompt))
