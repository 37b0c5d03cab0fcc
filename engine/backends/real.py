"""The real backends as Backends sets, one per backend name; each loads its models lazily, once per model file."""

from __future__ import annotations

import random
import string

from engine.backends.base import Backends, ChatRequest, CompletionRequest, Generation, ToolCall
from engine.backends.llamacpp import LlamaModels, Piece, schema_for, forced_tool, sampling_of
from engine.backends.onnx_tts import OnnxSpeech
from engine.backends.sentence_embeddings import SentenceEmbeddings
from engine.backends.simulated import simulated_backends
from engine.backends.whisper import WhisperTranscription
from engine.tokens import encoding_for


async def _collect(pieces) -> tuple[str, Piece]:
    text, last = "", Piece()
    async for piece in pieces:
        text += piece.text
        last = piece
    return text, last


def _call_id() -> str:
    return "call_" + "".join(random.choices(string.ascii_letters + string.digits, k=24))


class LlamaChat:
    def __init__(self, models: LlamaModels) -> None:
        self.models = models

    async def chat(self, request: ChatRequest) -> list[Generation]:
        tool = forced_tool(request)
        schema, instruction = schema_for(request)
        if tool is not None:
            schema = tool.get("parameters") or {"type": "object", "properties": {}}
            instruction = (f"Call the function {tool['name']} ({tool.get('description', '')}). Answer only with its "
                           "arguments as JSON.")
        enc = encoding_for(request.model.token_model)
        out = []
        for i in range(request.n):
            text, end = await _collect(self.models.chat(request.model, request.messages,
                                                        sampling_of(request, schema, i), instruction))
            if tool is not None:
                calls = [ToolCall(_call_id(), tool["name"], text)]
                out.append(Generation("", enc.encode_ordinary(text), "tool_calls", calls))
            else:
                out.append(Generation(text, enc.encode_ordinary(text), end.finish_reason or "stop"))
        return out


class LlamaCompletions:
    def __init__(self, models: LlamaModels) -> None:
        self.models = models

    async def complete(self, request: CompletionRequest) -> list[Generation]:
        enc = encoding_for(request.model.token_model)
        out = []
        for prompt in request.prompts:
            for i in range(request.n):
                text, end = await _collect(self.models.complete(request.model, prompt, sampling_of(request, None, i)))
                generation = Generation(text, enc.encode_ordinary(text), end.finish_reason or "stop")
                if request.echo:
                    generation.text = prompt + generation.text
                out.append(generation)
        return out


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
