"""The completions, embeddings, images and audio playgrounds in Chromium, against the engine over real HTTP:
the embeddings heat map, an image generation, and the audio round trip (speech made, then transcribed)."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from playground.kinds import stored
from playground.models import StoredAudio, StoredImage
from studio.accounts import roles
from tests.playground_kinds.engine_kinds import engine_with_kinds, studio_deployments

SENTENCE = "Studio speaks and listens."


@pytest.fixture(scope="module")
def engine():
    with engine_with_kinds() as server:
        yield server


@pytest.fixture
def seeded_prices(site):
    """The seed prices, again when an earlier browser test's flush emptied what the data migrations wrote."""
    from studio.estimator.models import Price

    if not Price.objects.exists():
        import_module("studio.estimator.migrations.0002_seed_prices").seed(apps, None)
        import_module("studio.estimator.migrations.0005_seed_prices_2026").forward(apps, None)


@pytest.fixture
def developer_page(site, engine, make_user, sign_in, seeded_prices):
    studio_deployments(engine)
    make_user("dana", roles.DEVELOPER)
    yield sign_in("dana")
    # The site's process kept pictures and audio under var/: remove them with their rows.
    stored.files_delete(StoredImage.objects.all())
    stored.files_delete(StoredAudio.objects.all())


def test_the_embeddings_heat_map(developer_page, site):
    page = developer_page
    page.goto(f"{site}/playground/embeddings/")
    page.fill("#inputs", "The cat sat on the mat.\nA kitten rests on a rug.\nQuarterly revenue grew by four percent.")
    page.fill("#query", "a small cat")
    page.click("#send")
    expect(page.locator("#heatmap td.heat")).to_have_count(9)
    for i in range(3):
        expect(page.locator(f'#heatmap td[data-i="{i}"][data-j="{i}"]')).to_have_text("1.000")
    assert page.locator('#heatmap td[data-i="0"][data-j="1"]').inner_text() == \
        page.locator('#heatmap td[data-i="1"][data-j="0"]').inner_text()
    expect(page.locator("#nearest li")).to_have_count(3)
    expect(page.locator("#vectors tbody tr")).to_have_count(3)
    expect(page.locator("#session-status")).to_have_text("Saved")
    page.reload()  # the session re-opens with its result
    expect(page.locator("#heatmap td.heat")).to_have_count(9)
    expect(page.locator("#inputs")).to_have_value(
        "The cat sat on the mat.\nA kitten rests on a rug.\nQuarterly revenue grew by four percent.")


def test_an_image_generation(developer_page, site):
    page = developer_page
    page.goto(f"{site}/playground/images/")
    expect(page.locator("#unit-cost")).to_have_text("$0.0440")
    page.select_option("#size", "1792x1024")
    expect(page.locator("#unit-cost")).to_have_text("$0.0880")
    page.fill("#prompt", "A watercolour of a lighthouse at dawn")
    page.click("#send")
    latest = page.locator(".image-latest img")
    expect(latest).to_be_visible(timeout=20_000)
    page.wait_for_function("() => document.querySelector('.image-latest img').naturalWidth === 1792")
    expect(page.locator(".image-latest .revised-prompt")).to_contain_text("Revised prompt")
    expect(page.locator("#gallery figure")).to_have_count(1)
    with page.expect_download() as download:
        page.locator(".image-latest a:has-text('Download')").click()
    assert download.value.suggested_filename.endswith(".png")

    page.fill("#prompt", "engine-test-violence-high at the harbour")
    page.click("#send")
    expect(page.locator("#error")).to_contain_text("Violence (high)")
    expect(page.locator("#prompt")).to_have_value("engine-test-violence-high at the harbour")


def test_the_audio_round_trip(developer_page, site):
    page = developer_page
    page.goto(f"{site}/playground/audio/")
    expect(page.locator("#local-note")).to_be_visible()  # the local Whisper is English only
    page.fill("#speech-text", SENTENCE)
    expect(page.locator("#speech-count")).to_contain_text(f"{len(SENTENCE)} / 4096 characters")
    expect(page.locator("#speech-count")).to_contain_text("$0.000")
    page.select_option("#speech-format", "wav")
    page.click("#speak")
    expect(page.locator("#speech-result")).to_be_visible(timeout=20_000)
    expect(page.locator("#tts-figures")).to_contain_text(f"{len(SENTENCE)} characters")
    page.click("#speech-to-stt")
    page.select_option("#response_format", "verbose_json")
    page.click("#transcribe")
    segment = page.locator("#transcript .segment").first
    expect(segment).to_contain_text(SENTENCE, timeout=20_000)
    expect(page.locator("#stt-figures")).to_contain_text("s of audio")
    segment.click()  # plays the audio from the segment's start
    page.wait_for_function("() => !document.getElementById('source-player').paused || "
                           "document.getElementById('source-player').currentTime >= 0")

    # Reopened, the session plays its speech and its transcribed audio again: Studio kept both.
    expect(page.locator("#session-status")).to_have_text("Saved")
    page.goto(page.url)
    expect(page.locator("#transcript .segment").first).to_contain_text(SENTENCE)
    expect(page.locator("#speech-result")).to_be_visible()
    page.wait_for_function("() => document.getElementById('source-player').src.startsWith('blob:') && "
                           "document.getElementById('speech-player').src.startsWith('blob:')")
    expect(page.locator("#source-name")).to_have_text("speech.wav (kept with this session)")
    page.locator("#transcript .segment").first.click()
    page.wait_for_function("() => document.getElementById('source-player').duration > 0")


def test_completions_stream_and_show_token_probabilities(developer_page, site):
    page = developer_page
    page.goto(f"{site}/playground/completions/")
    page.select_option("#deployment", label=page.locator("#deployment option", has_text="instruct").inner_text())
    page.fill("#prompt", "# Python: count to 5 in a for loop\n")
    page.click("#send")  # streamed
    expect(page.locator("#figures")).to_contain_text("completion tokens")
    assert page.locator(".completion-text").inner_text().strip()
    page.fill("#logprobs", "3")
    page.click("#send")  # one whole answer, with every token's probabilities
    token = page.locator(".lp-tokens .lp").first
    expect(token).to_be_visible()
    token.hover()
    expect(token.locator(".lp-alts")).to_be_visible()
    expect(token.locator(".lp-alt")).to_have_count(3)

    page.select_option("#deployment", label=page.locator("#deployment option", has_text="gpt-4o-mini").inner_text())
    expect(page.locator("#deployment-note")).to_contain_text("chat model")
    page.click("#send")
    expect(page.locator("#error")).to_contain_text("does not work with the specified model")
    expect(page.locator("#error a[href*='/playground/chat/?deployment=']")).to_be_visible()
