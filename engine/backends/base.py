"""The backend interface: plain request/result values and one protocol per kind of model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.config import ModelSpec


@dataclass
class ChatRequest:
    model: ModelSpec
    messages: list[dict[str, Any]]
    n: int = 1
    max_tokens: int | None = None
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    temperature: float = 1.0
    top_p: float = 1.0
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool = True
    logprobs: bool = False
    top_logprobs: int = 0
    sample_key: bytes = b""  # a digest of everything that shapes the answer: equal keys give equal answers


@dataclass
class CompletionRequest:
    model: ModelSpec
    prompts: list[str]
    n: int = 1
    max_tokens: int = 16
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    temperature: float = 1.0
    echo: bool = False
    suffix: str | None = None
    logprobs: int | None = None
    sample_key: bytes = b""


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as the model wrote it


@dataclass
class TokenLogprob:
    token: str
    logprob: float
    top: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Generation:
    """One choice. `tokens` are the produced text's token ids, so usage and streaming pieces agree exactly."""

    text: str
    tokens: list[int]
    finish_reason: str  # stop | length | tool_calls | content_filter
    tool_calls: list[ToolCall] = field(default_factory=list)
    logprobs: list[TokenLogprob] | None = None

    @property
    def completion_tokens(self) -> int:
        return len(self.tokens)


@dataclass
class GeneratedImage:
    png: bytes
    revised_prompt: str


@dataclass
class SpeechAudio:
    data: bytes
    content_type: str


@dataclass
class Segment:
    start: float
    end: float
    text: str


@dataclass
class Word:
    start: float
    end: float
    word: str


@dataclass
class Transcript:
    text: str
    language: str
    duration: float
    segments: list[Segment]
    words: list[Word] = field(default_factory=list)  # word timestamps, where the backend has them


class ChatBackend(Protocol):
    async def chat(self, request: ChatRequest) -> list[Generation]: ...


class CompletionBackend(Protocol):
    async def complete(self, request: CompletionRequest) -> list[Generation]:
        """Choices in the API's order: prompt 0's n choices, then prompt 1's, ..."""
        ...


class EmbeddingBackend(Protocol):
    async def embed(self, model: ModelSpec, texts: list[str], dimensions: int) -> list[list[float]]: ...


class ImageBackend(Protocol):
    async def generate(self, model: ModelSpec, prompt: str, size: tuple[int, int], quality: str,
                       style: str) -> GeneratedImage: ...


class SpeechBackend(Protocol):
    formats: frozenset[str]  # response_format values it can produce

    async def speak(self, model: ModelSpec, text: str, voice: str, speed: float, response_format: str) -> SpeechAudio:
        ...


class TranscriptionBackend(Protocol):
    async def transcribe(self, model: ModelSpec, audio: bytes, filename: str, *, language: str | None,
                         prompt: str | None, translate: bool) -> Transcript: ...


@dataclass
class Backends:
    """The set a deployment's model maps to. `paced_by_engine`: answers come whole and the engine paces the
    stream itself (simulated); a real backend streams as it decodes and sets it False."""

    name: str
    chat: ChatBackend
    completions: CompletionBackend
    embeddings: EmbeddingBackend
    images: ImageBackend
    speech: SpeechBackend
    transcription: TranscriptionBackend
    paced_by_engine: bool = True
