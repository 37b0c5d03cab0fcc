"""The model registry: every model of the 2026 reference, name matching as tiktoken does it, lifecycles by date."""

from datetime import date

import pytest

from shared_rules.errors import EstimatorError, UnknownModel
from shared_rules.models import GROUPS, REGISTRY
from shared_rules.tokens import count_text, encoding_name_for_model, get_encoding, tokenizer_note

TODAY = date(2026, 12, 2)
REFERENCE_MODELS = [
    "gpt-6-astra", "gpt-6-sol", "gpt-6-luna", "gpt-6.1-sol", "gpt-6.1-terra", "gpt-5.6-sol", "gpt-5.6-terra",
    "gpt-5.6-luna", "gpt-5.5", "gpt-5.4", "gpt-5.4-pro", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.3-codex", "gpt-5.2",
    "gpt-5.2-codex", "gpt-5.1", "gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5.1-codex-max", "gpt-5", "gpt-5-mini",
    "gpt-5-nano", "gpt-5-pro", "gpt-5-codex", "gpt-5-chat", "gpt-5.1-chat", "gpt-5.2-chat", "gpt-5.3-chat",
    "gpt-chat-latest", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o", "gpt-4o-mini", "o1", "o1-mini", "o3",
    "o3-mini", "o3-pro", "o4-mini", "codex-mini", "gpt-35-turbo", "gpt-35-turbo-instruct", "gpt-4-turbo",
    "gpt-oss-120b", "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002", "dall-e-3",
    "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.5-sunburst",
    "whisper", "gpt-4o-transcribe", "gpt-4o-transcribe-diarize", "gpt-4o-mini-transcribe", "tts", "tts-hd",
    "gpt-4o-mini-tts",
]


@pytest.mark.parametrize("name", REFERENCE_MODELS)
def test_the_registry_knows_every_model_of_the_reference(name):
    info = REGISTRY.find(name)
    assert info is not None and info.name == name
    assert info.lifecycle.status in ("ga", "preview", "deprecated", "retired") and info.source


@pytest.mark.parametrize(
    "given, found",
    [("gpt-5.4-mini-2026-03-17", "gpt-5.4-mini"), ("GPT-5.6-Terra", "gpt-5.6-terra"), ("gpt-4o-2024-05-13", "gpt-4o"),
     ("gpt-3.5-turbo-0125", "gpt-35-turbo"), ("ft:gpt-4.1-mini-2025-04-14:acme::x1", "gpt-4.1-mini"),
     ("gpt-4o-mini-2024-07-18.ft-abc", "gpt-4o-mini"), ("o4-mini-2025-04-16", "o4-mini"),
     ("gpt-4-1106-preview", "gpt-4"), ("tts-1-hd", "tts-hd"), ("whisper-001", "whisper")],
)
def test_dated_versions_fine_tunes_and_other_spellings_find_their_model(given, found):
    assert REGISTRY.find(given).name == found


@pytest.mark.parametrize("name", ["gpt-5.7-mini", "gpt-5.9", "gpt-4.5-preview", "o3-deep-research"])
def test_names_the_registry_lacks_count_by_tiktokens_prefixes(name):
    assert REGISTRY.find(name) is None
    assert encoding_name_for_model(name) == "o200k_base"


def test_every_text_model_has_a_bundled_tokenizer_or_says_it_is_approximate():
    for info in REGISTRY.models:
        if info.encoding is None:
            assert info.kind in ("image", "transcription", "speech"), info.name
            continue
        get_encoding(info.encoding)  # bundled: no download
        if info.family == "gpt-6":
            assert "not published" in info.tokenizer_note and "o200k_base" in info.tokenizer_note


def test_gpt_6_is_counted_and_said_to_be_approximate_never_refused():
    assert encoding_name_for_model("gpt-6-sol-2026-09-22") == "o200k_base"
    assert "not published" in tokenizer_note("gpt-6-sol")
    assert "not published" in tokenizer_note("gpt-6.5-nova")  # a GPT-6 the registry has not heard of yet
    assert tokenizer_note("gpt-5.4") is None and tokenizer_note("gpt-5.9") is None
    assert count_text("hello world", "gpt-6-luna").tokens == 2


def test_models_that_take_no_text_say_so():
    with pytest.raises(EstimatorError, match="takes no text"):
        encoding_name_for_model("dall-e-3")


@pytest.mark.parametrize("name", ["llama-3", "gpt-4oo", "gpt2", "claude-5"])
def test_unknown_names_are_still_refused(name):
    with pytest.raises(UnknownModel):
        encoding_name_for_model(name)


@pytest.mark.parametrize(
    "name, group",
    [("gpt-5.4", "current"), ("gpt-6-sol", "current"), ("o3-pro", "current"), ("gpt-4o", "retired"),
     ("gpt-4.1", "retired"), ("o4-mini", "retired"), ("codex-mini", "retired"), ("gpt-chat-latest", "retired"),
     ("dall-e-3", "retired"), ("gpt-35-turbo", "retired"), ("gpt-5.2", "current")],
)
def test_a_retirement_date_that_has_passed_retires_the_model(name, group):
    # The reference (2026-11-30) warns that several published dates are past: those models are retired.
    assert REGISTRY.find(name).group(TODAY) == group


def test_deprecated_models_before_their_date_are_deprecated():
    assert REGISTRY.find("gpt-4o").group(date(2026, 6, 1)) == "deprecated"
    assert REGISTRY.find("gpt-5.2").group(date(2026, 12, 12)) == "retired"


def test_a_retired_model_names_its_date_and_successor():
    note = REGISTRY.find("gpt-4o-mini").lifecycle_note(TODAY)
    assert note == ("gpt-4o-mini is retired since 1 Oct 2026; requests to its deployments fail; its successor is "
                    "gpt-4.1-mini")
    assert REGISTRY.find("gpt-5.4").lifecycle_note(TODAY) is None


def test_pickers_group_models_as_current_deprecated_and_retired():
    groups = REGISTRY.grouped(TODAY, kinds=("chat",))
    assert list(groups) == list(GROUPS)
    assert "gpt-5.4-mini" in [m.name for m in groups["current"]]
    assert "gpt-4o" in [m.name for m in groups["retired"]]
    assert not any(m.kind != "chat" for ms in groups.values() for m in ms)


@pytest.mark.parametrize(
    "name, methods, types",
    [("gpt-4.1", ("supervised", "dpo"), ("Standard", "DataZone", "GlobalStandard", "Developer")),
     ("gpt-4o-mini", ("supervised",), ("Standard", "DataZone", "GlobalStandard", "Developer")),
     ("o4-mini", ("reinforcement",), ("Standard", "DataZone", "GlobalStandard")),
     ("gpt-5", ("reinforcement",), ("Standard", "DataZone", "GlobalStandard", "Developer"))],
)
def test_fine_tunable_models_carry_their_methods_and_deployment_types(name, methods, types):
    tuning = REGISTRY.find(name).fine_tuning
    assert (tuning.methods, tuning.deployment_types) == (methods, types)


@pytest.mark.parametrize(
    "name, context, max_output",
    [("gpt-5.4", 1_050_000, 128_000), ("gpt-5.4-mini", 400_000, 128_000), ("gpt-4.1", 1_047_576, 32_768),
     ("o3", 200_000, 100_000), ("gpt-4o-mini", 128_000, 16_384), ("gpt-35-turbo", 16_385, 4_096)],
)
def test_context_windows_and_maximum_outputs(name, context, max_output):
    info = REGISTRY.find(name)
    assert (info.context, info.max_output) == (context, max_output)
