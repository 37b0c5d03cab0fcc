"""The parameters a deployment's model takes, with their real ranges and defaults (wire reference, section 3)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from shared_rules.models import REGISTRY, ModelInfo

# Reasoning models take max_completion_tokens and reasoning_effort, and refuse temperature, top_p and penalties.
REASONING_FAMILIES = ("o-series", "gpt-5", "gpt-6", "gpt-oss")
EFFORTS = ("minimal", "low", "medium", "high")


@dataclass(frozen=True)
class ChatParameters:
    model: str
    reasoning: bool
    vision: bool
    max_output: int
    context: int | None
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 800
    efforts: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return asdict(self)


def model_info(model_name: str) -> ModelInfo | None:
    return REGISTRY.find(model_name)


def is_reasoning(info: ModelInfo | None) -> bool:
    if info is None or info.family not in REASONING_FAMILIES:
        return False
    return not info.name.endswith("-chat") and info.name != "gpt-chat-latest"


def chat_parameters(model_name: str) -> ChatParameters:
    """Azure AI Foundry's defaults (temperature 0.7, top_p 0.95, 800 tokens) within the model's own limits."""
    info = model_info(model_name)
    reasoning = is_reasoning(info)
    max_output = (info.max_output if info and info.max_output else 4096)
    return ChatParameters(
        model=model_name, reasoning=reasoning, vision=bool(info and info.vision), max_output=max_output,
        context=info.context if info else None, max_tokens=min(4096 if reasoning else 800, max_output),
        efforts=EFFORTS if reasoning else (),
    )
