"""Speech output formats: 16-bit PCM to wav, pcm (24 kHz like OpenAI's), mp3, opus, aac and flac through PyAV."""

from __future__ import annotations

import io
import wave

FORMATS = frozenset({"wav", "pcm", "mp3", "opus", "aac", "flac"})
CONTENT_TYPES = {"wav": "audio/wav", "pcm": "audio/pcm", "mp3": "audio/mpeg", "opus": "audio/ogg",
                 "aac": "audio/aac", "flac": "audio/flac"}
PCM_RATE = 24000  # OpenAI's raw pcm is 24 kHz 16-bit little-endian mono
# response_format -> (container, codec, sample rate the codec needs or None to keep the source rate)
_CODECS = {"mp3": ("mp3", "libmp3lame", None), "opus": ("ogg", "libopus", 48000), "aac": ("adts", "aac", None),
           "flac": ("flac", "flac", None)}


def _wav(pcm: bytes, rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return buffer.getvalue()


def _frames(pcm: bytes, rate: int, out_rate: int, out_format: str) -> list:
    import av
    import numpy as np

    frame = av.AudioFrame.from_ndarray(np.frombuffer(pcm, dtype="<i2").reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = rate
    resampler = av.AudioResampler(format=out_format, layout="mono", rate=out_rate)
    return [*resampler.resample(frame), *resampler.resample(None)]


def encode(pcm: bytes, rate: int, response_format: str) -> bytes:
    if response_format == "wav":
        return _wav(pcm, rate)
    if response_format == "pcm":
        return b"".join(bytes(f.planes[0])[: f.samples * 2] for f in _frames(pcm, rate, PCM_RATE, "s16"))
    import av

    container_name, codec, codec_rate = _CODECS[response_format]
    out_rate = codec_rate or rate
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container_name) as container:
        stream = container.add_stream(codec, rate=out_rate, layout="mono")
        sample_format = stream.codec_context.format.name  # e.g. fltp for aac, s16 for flac
        for frame in _frames(pcm, rate, out_rate, sample_format):
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()
