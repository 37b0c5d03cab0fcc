"""Audio against the engine over real HTTP: speech made by the engine comes back through transcription as the same
text; every response format; the upload limit is enforced before anything goes upstream."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from playground.kinds import audio
from studio.upstream import media
from studio.usage.models import UsageRecord
from tests.playground_kinds.conftest import post_json

SENTENCE = "The quick brown fox jumps over the lazy dog."


def _speak(client, deployment, text=SENTENCE, **fields):
    return post_json(client, "/playground/audio/speech/", {"deployment": deployment.pk, "input": text,
                                                           "voice": "nova", "response_format": "wav", **fields})


def _transcribe(client, deployment, data: bytes, name="speech.wav", **fields):
    return client.post("/playground/audio/transcribe/",
                       {"deployment": deployment.pk, "file": SimpleUploadedFile(name, data, "audio/wav"), **fields})


def test_speech_comes_back_through_transcription_as_the_same_text(kinds, developer, flushed_usage):
    spoken = _speak(developer, kinds["voice"], speed=1.25)
    assert spoken.status_code == 200, spoken.content
    assert spoken["Content-Type"] == "audio/wav" and spoken.content[:4] == b"RIFF"
    assert spoken["X-Studio-Characters"] == str(len(SENTENCE))
    assert Decimal(spoken["X-Studio-Cost"]) == Decimal(15) * len(SENTENCE) / 1_000_000

    heard = _transcribe(developer, kinds["whisper"], spoken.content, response_format="verbose_json",
                        granularities=["segment", "word"])
    assert heard.status_code == 200, heard.content
    result = heard.json()
    assert result["text"].strip() == SENTENCE
    assert result["body"]["segments"] and result["body"]["segments"][0]["start"] == 0
    assert result["seconds"] == result["body"]["duration"] > 0
    speech, transcription = flushed_usage()
    assert speech.kind == UsageRecord.Kind.SPEECH and speech.characters == len(SENTENCE)
    assert transcription.kind == UsageRecord.Kind.TRANSCRIPTION
    assert transcription.audio_seconds == result["seconds"] and transcription.cost > 0
    assert SENTENCE not in str(vars(speech)) + str(vars(transcription))


def test_every_response_format_and_translation(kinds, developer, flushed_usage):
    wav = _speak(developer, kinds["voice"]).content
    for fmt, expect in (("json", SENTENCE), ("text", SENTENCE), ("srt", "00:00:00,000 --> "),
                        ("vtt", "WEBVTT")):
        answer = _transcribe(developer, kinds["whisper"], wav, response_format=fmt)
        assert answer.status_code == 200, (fmt, answer.content)
        assert expect in answer.json()["text"], fmt
    translated = _transcribe(developer, kinds["whisper"], wav, task="translate", response_format="json")
    assert translated.json()["task"] == "translate" and translated.json()["text"].strip() == SENTENCE
    records = flushed_usage()
    assert records[-1].kind == UsageRecord.Kind.TRANSLATION
    # A text format says no duration: the WAV header gives the seconds billed.
    assert records[2].audio_seconds == records[1].audio_seconds == audio.wav_seconds(wav)


def test_a_file_over_the_limit_is_refused_before_it_is_sent(kinds, developer, monkeypatch, flushed_usage):
    def never(*args, **kwargs):
        raise AssertionError("the file went upstream")

    monkeypatch.setattr(media, "audio_transcribe", never)
    big = b"RIFF" + b"\0" * audio.UPLOAD_LIMIT
    answer = _transcribe(developer, kinds["whisper"], big, name="long.wav")
    assert answer.status_code == 413
    error = answer.json()["error"]
    assert error["param"] == "file" and "25.0 MB" in error["message"] and "Nothing was sent" in error["message"]
    assert flushed_usage() == []


def test_bad_input_is_refused_with_a_reason(kinds, developer):
    wav = _speak(developer, kinds["voice"]).content
    assert _transcribe(developer, kinds["whisper"], wav, name="notes.txt").json()["error"]["param"] == "file"
    assert _transcribe(developer, kinds["whisper"], wav, temperature="3").json()["error"]["param"] == "temperature"
    assert _transcribe(developer, kinds["voice"], wav).json()["error"]["param"] == "deployment"
    assert _speak(developer, kinds["voice"], voice="robot").json()["error"]["param"] == "voice"
    assert _speak(developer, kinds["voice"], text="x" * 4097).status_code == 400
    # The engine's simulated voice has no mp3 encoder: its own refusal comes through, named.
    mp3 = _speak(developer, kinds["voice"], response_format="mp3")
    assert mp3.status_code == 400 and mp3.json()["error"]["code"] == "unsupported_value"


def test_the_page_warns_of_english_only_local_whisper_and_prices_before_sending(kinds, client_as, viewer_user):
    viewer = client_as(viewer_user)
    page = viewer.get("/playground/audio/")
    assert page.status_code == 200
    assert b"understands English only" in page.content
    data = page.context["page_data"]
    voice = next(d for d in data["deployments"] if d["name"] == "voice")
    whisper = next(d for d in data["deployments"] if d["name"] == "whisper")
    assert voice["speech"] and voice["per_million_characters"] == "15.00000000" and voice["local"]
    assert not whisper["speech"] and Decimal(whisper["per_second"]) > 0
    assert _speak(viewer, kinds["voice"]).status_code == 403


def test_view_code_names_the_file_and_leaves_the_key_out(kinds, developer, engine):
    answer = post_json(developer, "/playground/audio/code/", {
        "deployment": kinds["whisper"].pk, "operation": "audio/transcriptions", "filename": "meeting.m4a",
        "body": {"response_format": "verbose_json", "timestamp_granularities": ["segment"]}})
    samples = answer.json()
    assert 'file=open("meeting.m4a", "rb")' in samples["python"]
    assert "file=@meeting.m4a" in samples["curl"]
    assert engine.api_key not in str(samples)


@pytest.mark.parametrize(("model", "speech"), [
    ("tts", True), ("tts-hd", True), ("gpt-4o-mini-tts", True), ("piper-en-us-joe", True),
    ("whisper", False), ("whisper-tiny.en", False), ("gpt-4o-transcribe", False), ("gpt-4o-mini-transcribe", False),
])
def test_speech_and_transcription_models_are_told_apart(model, speech):
    assert audio.is_speech_model(model) is speech


def test_a_sessions_audio_is_kept_once_and_plays_again_for_its_owner_or_a_share(kinds, developer, developer_user,
                                                                               make_user, settings):
    from django.test import Client

    from playground.models import PlaygroundSession, StoredAudio
    from studio.accounts import roles

    session = PlaygroundSession.objects.create(owner=developer_user, kind="audio", title="Foxes")
    spoken = _speak(developer, kinds["voice"], session=session.pk)
    speech_url = spoken["X-Studio-Audio-Url"]
    heard = _transcribe(developer, kinds["whisper"], spoken.content, session=session.pk).json()
    again = _transcribe(developer, kinds["whisper"], spoken.content, session=session.pk).json()
    assert heard["source_audio"] == again["source_audio"]  # the same file in the same session is kept once
    kept = {a.role: a for a in StoredAudio.objects.filter(session=session)}
    assert set(kept) == {"source", "speech"} and kept["source"].name == "speech.wav"
    assert speech_url == kept["speech"].get_absolute_url()
    for url in (speech_url, heard["source_audio"]["url"]):
        played = developer.get(url)
        assert played.status_code == 200 and b"".join(played.streaming_content) == spoken.content
    assert developer.get(speech_url + "?download=1")["Content-Disposition"].startswith("attachment")

    other = Client()
    other.force_login(make_user("otto", roles.DEVELOPER))
    assert other.get(speech_url).status_code == 403
    session.share()
    session.save()
    assert other.get(speech_url).status_code == 200
    # Deleting the session deletes its audio, files included.
    files = [settings.VAR_DIR / "media" / a.path for a in kept.values()]
    assert all(f.stat().st_mode & 0o777 == 0o600 and f.parent.stat().st_mode & 0o777 == 0o700 for f in files)
    assert developer.post(f"/playground/sessions/{session.pk}/delete/").status_code == 302
    assert not StoredAudio.objects.exists() and not any(f.exists() for f in files)
    assert developer.get(speech_url).status_code == 404


def test_audio_outside_a_session_is_not_kept(kinds, developer):
    from playground.models import StoredAudio

    spoken = _speak(developer, kinds["voice"])
    assert "X-Studio-Audio-Url" not in spoken
    heard = _transcribe(developer, kinds["whisper"], spoken.content, session="not a number").json()
    assert "source_audio" not in heard and not StoredAudio.objects.exists()
