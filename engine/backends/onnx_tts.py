"""Real text to speech: a Piper voice (ONNX, from its wheel) through onnxruntime, phonemes from the espeak-ng program.

espeak-ng is GPL, so it runs as a separate program; the GPL `piper-tts` library stays out of the engine's process.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import errors
from engine.backends.base import SpeechAudio
from engine.backends.local import LocalModels
from engine.backends.registry import THREADS, asset_path
from engine.backends.speech_codec import CONTENT_TYPES, FORMATS, encode
from engine.config import ModelSpec

_CLAUSE = re.compile(r"([^.!?,;:\n]+)([.!?,;:]*)")
ESPEAK_TIMEOUT = 30


@dataclass
class Voice:
    session: Any
    ids: dict[str, list[int]]
    sample_rate: int
    noise_scale: float
    length_scale: float
    noise_w: float
    espeak_voice: str


def load_voice(path: str) -> Voice:
    import onnxruntime

    config = json.loads(Path(path + ".json").read_text())
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    inference = config.get("inference", {})
    return Voice(session, config["phoneme_id_map"], int(config["audio"]["sample_rate"]),
                 float(inference.get("noise_scale", 0.667)), float(inference.get("length_scale", 1.0)),
                 float(inference.get("noise_w", 0.8)), config.get("espeak", {}).get("voice", "en-us"))


def phonemes(text: str, espeak_voice: str) -> str:
    """IPA phonemes, clause by clause: espeak-ng drops punctuation, which the voice needs for its pauses."""
    out = []
    for words, punctuation in _CLAUSE.findall(text):
        if not words.strip():
            continue
        result = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", espeak_voice, "--", words.strip()],
                                capture_output=True, text=True, timeout=ESPEAK_TIMEOUT, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"espeak-ng failed: {result.stderr.strip()[:200]}")
        out.append(" ".join(result.stdout.split()) + punctuation[:1])
    return " ".join(out)


def phoneme_ids(ipa: str, ids: dict[str, list[int]]) -> list[int]:
    """Piper's input: ^ then each known symbol followed by the pad _, then $."""
    out = list(ids["^"]) + list(ids["_"])
    for symbol in ipa:
        if symbol in ids:
            out += ids[symbol] + ids["_"]
    return out + list(ids["$"])


def synthesize(voice: Voice, text: str, speed: float) -> bytes:
    """16-bit mono PCM at the voice's sample rate."""
    import numpy as np

    ids = phoneme_ids(phonemes(text, voice.espeak_voice), voice.ids)
    scales = np.array([voice.noise_scale, voice.length_scale / speed, voice.noise_w], dtype=np.float32)
    audio = voice.session.run(None, {"input": np.array([ids], dtype=np.int64),
                                     "input_lengths": np.array([len(ids)], dtype=np.int64), "scales": scales})[0]
    samples = np.clip(audio.reshape(-1), -1.0, 1.0)
    return (samples * 32767).astype("<i2").tobytes()


class OnnxSpeech:
    formats = FORMATS

    def __init__(self, queue_limit: int) -> None:
        self.models: LocalModels[Voice] = LocalModels(load_voice, queue_limit)

    async def speak(self, model: ModelSpec, text: str, voice: str, speed: float, response_format: str) -> SpeechAudio:
        # One voice ships offline: every OpenAI voice name is spoken by it.
        if not text.strip() or not any(c.isalnum() for c in text):
            raise errors.invalid_request("'input' has nothing to speak.", param="input")
        local = self.models.get(model.name, str(asset_path(model.asset)))

        def work(v: Voice) -> bytes:
            return encode(synthesize(v, text, speed), v.sample_rate, response_format)

        return SpeechAudio(await local.run(work), CONTENT_TYPES[response_format])
