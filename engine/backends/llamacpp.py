"""Real chat and completions: a GGUF model (SmolLM2-135M-Instruct from its wheel, or any GGUF the config names)
through llama-cpp-python, decoded token by token in a worker thread.

SmolLM2 degrades without a system message (its template then inserts its own), so a request without one gets
DEFAULT_SYSTEM. JSON mode, json_schema and tool calls go through llama.cpp's grammar. Decoding is the engine's own
loop over llama.cpp's generate() (not create_completion): it reads logprobs from the logits of each step without
llama.cpp keeping every position's logits (400 MB at this context), switches from a tool-call decision to a text
answer, and keeps the prompt cache reproducible (_prepare_prompt).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import math
import os
import random
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from engine import errors
from engine.backends.base import ChatRequest, CompletionRequest, TokenLogprob
from engine.backends.local import LocalModel, LocalModels
from engine.backends.registry import THREADS, asset_path
from engine.config import ModelSpec

DEFAULT_SYSTEM = "You are a helpful assistant."
N_CTX = 2048
TOOL_CALL = "<tool_call>"  # how an answer begins that calls tools (the format SmolLM2 was taught)
_END = object()


@dataclass
class LoadedLlama:
    llama: Any
    template: Any  # a Jinja2ChatFormatter from the GGUF's own chat template
    lock: threading.Lock  # a llama.cpp context decodes one sequence at a time
    batched: int = 0  # the cache's leading tokens a prompt filled in batches of several: reusable (_prepare_prompt)


@dataclass
class Piece:
    """One step of a generation: text (content or tool arguments), or the end with its reason and token counts."""

    text: str = ""
    finish_reason: str | None = None
    logprob: TokenLogprob | None = None  # of the token this text came from, when asked for
    calls: list[tuple[str, str]] | None = None  # tool calls (name, JSON arguments) the answer turned into
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
    logprobs: int | None = None  # None: no logprobs; else each token's, with this many most likely alternatives
    calls: Any = None  # with tools offered: the LlamaGrammar of a TOOL_CALL's list of calls
    calls_forced: bool = False  # tool_choice "required": the answer is calls, from its first token


def load_llama(path: str) -> LoadedLlama:
    # llama.cpp's threads meet at a barrier after every operation, hundreds per token. OpenMP's default is to spin
    # there; when anything else wants a core (the event loop writing the stream, the client, other processes) the
    # spinning thread holds it and decoding slowed from 6 ms to 150 ms a token on a busy 2-core machine. Passive
    # waiting keeps it at 18 ms there. Read by libgomp when llama.cpp's library loads, so set before the import.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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


def _prepare_prompt(loaded: LoadedLlama, tokens: list[int]) -> None:
    """Leave llama.cpp's cache holding all of `tokens` but a last batch of at least two, for generate() to finish.

    Why: llama.cpp computes a batch of one token (decoding) with other kernels than a batch of several, and its
    numbers differ in the last bits (the next token's logits by up to 0.7), while a prompt cut into batches of two or
    more tokens anywhere gives the very same numbers as one batch (checked on SmolLM2). So only positions a prompt
    filled in such batches are reused, never the tokens an answer added one at a time, and no batch is of one token:
    the same seed gives the same answer whatever the cache held, and a shared system prompt or conversation is not
    evaluated again (resetting per seeded request added about 80 ms to the first token)."""
    import numpy as np

    llama = loaded.llama
    reusable = min(loaded.batched, llama.n_tokens, len(tokens))
    same = 0
    if reusable:
        differs = np.flatnonzero(llama.input_ids[:reusable] != np.asarray(tokens[:reusable]))
        same = int(differs[0]) if len(differs) else reusable
    keep = max(0, min(same, len(tokens) - 2))
    batches = _batches(keep, len(tokens), llama.n_batch)
    llama.n_tokens = keep  # eval() drops the cache from here on
    for start, end in batches[:-1]:
        llama.eval(tokens[start:end])
    loaded.batched = len(tokens)  # once generate() has evaluated the last batch


def _batches(start: int, end: int, size: int) -> list[tuple[int, int]]:
    """[start, end) in batches of at most `size` tokens, none of a single token (unless the whole is one)."""
    out = []
    while start < end:
        n = min(size, end - start)
        if end - start - n == 1:
            n -= 1
        out.append((start, start + n))
        start += n
    return out


def _logprob(loaded: LoadedLlama, token: int, top: int) -> TokenLogprob:
    """The chosen token's log probability under the model (before temperature, top-p and grammar), and the `top`
    most likely tokens with theirs, from the logits that produced it."""
    import numpy as np

    llama = loaded.llama
    logits = np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(llama.n_vocab(),))
    peak = float(logits.max())
    norm = peak + math.log(float(np.exp(logits - peak).sum()))
    best: list[tuple[str, float]] = []
    if top:
        ids = np.argpartition(-logits, top)[:top]
        best = [(_piece_text(llama, int(i)), float(logits[i]) - norm)
                for i in ids[np.argsort(-logits[ids], kind="stable")]]
    return TokenLogprob(_piece_text(llama, token), float(logits[token]) - norm, best)


def _piece_text(llama: Any, token: int) -> str:
    return llama.detokenize([token]).decode(errors="replace")


def _stop_at(text: str, stops: list[str]) -> tuple[int | None, int]:
    """(where the first stop sequence in `text` starts, or None; how many trailing characters might begin one)."""
    found = [i for s in stops if (i := text.find(s)) >= 0]
    if found:
        return min(found), 0
    tail = 0
    for s in stops:
        for n in range(min(len(s) - 1, len(text)), tail, -1):
            if text.endswith(s[:n]):
                tail = n
                break
    return None, tail


def _sample(loaded: LoadedLlama, tokens: list[int], sampling: Sampling, grammar: Any,
            stopped: threading.Event) -> Iterator[tuple[str, TokenLogprob | None]]:
    """Each generated token's text and logprob, until the model ends its turn or `stopped` is set."""
    import llama_cpp

    llama = loaded.llama
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")  # a character split across tokens waits
    # llama.cpp's own top-k 40 and min-p 0.05, as create_completion uses: without them a 135M model rambles.
    generator = llama.generate(tokens, top_k=40, top_p=sampling.top_p, min_p=0.05, temp=sampling.temperature,
                               repeat_penalty=1.0, grammar=grammar)
    try:
        for token in generator:
            if llama_cpp.llama_vocab_is_eog(llama._model.vocab, token) or stopped.is_set():
                return
            logprob = _logprob(loaded, token, sampling.logprobs) if sampling.logprobs is not None else None
            yield utf8.decode(llama.detokenize([token])), logprob
    finally:
        generator.close()  # ends llama.cpp's decoding loop now, even mid-answer


def _decode(loaded: LoadedLlama, tokens: list[int], sampling: Sampling, stops: list[str],
            stopped: threading.Event, plain: list[int] | None = None) -> Iterator[Piece]:
    """Token by token from llama.cpp (run in a worker thread); stops at the next token once `stopped` is set.

    Text that may begin a stop sequence is held back until it cannot; a stop sequence ends the answer before it.
    With tools offered (`sampling.calls`), `tokens` is the prompt that lists them and `plain` the one without them
    (None when the answer must be calls)."""
    llama = loaded.llama
    if len(tokens) >= N_CTX:
        raise errors.invalid_request(f"This model's maximum context length is {N_CTX} tokens. However, your "
                                     f"messages resulted in {len(tokens)} tokens.", param="messages",
                                     code="context_length_exceeded")
    room = N_CTX - len(tokens)
    max_tokens = room if sampling.max_tokens is None else min(sampling.max_tokens, room)
    if max_tokens <= 0:
        yield Piece(finish_reason="length", prompt_tokens=len(tokens))
        return
    stops = [s for s in (*stops, *sampling.stop) if s]
    held: list[Piece] = []  # pieces that may begin a stop sequence
    count, reason = 0, "length"
    prompt = len(tokens)
    with loaded.lock:
        _prepare_prompt(loaded, tokens)
        llama.set_seed(sampling.seed if sampling.seed is not None else random.getrandbits(31))
        if sampling.calls is not None:
            # The model first writes its list of calls under the grammar; an empty list (tool_choice "auto") means
            # it answers in text, which it then writes from the prompt without the tools.
            calls, count, reason = _calls(loaded, tokens, sampling, stopped, max_tokens)
            if calls or reason == "length" or plain is None:
                yield Piece(calls=calls)
                yield Piece(finish_reason=reason, prompt_tokens=prompt, completion_tokens=count)
                return
            tokens, reason = plain, "length"
            max_tokens = min(max_tokens - count, N_CTX - len(tokens))
            _prepare_prompt(loaded, tokens)
        sampled = _sample(loaded, tokens, sampling, sampling.grammar, stopped)
        for text, logprob in sampled:
            count += 1
            held.append(Piece(text, logprob=logprob))
            if stops:
                joined = "".join(p.text for p in held)
                at, tail = _stop_at(joined, stops)
                if at is not None:
                    yield from _cut(held, at)
                    held, reason = [], "stop"
                    break
                while held and len(held[0].text) <= len(joined) - tail:
                    joined = joined[len(held[0].text):]
                    yield held.pop(0)
            else:
                yield from held
                held = []
            if count >= max_tokens:
                break
        else:
            reason = "stop"  # the model ended its turn (or the client went away)
        sampled.close()
    yield from held
    yield Piece(finish_reason=reason, prompt_tokens=prompt, completion_tokens=count)


def _calls(loaded: LoadedLlama, tokens: list[int], sampling: Sampling, stopped: threading.Event,
           max_tokens: int) -> tuple[list[tuple[str, str]], int, str]:
    """The tool calls (name, JSON arguments) the model writes after TOOL_CALL under the grammar of the offered
    functions' calls, the tokens that took, and the finish reason."""
    trigger = prompt_tokens(loaded, TOOL_CALL)
    text, count, reason = "", len(trigger), "tool_calls"
    with contextlib.closing(_sample(loaded, tokens + trigger, sampling, sampling.calls, stopped)) as sampled:
        for piece, _ in sampled:
            text += piece
            count += 1
            if count >= max_tokens:
                reason = "length"
                break
    try:
        return [(c["name"], json.dumps(c["arguments"])) for c in json.loads(text)], count, reason
    except (ValueError, TypeError, KeyError):  # cut by max_tokens before the grammar finished
        return [], count, "length"


def _cut(held: list[Piece], chars: int) -> Iterator[Piece]:
    """The held pieces' first `chars` characters (the text before a stop sequence)."""
    for piece in held:
        if chars <= 0:
            return
        yield piece if len(piece.text) <= chars else Piece(piece.text[:chars], logprob=piece.logprob)
        chars -= len(piece.text)


async def generate(model: LocalModel[LoadedLlama], build_prompt: Any, sampling: Sampling) -> AsyncIterator[Piece]:
    """The pieces of one generation, during the model's turn. Closing this iterator early (a client that went
    away) stops the decoding at the next token."""
    async with model.turn() as loaded:
        tokens, stops, plain = build_prompt(loaded)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stopped = threading.Event()

        def produce() -> None:
            try:
                for piece in _decode(loaded, tokens, sampling, stops, stopped, plain):
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
             extra_system: str = "", tools_system: str = "") -> AsyncIterator[Piece]:
        """`tools_system`: the system message's line that offers tools; the answer in text, if the model calls
        none, is written from the prompt without it."""
        def build(loaded: LoadedLlama) -> tuple[list[int], list[str], list[int] | None]:
            prompt, stops = format_chat(loaded, chat_messages(messages, extra_system))
            if not tools_system:
                return prompt_tokens(loaded, prompt), stops, None
            offered, _ = format_chat(loaded, chat_messages(messages, f"{extra_system}\n{tools_system}".strip()))
            plain = None if sampling.calls_forced else prompt_tokens(loaded, prompt)
            return prompt_tokens(loaded, offered), stops, plain

        return generate(local, build, sampling)

    @staticmethod
    def complete(local: LocalModel[LoadedLlama], prompt: str, sampling: Sampling) -> AsyncIterator[Piece]:
        return generate(local, lambda loaded: (prompt_tokens(loaded, prompt), [], None), sampling)


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
    """The function tool_choice names, whose arguments the model then writes under its parameters' grammar."""
    choice = request.tool_choice
    if not isinstance(choice, dict):
        return None
    return next(t["function"] for t in request.tools
                if t.get("type") == "function" and t["function"]["name"] == choice["function"]["name"])


