"""Simulated audio: quiet tone bursts as real WAV files, and transcripts drawn from a hash of the upload."""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import struct
import wave

from engine.backends import textgen
from engine.backends.base import Segment, Transcript

SAMPLE_RATE = 24000
SPEECH_FORMATS = frozenset({"wav", "pcm"})  # mp3/opus/aac/flac need an encoder the simulated backend lacks
SPEECH_CONTENT_TYPES = {"wav": "audio/wav", "pcm": "audio/pcm"}
VOICES = ("alloy", "echo", "fable", "onyx", "nova", "shimmer")
# One whole period in samples per voice, so a tone is one precomputed period repeated (no per-sample maths).
_PERIOD = {"alloy": 110, "echo": 122, "fable": 98, "onyx": 145, "nova": 92, "shimmer": 82}
AMPLITUDE = 1200  # about -29 dBFS: audible, never loud
TEXT_CHUNK = b"egtx"  # a private RIFF chunk carrying the spoken text; standard readers skip unknown chunks
ASSUMED_BITRATE = 128_000  # bits per second, to estimate the length of compressed uploads


def _period(samples: int) -> bytes:
    return struct.pack(f"<{samples}h", *(int(AMPLITUDE * math.sin(2 * math.pi * i / samples)) for i in range(samples)))


def _pcm(text: str, voice: str, speed: float) -> bytes:
    period = _period(_PERIOD[voice])
    out = bytearray()
    for word in text.split() or ["..."]:
        burst = int((0.06 * len(word) + 0.05) / speed * SAMPLE_RATE) * 2
        out += (period * (burst // len(period) + 1))[:burst]
        out += bytes(int(0.07 / speed * SAMPLE_RATE) * 2)
    return bytes(out)


def speak(text: str, voice: str, speed: float, response_format: str) -> bytes:
    pcm = _pcm(text, voice, speed)
    if response_format == "pcm":
        return pcm
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)
    data = bytearray(buffer.getvalue())
    payload = json.dumps({"text": text, "voice": voice}).encode()
    if len(payload) % 2:
        payload += b" "  # RIFF chunks are word aligned
    data += TEXT_CHUNK + struct.pack("<I", len(payload)) + payload
    struct.pack_into("<I", data, 4, len(data) - 8)  # the RIFF size now includes the extra chunk
    return bytes(data)


def _riff_chunks(data: bytes) -> dict[bytes, bytes]:
    chunks, pos = {}, 12
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        chunks[cid] = data[pos + 8: pos + 8 + size]
        pos += 8 + size + (size % 2)
    return chunks


def _wav_info(data: bytes) -> tuple[float, str | None] | None:
    """(duration, embedded text) of a WAV file, read from its headers; None when it is not a readable WAV."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    chunks = _riff_chunks(data)
    fmt = chunks.get(b"fmt ")
    if not fmt or len(fmt) < 16 or b"data" not in chunks:
        return None
    channels, rate, byte_rate = struct.unpack_from("<HII", fmt, 2)
    duration = len(chunks[b"data"]) / byte_rate if byte_rate else 0.0
    text = None
    if TEXT_CHUNK in chunks:
        try:
            text = json.loads(chunks[TEXT_CHUNK])["text"]
        except (ValueError, KeyError, TypeError):
            text = None
    return duration, text


_SENTENCE = re.compile(r"[^.!?]+[.!?]?")


def transcribe(data: bytes, language: str) -> Transcript:
    info = _wav_info(data)
    duration, text = info if info else (len(data) * 8 / ASSUMED_BITRATE, None)
    if text is None:
        rng = textgen.make_rng(hashlib.sha256(data).digest(), 0, seeded=True)
        text = textgen.paragraph(rng, max(3, int(duration * 2.5)))
    sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()] or [text]
    total = sum(len(s) for s in sentences) or 1
    segments, start = [], 0.0
    for s in sentences:
        end = start + duration * len(s) / total
        segments.append(Segment(round(start, 2), round(end, 2), s))
        start = end
    return Transcript(text=text, language=language, duration=round(duration, 2), segments=segments)


# Leading bytes of the containers Whisper accepts.
def sniff_format(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):
        return "mpeg"
    return None
