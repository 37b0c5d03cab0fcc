"""Real chat and completions: a GGUF model (SmolLM2-135M-Instruct from its wheel, or any GGUF the config names)
through llama-cpp-python, decoded token by token in a worker thread.

SmolLM2 degrades without a system message (its template then inserts its own), so a request without one gets
DEFAULT_SYSTEM. JSON mode, json_schema and forced tool calls go through llama.cpp's grammar.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from engine import errors
from engine.backends.base import ChatRequest, CompletionRequest
from engine.backends.local import LocalModel, LocalModels
from engine.backends.registry import THREADS, asset_path
from engine.config import ModelSpec

DEFAULT_SYSTEM = "You are a helpful assistant."
N_CTX = 2048
_END = object()


@dataclass
class LoadedLlama:
    llama: Any
    template: Any  # a Jinja2ChatFormatter from the GGUF's own chat template
    lock: threading.Lock  # a llama.cpp context decodes one sequence at a time


@dataclass
class Piece:
    """One step of a generation: text (content or tool arguments), or the end with its reason and token counts."""

    text: str = ""
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Sampling:
    max_tokens: int | None = None
    temperature: float = 1.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    grammar: Any = None  # a LlamaGrammar constraining the output (JSON mode, json_schema, tool arguments)


def load_llama(path: str) -> LoadedLlama:
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    llama = Llama(model_path=path, n_ctx=N_CTX, n_threads=THREADS, n_threads_batch=THREADS, verbose=False)
    metadata = llama.metadata
    template = metadata.get("tokenizer.chat_template")
    if not template:
        raise RuntimeError(f"{path} has no chat template in its metadata")

    def token_text(key: str) -> str:
        token_id = int(metadata.get(key, -1))
        return llama.detokenize([token_id], special=True).decode(errors="replace") if token_id >= 0 else ""

    formatter = Jinja2ChatFormatter(template=template, eos_token=token_text("tokenizer.ggml.eos_token_id"),
                                    bos_token=token_text("tokenizer.ggml.bos_token_id"))
    return LoadedLlama(llama, formatter, threading.Lock())


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content if isinstance(content, str) else ""


def chat_messages(messages: list[dict[str, Any]], extra_system: str = "") -> list[dict[str, str]]:
    """Plain role/content messages for the template: developer counts as system, tool results and earlier tool
    calls become text, and there is always a system message first."""
    out: list[dict[str, str]] = []
    for m in messages:
        role = m.get("role")
        if role in ("system", "developer"):
            out.append({"role": "system", "content": _text(m.get("content"))})
        elif role in ("tool", "function"):
            out.append({"role": "user", "content": f"Result of the tool call: {_text(m.get('content'))}"})
        elif role == "assistant" and m.get("tool_calls"):
            calls = "; ".join(f"{c['function']['name']}({c['function'].get('arguments', '')})"
                              for c in m["tool_calls"] if isinstance(c, dict) and "function" in c)
            out.append({"role": "assistant", "content": f"Calling {calls}"})
        else:
            out.append({"role": str(role), "content": _text(m.get("content"))})
    if not out or out[0]["role"] != "system":
        out.insert(0, {"role": "system", "content": DEFAULT_SYSTEM})
    if extra_system:
        out[0] = {"role": "system", "content": f"{out[0]['content']}\n{extra_system}".strip()}
    return out


def grammar_for(schema: dict[str, Any] | None) -> Any:
    """llama.cpp's grammar for JSON (an empty schema: any JSON object), or None. Built before a response starts,
    so a schema it cannot express is a 400, not a broken stream."""
    if schema is None:
        return None
    from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar

    if not schema:
        return LlamaGrammar.from_string(JSON_GBNF, verbose=False)
    try:
        return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    except Exception as e:  # a schema construct llama.cpp's converter cannot express
        raise errors.invalid_request(f"The JSON schema cannot be turned into a grammar by llama.cpp: {e}",
                                     param="response_format") from None


def prompt_tokens(loaded: LoadedLlama, prompt: str) -> list[int]:
    return loaded.llama.tokenize(prompt.encode(), add_bos=False, special=True)


def format_chat(loaded: LoadedLlama, messages: list[dict[str, str]]) -> tuple[str, list[str]]:
    formatted = loaded.template(messages=messages)
    stops = formatted.stop if isinstance(formatted.stop, list) else [formatted.stop] if formatted.stop else []
    return formatted.prompt, [s for s in stops if s]


def _decode(loaded: LoadedLlama, prompt: str, sampling: Sampling, stops: list[str],
            stopped: threading.Event) -> Iterator[Piece]:
    """Token by token from llama.cpp (run in a worker thread); stops at the next token once `stopped` is set."""
    llama = loaded.llama
    tokens = prompt_tokens(loaded, prompt)
    if len(tokens) >= N_CTX:
        raise errors.invalid_request(f"This model's maximum context length is {N_CTX} tokens. However, your "
                                     f"messages resulted in {len(tokens)} tokens.", param="messages",
                                     code="context_length_exceeded")
    room = N_CTX - len(tokens)
    max_tokens = room if sampling.max_tokens is None else min(sampling.max_tokens, room)
    if max_tokens <= 0:
        yield Piece(finish_reason="length", prompt_tokens=len(tokens))
        return
    seed = sampling.seed if sampling.seed is not None else random.getrandbits(31)
    text, reason = "", None
    with loaded.lock:
        if sampling.seed is not None:
            # Evaluate the whole prompt afresh: a prompt half taken from the cache gives slightly different logits,
            # and the same seed must give the same answer.
            llama.reset()
        stream = llama.create_completion(
            tokens, max_tokens=max_tokens, temperature=sampling.temperature, top_p=sampling.top_p, seed=seed,
            stop=[*stops, *sampling.stop] or None, grammar=sampling.grammar, stream=True)
        try:
            for chunk in stream:
                choice = chunk["choices"][0]
                if choice["text"]:
                    text += choice["text"]
                    yield Piece(choice["text"])
                reason = choice.get("finish_reason") or reason
                if stopped.is_set():
                    reason = "stop"
                    break
        finally:
            stream.close()  # ends llama.cpp's decoding loop now, even mid-answer
    completion = len(llama.tokenize(text.encode(), add_bos=False, special=True)) if text else 0
    yield Piece(finish_reason=reason or "stop", prompt_tokens=len(tokens), completion_tokens=completion)


async def generate(model: LocalModel[LoadedLlama], build_prompt: Any, sampling: Sampling) -> AsyncIterator[Piece]:
    """The pieces of one generation, during the model's turn. Closing this iterator early (a client that went
    away) stops the decoding at the next token."""
    async with model.turn() as loaded:
        prompt, stops = build_prompt(loaded)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stopped = threading.Event()

        def produce() -> None:
            try:
                for piece in _decode(loaded, prompt, sampling, stops, stopped):
                    loop.call_soon_threadsafe(queue.put_nowait, piece)
            except BaseException as e:  # handed to the consumer, which raises it in the request
                loop.call_soon_threadsafe(queue.put_nowait, e)
            loop.call_soon_threadsafe(queue.put_nowait, _END)

        worker = loop.run_in_executor(None, produce)
        try:
            while (item := await queue.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stopped.set()
            await worker


class LlamaModels:
    """The GGUF models this engine has loaded, by file."""

    def __init__(self, queue_limit: int) -> None:
        self.models: LocalModels[LoadedLlama] = LocalModels(load_llama, queue_limit)

    def get(self, model: ModelSpec) -> LocalModel[LoadedLlama]:
        path = asset_path(model.asset)
        if path is None:
            raise errors.ApiError(503, {"error": {"code": "ModelFileMissing", "message":
                                                  f"The model file of {model.name} ({model.asset}) is missing."}})
        return self.models.get(model.name, str(path))

    def admit(self, model: ModelSpec) -> LocalModel[LoadedLlama]:
        """The loaded model, or 429 when its queue is full (before the response starts)."""
        local = self.get(model)
        local.admit()
        return local

    @staticmethod
    def chat(local: LocalModel[LoadedLlama], messages: list[dict[str, Any]], sampling: Sampling,
             extra_system: str = "") -> AsyncIterator[Piece]:
        plain = chat_messages(messages, extra_system)
        return generate(local, lambda loaded: format_chat(loaded, plain), sampling)

    @staticmethod
    def complete(local: LocalModel[LoadedLlama], prompt: str, sampling: Sampling) -> AsyncIterator[Piece]:
        return generate(local, lambda loaded: (prompt, []), sampling)


def schema_for(request: ChatRequest) -> tuple[dict[str, Any] | None, str]:
    """The JSON constraint a request asks for, and a line for the system message that says what to write."""
    fmt = (request.response_format or {}).get("type")
    if fmt == "json_schema":
        schema = (request.response_format.get("json_schema") or {}).get("schema") or {}
        return schema, "Answer only with JSON that follows this schema: " + json.dumps(schema)
    if fmt == "json_object":
        return {}, "Answer only with a JSON object."
    return None, ""


def forced_tool(request: ChatRequest) -> dict[str, Any] | None:
    """The function a request makes the model call: named in tool_choice, or with "required" the one the last
    user message mentions (else the first). With "auto" a 135M model cannot decide reliably, so it answers text."""
    tools = [t["function"] for t in request.tools if t.get("type") == "function"]
    choice = request.tool_choice
    if not tools or choice in (None, "none", "auto"):
        return None
    if isinstance(choice, dict):
        return next(t for t in tools if t["name"] == choice["function"]["name"])
    last_user = next((_text(m.get("content")) for m in reversed(request.messages) if m.get("role") == "user"), "")
    said = last_user.lower()
    return next((t for t in tools if t["name"].lower() in said or t["name"].replace("_", " ").lower() in said),
                tools[0])


def sampling_of(request: ChatRequest | CompletionRequest, grammar: Any = None, index: int = 0) -> Sampling:
    seed = None if request.seed is None else request.seed + index  # choice i of n draws differently
    return Sampling(max_tokens=request.max_tokens, temperature=request.temperature,
                    top_p=getattr(request, "top_p", 1.0), stop=tuple(request.stop), seed=seed, grammar=grammar)