def offered_calls(request: ChatRequest) -> tuple[Any, str, bool] | None:
    """With tools offered and no function named: the grammar of a list of calls to them (one call unless
    parallel_tool_calls), the system message's line that lists them and says how to call, and whether the answer
    must be calls ("required") or may be text ("auto", the default). None without tools, with "none", or with
    JSON mode (its grammar leaves no room for a call)."""
    tools = [t["function"] for t in request.tools if t.get("type") == "function"]
    if not tools or request.tool_choice in ("none",) or isinstance(request.tool_choice, dict):
        return None
    if schema_for(request)[0] is not None:
        return None
    call = {"anyOf": [{"type": "object", "properties": {
        "name": {"const": t["name"]}, "arguments": t.get("parameters") or {"type": "object", "properties": {}}},
        "required": ["name", "arguments"], "additionalProperties": False} for t in tools]}
    schema: dict[str, Any] = {"type": "array", "items": call, "minItems": 1}
    if not request.parallel_tool_calls:
        schema["maxItems"] = 1
    listing = json.dumps([{"name": t["name"], "description": t.get("description", ""),
                           "parameters": t.get("parameters") or {}} for t in tools])
    forced = request.tool_choice == "required"
    if not forced:
        schema["minItems"] = 0  # an empty list: no call fits, the model answers in text
    # The function-calling prompt SmolLM2-Instruct was taught with (its model card): with a prompt of our own it
    # never chose to call.
    line = ("You are an expert in composing functions. You are given a question and a set of possible functions. "
            "Based on the question, you will need to make one or more function/tool calls to achieve the purpose. "
            + ("" if forced else "If none of the functions can be used, make the tool calls an empty list '[]'. ")
            + f"You have access to the following tools:\n<tools>{listing}</tools>\n"
            "The output MUST strictly adhere to the following format, and NO other text MUST be included.\n"
            f'{TOOL_CALL}[\n{{"name": "func_name1", "arguments": {{"argument1": "value1", "argument2": "value2"}}}},\n'
            "... (more tool calls as required)\n]</tool_call>")
    grammar = grammar_for(schema)
    return grammar, line, forced


def sampling_of(request: ChatRequest | CompletionRequest, grammar: Any = None, index: int = 0,
                calls: tuple[Any, str, bool] | None = None) -> Sampling:
    seed = None if request.seed is None else request.seed + index  # choice i of n draws differently
    if isinstance(request, ChatRequest):
        logprobs = request.top_logprobs if request.logprobs else None
    else:
        logprobs = request.logprobs  # the completions API's 0-5
    return Sampling(max_tokens=request.max_tokens, temperature=request.temperature,
                    top_p=getattr(request, "top_p", 1.0), stop=tuple(request.stop), seed=seed, grammar=grammar,
                    logprobs=logprobs, calls=calls[0] if calls else None, calls_forced=bool(calls and calls[2]))
