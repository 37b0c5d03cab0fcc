"""The models the estimator ships with, from shared/reference/models-and-prices-2026.md (research of 2026-11-30).

Source keys as in the reference: MD-models (Microsoft's models page, 2026-04-24), MD-ret (retirement schedule,
2026-07-07), MD-ret-2025, MD-dalle, MD-ft (fine-tunable models, 2026-03-05), LL (litellm 1.110.2), TK (tiktoken
0.14.0), OAI-models. A retirement date that has passed makes a model retired, whatever its published status.
"""

from __future__ import annotations

from datetime import date

from shared_rules import image_rules as rules
from shared_rules.models import FineTuning, Lifecycle, ModelInfo

O200K, CL100K = "o200k_base", "cl100k_base"
GPT_6_TOKENIZER = (
    "GPT-6's tokenizer is not published (tiktoken 0.14.0 has no gpt-6 entry): counted with o200k_base, the "
    "encoding of every GPT-5 model, so the count is approximate"
)
CHAT_LATEST_TOKENIZER = "gpt-chat-latest's tokenizer is not published: counted with o200k_base (approximate)"
FT_ALL = ("Standard", "DataZone", "GlobalStandard", "Developer")


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _life(status: str, retires: str | None = None, successor: str | None = None, source: str = "MD-ret") -> Lifecycle:
    return Lifecycle(status, _d(retires) if retires else None, successor, source)


def _model(name: str, family: str, **fields) -> ModelInfo:
    fields.setdefault("source", "MD-models, MD-ret")
    return ModelInfo(name, family, **fields)


def _chat(name: str, family: str, *, context: int, max_output: int, life: Lifecycle, versions: tuple[str, ...] = (),
          vision: bool = True, rule: rules.ImageRule | None = None, max_input: int | None = None, **more) -> ModelInfo:
    return ModelInfo(name=name, family=family, context=context, max_input=max_input, max_output=max_output,
                     vision=vision, image_rule=rule if vision else None, lifecycle=life, versions=versions,
                     source=more.pop("source", "MD-models, MD-ret"), **more)


def _gpt6(name: str, version: str, retires: str) -> ModelInfo:
    return _chat(name, "gpt-6", context=1_050_000, max_input=922_000, max_output=128_000, versions=(version,),
                 life=_life("ga", retires, source="LL (deprecation date)"), rule=rules.GPT_56_PATCHES,
                 tokenizer_note=GPT_6_TOKENIZER, source="LL, MD-tier1, OAI-models")


_SMALL_5 = {"context": 400_000, "max_input": 272_000, "max_output": 128_000}
_BIG_5 = {"context": 1_050_000, "max_input": 922_000, "max_output": 128_000}

