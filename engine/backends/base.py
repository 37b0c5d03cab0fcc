"""The backend interface: plain request values, a stream of pieces per text answer, and one protocol per model kind.

Text backends (chat and completions) stream. `chat()` / `complete()` are async generators yielding `Piece`s:

- `TextDelta(choice, text, tokens=1, logprobs=None, token_texts=None)`: text the model produced for one choice, and
  how many completion tokens it counts for (a real model yields one piece per token, so a stream chunk carries one
  token; a backend with a whole answer at once may yield it as one piece with `token_texts`);
- `ToolCallDelta(choice, index, arguments="", id=None, name=None, tokens=0)`: a piece of tool call `index` of a choice;
  the call's first piece carries `id` and `name`, later pieces append to `arguments` (JSON text);
- `Finish(choice, reason)`: the choice is done; reason is stop | length | tool_calls | content_filter;
- `Usage(prompt_tokens=None, completion_tokens=None)`: optional, right after the last Finish; counts from the model's
  own tokenizer.
  Where a count is None (or no Usage comes), the engine uses tiktoken for the prompt and the sum of the pieces'
  `tokens` for the completion.

Choices are numbered 0..n-1 (completions: prompt p's i-th choice is `p * n + i`); their pieces may interleave.
Both the streamed and the whole (non-streamed) answer are built from the same pieces by `engine/dataplane/generate.py`.

What the engine guarantees a backend, and asks of it:
- The engine stops reading at `max_tokens` completion tokens per choice (finish_reason length) and closes the
  generator (`aclose()`) once every choice is finished, when the client goes away, or on an error. A backend stops
  its work when its generator is closed or cancelled (release the model in a `finally:`). It should also stop at
  max_tokens itself rather than produce text the engine throws away.
- Stop sequences are the backend's job: it ends the choice with `Finish(choice, "stop")` before the stop text.
- The completions API's `echo` is the engine's job: the backend yields only new text.
- Content filtering is the engine's: it holds streamed text back to a word boundary and cuts a choice it blocks.
- Pacing: a backend that produces whole answers instantly (the simulated one) sets `Backends.paced_by_engine` and
  the engine spaces its tokens at the deployment's tokens-per-second; a real model streams at its own speed and
  sets it False, so the engine never delays it.
- `Backends.name` is the backend's name (`simulated`, `llama.cpp`, ...): the `x-engine-backend` header, the models
  list and the health answer take it from here.
- The event loop serves every other request meanwhile: a backend never blocks it. Run the model in a thread (or
  process) that hands tokens over, e.g. through an asyncio.Queue via `loop.call_soon_threadsafe`, and await them;
  a client that leaves cancels that await (CancelledError inside the generator), so tell the thread to stop in the
  generator's `finally:`. After the last Finish the engine reads at most one more piece, looking for a Usage.

Changes to this interface are additive only; each is noted here.
- TextDelta.token_texts (optional): one piece may carry many tokens, split for the stream by these texts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
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


@dataclass(slots=True)
class TextDelta:
    choice: int
    text: str
    tokens: int = 1  # completion tokens this piece counts for
    logprobs: list[TokenLogprob] | None = None  # one entry per token, when the request asked for logprobs
    # A piece that carries many tokens at once (the simulated backend's whole answer) lists their texts, which join
    # to `text`: a stream sends one chunk per entry, and logprobs, if any, align with them.
    token_texts: list[str] | None = None


@dataclass(slots=True)
class ToolCallDelta:
    choice: int
    index: int  # the call's position within the choice
    arguments: str = ""  # appended to the call's JSON arguments
    id: str | None = None  # set on the call's first piece, with name
    name: str | None = None
    tokens: int = 0


@dataclass(slots=True)
class Finish:
    choice: int
    reason: str  # stop | length | tool_calls | content_filter


@dataclass(slots=True)
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


Piece = TextDelta | ToolCallDelta | Finish | Usage


@dataclass
class Generation:
    """One whole choice, assembled by the engine from a backend's pieces."""

    text: str
    completion_tokens: int
    finish_reason: str  # stop | length | tool_calls | content_filter
    tool_calls: list[ToolCall] = field(default_factory=list)
    logprobs: list[TokenLogprob] | None = None


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
    def chat(self, request: ChatRequest) -> AsyncIterator[Piece]:
        """An async generator of the request's n choices as pieces."""
        ...


class CompletionBackend(Protocol):
    def complete(self, request: CompletionRequest) -> AsyncIterator[Piece]:
        """An async generator of pieces; prompt p's i-th choice is choice `p * n + i`."""
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
    """The set a deployment's model maps to. `name` is shown to clients (x-engine-backend, models list, health).
    `paced_by_engine`: pieces come at once and the engine paces the stream itself (simulated); a real backend
    streams as it decodes and sets it False."""

    name: str
    chat: ChatBackend
    completions: CompletionBackend
    embeddings: EmbeddingBackend
    images: ImageBackend
    speech: SpeechBackend
    transcription: TranscriptionBackend
    paced_by_engine: bool = True
