"""Audio: speech as a real WAV, transcription and translation of it, formats and validation."""

from __future__ import annotations

import io
import wave

import pytest

TEXT = "The quick brown fox jumps over the lazy dog. It was a fine morning."


def speak(sdk, text: str = TEXT, **kwargs) -> bytes:
    return sdk.audio.speech.create(model="tts", voice="alloy", input=text, response_format="wav", **kwargs).content


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.getnframes() / w.getframerate()


def test_speech_is_a_valid_wav_whose_length_follows_the_text_and_speed(sdk):
    short, long = speak(sdk, "Hello there."), speak(sdk)
    assert wav_seconds(long) > wav_seconds(short) > 0.3
    assert wav_seconds(speak(sdk, speed=2.0)) == pytest.approx(wav_seconds(long) / 2, rel=0.05)


def test_speech_without_a_format_is_wav_and_mp3_is_refused(post, sdk):
    default = post("tts", "audio/speech", {"input": "hi", "voice": "nova"})
    assert default.status_code == 200 and default.headers["content-type"] == "audio/wav"
    assert wav_seconds(default.content) > 0
    mp3 = post("tts", "audio/speech", {"input": "hi", "voice": "nova", "response_format": "mp3"})
    assert mp3.status_code == 400 and "not supported by the simulated backend" in mp3.json()["error"]["message"]
    pcm = post("tts", "audio/speech", {"input": "hi", "voice": "nova", "response_format": "pcm"})
    assert pcm.headers["content-type"] == "audio/pcm" and len(pcm.content) % 2 == 0


@pytest.mark.parametrize(("body", "param"), [({"input": "hi", "voice": "robot"}, "voice"),
                                             ({"voice": "alloy"}, "input"),
                                             ({"input": "x" * 4097, "voice": "alloy"}, "input"),
                                             ({"input": "hi", "voice": "alloy", "speed": 5}, "speed")])
def test_invalid_speech_requests_are_400(post, body, param):
    response = post("tts", "audio/speech", body)
    assert response.status_code == 400 and response.json()["error"]["param"] == param


def test_speech_round_trips_through_transcription(sdk):
    audio = speak(sdk)
    transcript = sdk.audio.transcriptions.create(model="whisper", file=("speech.wav", audio))
    assert transcript.text == TEXT
    verbose = sdk.audio.transcriptions.create(model="whisper", file=("speech.wav", audio),
                                                 response_format="verbose_json")
    assert verbose.language == "english" and verbose.duration == pytest.approx(wav_seconds(audio), abs=0.01)
    segments = verbose.segments
    assert [s.text.strip() for s in segments] == ["The quick brown fox jumps over the lazy dog.",
                                                  "It was a fine morning."]
    assert segments[0].start == 0 and segments[-1].end == pytest.approx(verbose.duration, abs=0.02)


def test_text_srt_and_vtt_formats(sdk):
    audio = speak(sdk)
    text = sdk.audio.transcriptions.create(model="whisper", file=("a.wav", audio), response_format="text")
    assert text.strip() == TEXT
    srt = sdk.audio.transcriptions.create(model="whisper", file=("a.wav", audio), response_format="srt")
    assert srt.startswith("1\n00:00:00,000 --> ")
    vtt = sdk.audio.transcriptions.create(model="whisper", file=("a.wav", audio), response_format="vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> ")


def test_unknown_audio_is_transcribed_deterministically_from_its_bytes(sdk, http, engine):
    mp3 = b"ID3\x03\x00\x00\x00" + bytes(range(256)) * 200
    first = sdk.audio.transcriptions.create(model="whisper", file=("clip.mp3", mp3))
    again = sdk.audio.transcriptions.create(model="whisper", file=("clip.mp3", mp3))
    assert first.text == again.text and len(first.text.split()) >= 3
    translated = http.post("/openai/deployments/whisper/audio/translations", params={"api-version": "2024-10-21"},
                           files={"file": ("clip.mp3", mp3)}, data={"response_format": "verbose_json"},
                           headers=engine.api_headers)
    assert translated.json()["task"] == "translate" and translated.json()["language"] == "english"
    assert translated.json()["duration"] == pytest.approx(len(mp3) * 8 / 128_000, abs=0.01)  # size at 128 kbit/s


@pytest.mark.parametrize(("name", "data"), [("notes.txt", b"hello"), ("clip.mp3", b"plain text, not audio")])
def test_files_that_are_not_audio_are_refused(post, engine, http, name, data):
    response = http.post("/openai/deployments/whisper/audio/transcriptions", params={"api-version": "2024-10-21"},
                         files={"file": (name, data)}, headers=engine.api_headers)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Invalid file format. Supported formats:")


def test_missing_file_is_400(http, engine):
    response = http.post("/openai/deployments/whisper/audio/transcriptions", params={"api-version": "2024-10-21"},
                         files={"prompt": (None, "x")}, headers=engine.api_headers)
    assert response.status_code == 400 and response.json()["error"]["param"] == "file"