MODELS: list[ModelInfo] = [
    # --- GPT-6 (tokenizer not published) ---
    _gpt6("gpt-6-astra", "2026-09-03", "2028-01-11"),
    _gpt6("gpt-6-sol", "2026-09-22", "2028-03-11"),
    _gpt6("gpt-6-luna", "2026-09-22", "2028-03-11"),
    _gpt6("gpt-6.1-sol", "2026-09-29", "2028-03-11"),
    _gpt6("gpt-6.1-terra", "2026-09-29", "2028-03-11"),
    # --- GPT-5 family (o200k_base: tiktoken's "gpt-5" prefix has no dash) ---
    *[_chat(f"gpt-5.6-{tier}", "gpt-5", **_BIG_5, versions=("2026-07-09",), rule=rules.GPT_56_PATCHES,
            life=_life("ga", "2028-01-11", source="LL"), source="LL, MD-tier1")
      for tier in ("sol", "terra", "luna")],
    _chat("gpt-5.5", "gpt-5", **_BIG_5, versions=("2026-04-24",), rule=rules.GPT_55_PATCHES,
          life=_life("ga", "2027-04-23")),
    _chat("gpt-5.4", "gpt-5", **_BIG_5, versions=("2026-03-05",), rule=rules.GPT_54_PATCHES,
          life=_life("ga", "2027-03-05")),
    _chat("gpt-5.4-pro", "gpt-5", **_BIG_5, versions=("2026-03-05",), rule=rules.GPT_54_PATCHES,
          life=_life("ga", "2027-03-06"), kind="responses"),
    _chat("gpt-5.4-mini", "gpt-5", **_SMALL_5, versions=("2026-03-17",), rule=rules.GPT_5_MINI_PATCHES,
          life=_life("ga", "2027-03-18")),
    _chat("gpt-5.4-nano", "gpt-5", **_SMALL_5, versions=("2026-03-17",), rule=rules.GPT_54_NANO_PATCHES,
          life=_life("ga", "2027-03-18")),
    _chat("gpt-5.3-codex", "gpt-5", **_SMALL_5, versions=("2026-02-24",), rule=rules.GPT_52_PATCHES,
          life=_life("ga", "2027-02-25"), kind="responses"),
    _chat("gpt-5.2", "gpt-5", **_SMALL_5, versions=("2025-12-11",), rule=rules.GPT_52_PATCHES,
          life=_life("ga", "2026-12-12")),
    _chat("gpt-5.2-codex", "gpt-5", **_SMALL_5, versions=("2026-01-14",), rule=rules.GPT_52_PATCHES,
          life=_life("ga", "2027-01-14"), kind="responses"),
    _chat("gpt-5.1", "gpt-5", **_SMALL_5, versions=("2025-11-13",), rule=rules.GPT_5_TILES,
          life=_life("ga", "2027-05-15"), notes=("image rule assumed as gpt-5's: the guide does not list gpt-5.1",)),
    _chat("gpt-5.1-codex", "gpt-5", **_SMALL_5, versions=("2025-11-13",), rule=rules.GPT_52_PATCHES,
          life=_life("ga", "2027-05-15"), kind="responses"),
    _chat("gpt-5.1-codex-mini", "gpt-5", **_SMALL_5, versions=("2025-11-13",), rule=rules.GPT_52_PATCHES,
          life=_life("ga", "2027-05-15"), kind="responses"),
    _chat("gpt-5.1-codex-max", "gpt-5", **_SMALL_5, versions=("2025-12-04",), rule=rules.GPT_52_PATCHES,
          life=_life("ga", "2026-12-05"), kind="responses"),
    _chat("gpt-5", "gpt-5", **_SMALL_5, versions=("2025-08-07",), rule=rules.GPT_5_TILES,
          life=_life("ga", "2027-02-06"),
          fine_tuning=FineTuning(("reinforcement",), FT_ALL, "gated: by invitation only (MD-ft)")),
    _chat("gpt-5-mini", "gpt-5", **_SMALL_5, versions=("2025-08-07",), rule=rules.GPT_5_MINI_PATCHES,
          life=_life("ga", "2027-02-06")),
    _chat("gpt-5-nano", "gpt-5", **_SMALL_5, versions=("2025-08-07",), rule=rules.GPT_5_NANO_PATCHES,
          life=_life("ga", "2027-02-06")),
    _chat("gpt-5-pro", "gpt-5", **_SMALL_5, versions=("2025-10-06",), rule=rules.GPT_5_TILES,
          life=_life("ga", "2027-04-07"), kind="responses",
          notes=("image rule assumed as gpt-5's: the guide does not list gpt-5-pro",)),
    _chat("gpt-5-codex", "gpt-5", **_SMALL_5, versions=("2025-09-15",), rule=rules.GPT_52_PATCHES,
          life=_life("ga", "2027-03-17"), kind="responses"),
    _chat("gpt-5-chat", "gpt-5", context=128_000, max_output=16_384, versions=("2025-08-07", "2025-10-03"),
          rule=rules.GPT_5_TILES, life=_life("retired", "2026-05-13", "gpt-chat-latest")),
    *[_chat(f"gpt-5.{minor}-chat", "gpt-5", context=128_000, max_input=111_616, max_output=16_384, vision=False,
            life=_life("retired", "2026-06-29", "gpt-chat-latest")) for minor in (1, 2, 3)],
    _chat("gpt-chat-latest", "gpt-5", context=128_000, max_output=128_000, versions=("2026-05-05",),
          rule=rules.GPT_5_TILES, life=_life("preview", "2026-11-05", source="MD-ret"),
          tokenizer_note=CHAT_LATEST_TOKENIZER, source="MD-ret, LL (context uncertain)"),
    # --- GPT-4.1, GPT-4o, GPT-4, GPT-3.5 ---
    _chat("gpt-4.1", "gpt-4.1", context=1_047_576, max_output=32_768, versions=("2025-04-14",),
          rule=rules.GPT_4O_TILES, life=_life("deprecated", "2026-10-14"),
          fine_tuning=FineTuning(("supervised", "dpo"), FT_ALL),
          notes=("300,000 tokens on Standard and provisioned deployments, 128,000 on Batch (MD-models)",)),
    _chat("gpt-4.1-mini", "gpt-4.1", context=1_047_576, max_output=32_768, versions=("2025-04-14",),
          rule=rules.GPT_41_MINI_PATCHES, life=_life("deprecated", "2026-10-14"),
          fine_tuning=FineTuning(("supervised", "dpo"), FT_ALL)),
    _chat("gpt-4.1-nano", "gpt-4.1", context=1_047_576, max_output=32_768, versions=("2025-04-14",),
          rule=rules.GPT_41_NANO_PATCHES, life=_life("deprecated", "2026-10-14"),
          fine_tuning=FineTuning(("supervised", "dpo"), FT_ALL)),
    _chat("gpt-4o", "gpt-4o", context=128_000, max_output=16_384, versions=("2024-11-20", "2024-08-06", "2024-05-13"),
          rule=rules.GPT_4O_TILES, life=_life("deprecated", "2026-10-01", "gpt-5.1"),
          fine_tuning=FineTuning(("supervised", "dpo"), FT_ALL, "version 2024-08-06"),
          notes=("2024-05-13 has a maximum output of 4,096 tokens",)),
    _chat("gpt-4o-mini", "gpt-4o", context=128_000, max_output=16_384, versions=("2024-07-18",),
          rule=rules.GPT_4O_MINI_TILES, life=_life("deprecated", "2026-10-01", "gpt-4.1-mini"),
          fine_tuning=FineTuning(("supervised",), FT_ALL)),
    _chat("gpt-4-turbo", "gpt-4", context=128_000, max_output=4_096, versions=("2024-04-09",), encoding=CL100K,
          rule=rules.GPT_4O_TILES, life=_life("retired", "2025-11-14", source="MD-ret-2025")),
    _chat("gpt-4", "gpt-4", context=8_192, max_output=8_192, versions=("0613",), encoding=CL100K, vision=False,
          life=_life("retired", source="absent from every 2026 schedule (MD-ret)")),
    _chat("gpt-4-32k", "gpt-4", context=32_768, max_output=32_768, versions=("0613",), encoding=CL100K, vision=False,
          life=_life("retired", source="absent from every 2026 schedule (MD-ret)")),
    _chat("gpt-35-turbo", "gpt-3.5", context=16_385, max_output=4_096, versions=("0125", "1106"), encoding=CL100K,
          vision=False, aliases=("gpt-3.5-turbo",), life=_life("retired", "2025-11-14", "gpt-4.1-mini", "MD-ret-2025")),
    _model("gpt-35-turbo-instruct", "gpt-3.5", kind="completions", encoding=CL100K, context=4_097,
              versions=("0914",), aliases=("gpt-3.5-turbo-instruct",),
              lifecycle=_life("retired", "2025-11-11", source="MD-ret-2025"), source="MD-ret-2025"),
    # --- o-series ---
    _chat("o1", "o-series", context=200_000, max_output=100_000, versions=("2024-12-17",), rule=rules.O_SERIES_TILES,
          life=_life("deprecated", "2026-09-16")),
    _chat("o1-mini", "o-series", context=128_000, max_output=65_536, versions=("2024-09-12",), vision=False,
          life=_life("retired", "2025-11-17", source="MD-ret-2025")),
    _chat("o3", "o-series", context=200_000, max_output=100_000, versions=("2025-04-16",), rule=rules.O_SERIES_TILES,
          life=_life("ga", "2026-10-16")),
    _chat("o3-mini", "o-series", context=200_000, max_output=100_000, versions=("2025-01-31",), vision=False,
          life=_life("deprecated", "2026-10-01", "o4-mini")),
    _chat("o3-pro", "o-series", context=200_000, max_output=100_000, versions=("2025-06-10",),
          rule=rules.O_SERIES_TILES, life=_life("ga", "2026-12-10"), kind="responses",
          notes=("image rule assumed as o3's",)),
    _chat("o4-mini", "o-series", context=200_000, max_output=100_000, versions=("2025-04-16",),
          rule=rules.O4_MINI_PATCHES, life=_life("deprecated", "2026-10-16"),
          fine_tuning=FineTuning(("reinforcement",), ("Standard", "DataZone", "GlobalStandard"),
                                 "reinforcement training is billed per hour")),
    _chat("codex-mini", "o-series", context=200_000, max_output=100_000, versions=("2025-05-16",),
          rule=rules.CODEX_MINI_PATCHES, life=_life("deprecated", "2026-11-15"), kind="responses",
          notes=("tokenizer assumed o200k_base (uncertain in the reference)",)),
    # --- Open weights ---
    _model("gpt-oss-120b", "gpt-oss", context=131_072, max_output=131_072,
              tokenizer_note="", lifecycle=_life("ga"), source="MD-models, TK",
              notes=("o200k_harmony: o200k_base's ranks with chat special tokens; text counts are exact",)),
    # --- Embeddings (cl100k_base; at most 2,048 inputs a request) ---
    *[_model(name, "embeddings", kind="embeddings", encoding=CL100K, context=8_192, versions=versions,
                lifecycle=_life("ga", "2027-04-15"), source="MD-models, MD-ret", notes=(f"{dims:,} dimensions",))
      for name, dims, versions in (("text-embedding-3-small", 1536, ("1",)), ("text-embedding-3-large", 3072, ("1",)),
                                   ("text-embedding-ada-002", 1536, ("2", "1")))],
    # --- Legacy completions, fine-tunable once ---
    *[_model(name, "gpt-3", kind="completions", encoding=CL100K, context=16_384,
                lifecycle=_life("retired", "2025-01-27", source="MD retired models"), source="MD retired models")
      for name in ("babbage-002", "davinci-002")],
    # --- Image generation (prompts are text; the image input rule is GPT Image 1's) ---
    _model("dall-e-3", "image", kind="image", encoding=None,
              lifecycle=_life("retired", "2026-03-04", "gpt-image-1", "MD-dalle"), source="MD-dalle"),
    _model("gpt-image-1", "image", kind="image", image_rule=rules.GPT_IMAGE_INPUT_TILES, vision=True,
              versions=("2025-04-15",), lifecycle=_life("preview", "2026-10-23"),
              notes=("prompt up to 4,000 characters",)),
    _model("gpt-image-1-mini", "image", kind="image", image_rule=rules.GPT_IMAGE_INPUT_TILES, vision=True,
              versions=("2025-10-06",), lifecycle=_life("ga", "2027-04-07")),
    _model("gpt-image-1.5", "image", kind="image", image_rule=rules.GPT_IMAGE_INPUT_TILES, vision=True,
              versions=("2025-12-16",), lifecycle=_life("ga", "2026-12-16")),
    _model("gpt-image-2", "image", kind="image", versions=("2026-04-21",), lifecycle=_life("ga", "2027-04-21"),
              notes=("image input rule not published",)),
    *[_model(name, "image", kind="image", lifecycle=_life("ga", "2027-09-09", source="LL (deprecation date)"),
                source="MD-tier1, LL") for name in ("gpt-image-2.5-flare", "gpt-image-2.5-sunburst")],
    # --- Audio ---
    _model("whisper", "audio", kind="transcription", encoding=None, versions=("001",),
              lifecycle=_life("ga", "2026-12-15"), notes=("files up to 25 MB",)),
    _model("gpt-4o-transcribe", "audio", kind="transcription", versions=("2025-03-20",),
              lifecycle=_life("ga", "2026-10-15")),
    _model("gpt-4o-transcribe-diarize", "audio", kind="transcription", versions=("2025-10-15",),
              lifecycle=_life("ga", "2026-10-15")),
    _model("gpt-4o-mini-transcribe", "audio", kind="transcription", versions=("2025-12-15", "2025-03-20"),
              lifecycle=_life("ga", "2026-12-15")),
    _model("tts", "audio", kind="speech", encoding=None, versions=("001",), aliases=("tts-1",),
              lifecycle=_life("preview", "2026-12-15"), notes=("input up to 4,096 characters",)),
    _model("tts-hd", "audio", kind="speech", encoding=None, versions=("001",), aliases=("tts-1-hd",),
              lifecycle=_life("ga", "2026-12-15")),
    _model("gpt-4o-mini-tts", "audio", kind="speech", versions=("2025-12-15", "2025-03-20"),
              lifecycle=_life("ga", "2026-12-15")),
]
