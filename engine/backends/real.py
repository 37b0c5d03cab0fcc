"""The real backends as Backends sets, one per backend name; each loads its models lazily, once per model file."""

from __future__ import annotations

import contextlib
import random
import string
from collections.abc import AsyncIterator
from typing import Any

from engine.backends.base import (
    Backends,
    ChatRequest,
    CompletionRequest,
    Finish,
    Piece,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from engine.backends.llamacpp import (
    LlamaModels,
    LoadedLlama,
    forced_tool,
    grammar_for,
    offered_calls,
    sampling_of,
    schema_for,
)
from engine.backends.llamacpp import Piece as Decoded
from engine.backends.local import LocalModel
from engine.backends.onnx_tts import OnnxSpeech
from engine.backends.sentence_embeddings import SentenceEmbeddings
from engine.backends.simulated import simulated_backends
from engine.backends.whisper import WhisperTranscription


def _call_id() -> str:
    return "call_" + "".join(random.choices(string.ascii_letters + string.digits, k=24))


async def _choice(decoded: AsyncIterator[Decoded], index: int, usage: Usage, tool: str | None) -> AsyncIterator[Piece]:
    """One choice's pieces from llama.cpp's tokens; the token counts are added to `usage`."""
    if tool is not None:
        yield ToolCallDelta(index, 0, "", _call_id(), tool)
    async with contextlib.aclosing(decoded) as stream:  # closing this choice stops llama.cpp's decoding
        async for piece in stream:
            if piece.calls is not None:
                for j, (name, arguments) in enumerate(piece.calls):
                    yield ToolCallDelta(index, j, arguments, _call_id(), name)
            elif piece.text or piece.logprob:
                if tool:
                    yield ToolCallDelta(index, 0, piece.text, tokens=1)
                else:
                    yield TextDelta(index, piece.text, logprobs=[piece.logprob] if piece.logprob else None)
            elif piece.finish_reason:
                usage.prompt_tokens = piece.prompt_tokens
                usage.completion_tokens = (usage.completion_tokens or 0) + piece.completion_tokens
                reason = "tool_calls" if tool and piece.finish_reason == "stop" else piece.finish_reason
                yield Finish(index, reason)


class LlamaChat:
    def __init__(self, models: LlamaModels) -> None:
        self.models = models

    def chat(self, request: ChatRequest) -> AsyncIterator[Piece]:
        """Checks that answer 4xx (a full queue, a schema llama.cpp cannot express) run here, before the response
        starts; the pieces come from the generator this returns."""
        local = self.models.admit(request.model)
        tool = forced_tool(request)
        schema, instruction = schema_for(request)
        calls = offered_calls(request)
        if tool is not None:
            schema = tool.get("parameters") or {"type": "object", "properties": {}}
            instruction = (f"Call the function {tool['name']} ({tool.get('description', '')}). Answer only with its "
                           "arguments as JSON.")
        return self._pieces(request, local, grammar_for(schema), instruction, tool["name"] if tool else None, calls)

    async def _pieces(self, request: ChatRequest, local: LocalModel[LoadedLlama], grammar: Any, instruction: str,
                      tool: str | None, calls: tuple[Any, str, bool] | None) -> AsyncIterator[Piece]:
        usage = Usage(completion_tokens=0)
        for i in range(request.n):
            sampling = sampling_of(request, grammar, i, calls)
            decoded = self.models.chat(local, request.messages, sampling, instruction, calls[1] if calls else "")
            async with contextlib.aclosing(_choice(decoded, i, usage, tool)) as pieces:
                async for piece in pieces:
                    yield piece
        yield usage


class LlamaCompletions:
    def __init__(self, models: LlamaModels) -> None:
        self.models = models

    def complete(self, request: CompletionRequest) -> AsyncIterator[Piece]:
        return self._pieces(request, self.models.admit(request.model))

    async def _pieces(self, request: CompletionRequest, local: LocalModel[LoadedLlama]) -> AsyncIterator[Piece]:
        usage = Usage(completion_tokens=0)
        prompt_total = 0
        for p, prompt in enumerate(request.prompts):
            for i in range(request.n):
                decoded = self.models.complete(local, prompt, sampling_of(request, None, i))
                async with contextlib.aclosing(_choice(decoded, p * request.n + i, usage, None)) as pieces:
                    async for piece in pieces:
                        yield piece
            prompt_total += usage.prompt_tokens or 0
        yield Usage(prompt_total, usage.completion_tokens)


def real_backends(name: str, queue_limit: int) -> Backends:
    """The Backends set of one real backend; the operations it does not serve are never reached (the catalog
    entry's capabilities say what a deployment may ask), so they stay the simulated ones."""
    base = simulated_backends()
    if name == "llama.cpp":
        models = LlamaModels(queue_limit)
        return Backends(name, LlamaChat(models), LlamaCompletions(models), base.embeddings, base.images, base.speech,
                        base.transcription, paced_by_engine=False)
    if name == "sentence-transformers":
        return Backends(name, base.chat, base.completions, SentenceEmbeddings(queue_limit), base.images, base.speech,
                        base.transcription, paced_by_engine=False)
    if name == "faster-whisper":
        return Backends(name, base.chat, base.completions, base.embeddings, base.images, base.speech,
                        WhisperTranscription(queue_limit), paced_by_engine=False)
    if name == "onnx-tts":
        return Backends(name, base.chat, base.completions, base.embeddings, base.images, OnnxSpeech(queue_limit),
                        base.transcription, paced_by_engine=False)
    raise ValueError(f"unknown backend {name!r}")
