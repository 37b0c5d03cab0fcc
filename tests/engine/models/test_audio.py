"""Piper speech through onnxruntime and Whisper tiny.en through faster-whisper, with the official SDK."""

from __future__ import annotations

import io
import re
import wave

import openai
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.models]
SENTENCE = "The quick brown fox jumps over the lazy dog."
MAGIC = {"mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"), "opus": (b"OggS",), "flac": (b"fLaC",),
         "aac": (b"\xff\xf1", b"\xff\xf9")}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


@pytest.fixture(scope="module")
def spoken(real_sdk) -> bytes:
    return real_sdk.audio.speech.create(model="tts", voice="alloy", input=SENTENCE, response_format="wav").content


def test_speech_is_a_real_wav_of_the_sentence_length(spoken):
    with wave.open(io.BytesIO(spoken)) as w:
        seconds = w.getnframes() / w.getframerate()
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
    assert 1.5 < seconds < 6


def test_a_spoken_sentence_transcribes_back_to_the_same_words(real_sdk, spoken):
    transcript = real_sdk.audio.transcriptions.create(model="whisper", file=("speech.wav", spoken))
    assert _words(transcript.text) == _words(SENTENCE)


def test_verbose_json_has_segments_and_word_timestamps(real_sdk, spoken):
    result = real_sdk.audio.transcriptions.create(model="whisper", file=("speech.wav", spoken),
                                                  response_format="verbose_json",
                                                  timestamp_granularities=["word", "segment"])
    assert result.segments and result.segments[0].end > result.segments[0].start
    assert [_words(w.word)[0] for w in result.words if _words(w.word)] == _words(SENTENCE)
    assert result.duration > 1


def test_subtitles_come_as_srt_and_vtt(real_sdk, spoken):
    srt = real_sdk.audio.transcriptions.create(model="whisper", file=("speech.wav", spoken), response_format="srt")
    vtt = real_sdk.audio.transcriptions.create(model="whisper", file=("speech.wav", spoken), response_format="vtt")
    assert re.search(r"00:00:00,000 --> 00:00:0\d,\d{3}", srt) and "fox" in srt.lower()
    assert vtt.startswith("WEBVTT") and "fox" in vtt.lower()


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac"])
def test_compressed_speech_formats_decode_back_to_the_words(real_sdk, fmt):
    audio = real_sdk.audio.speech.create(model="tts", voice="nova", input=SENTENCE, response_format=fmt).content
    assert audio.startswith(MAGIC[fmt]), audio[:8]
    name = {"opus": "speech.ogg", "aac": "speech.mp4"}.get(fmt, f"speech.{fmt}")
    if fmt != "aac":  # an ADTS stream is not among the upload formats Azure accepts
        heard = set(_words(real_sdk.audio.transcriptions.create(model="whisper", file=(name, audio)).text))
        said = set(_words(SENTENCE))
        # Lossy codecs may cost tiny.en a word (mp3 once turned a short "hello" into "below"); most must survive.
        assert len(heard & said) >= 0.8 * len(said), (sorted(heard), sorted(said))


def test_pcm_is_raw_24khz_samples_and_speed_shortens_speech(real_sdk):
    normal = real_sdk.audio.speech.create(model="tts", voice="alloy", input=SENTENCE, response_format="pcm").content
    fast = real_sdk.audio.speech.create(model="tts", voice="alloy", input=SENTENCE, response_format="pcm",
                                        speed=2.0).content
    assert 1.5 < len(normal) / 2 / 24000 < 6
    assert len(fast) < len(normal) * 0.7


@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")  # the SDK marks translations deprecated
def test_translation_is_refused_by_the_english_only_model(real_sdk, spoken):
    with pytest.raises(openai.BadRequestError) as refused:
        real_sdk.audio.translations.create(model="whisper", file=("speech.wav", spoken))
    assert "English-only" in refused.value.body["message"]
