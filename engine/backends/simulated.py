"""The simulated backends: deterministic text, vectors, images and audio with no model behind them."""

from __future__ import annotations

import asyncio
import json
import random
import string
from collections.abc import AsyncIterator
from typing import Any

from engine.backends import audio, imaging, textgen
from engine.backends.base import (
    Backends,
    ChatRequest,
    CompletionRequest,
    Finish,
    GeneratedImage,
    Piece,
    SpeechAudio,
    TextDelta,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    Transcript,
)
from engine.backends.embedding import hashed_vector
from engine.backends.jsonschema import instance
from engine.config import ModelSpec
from engine.tokens import counted_pieces, encoding_for


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def finish(text: str, model: ModelSpec, max_tokens: int | None, stop: list[str]) -> tuple[list[int], str, str]:
    """Cut `text` at max_tokens (finish_reason length) or at the first stop sequence (stop): tokens, text, reason."""
    enc = encoding_for(model.token_model)
    tokens = enc.encode_ordinary(text)
    reason = "stop"
    if max_tokens is not None and len(tokens) > max_tokens:
        tokens = tokens[:max_tokens]
        text = enc.decode(tokens)
        reason = "length"
    if stop:
        cuts = [i for i in (text.find(s) for s in stop if s) if i >= 0]
        if cuts:
            text, reason = text[: min(cuts)], "stop"
            tokens = enc.encode_ordinary(text)  # usage counts the tokens of the text actually produced
    return tokens, text, reason


def _text_pieces(choice: int, text: str, model: ModelSpec, max_tokens: int | None, stop: list[str],
                 rng: random.Random, top_logprobs: int | None) -> list[Piece]:
    """One choice's answer as a single many-token piece (the engine splits it per token for a stream), and its end."""
    enc = encoding_for(model.token_model)
    tokens, _, reason = finish(text, model, max_tokens, stop)
    texts = [piece for piece, _ in counted_pieces(tokens, enc)]
    logprobs = None
    if top_logprobs is not None:
        logprobs = []
        for piece in texts:
            logprob = -round(rng.random() ** 3 * 4, 6)
            alternatives = [(piece, logprob)] + [(" " + rng.choice(textgen.WORDS), logprob - rng.uniform(0.5, 6))
                                                  for _ in range(max(0, top_logprobs - 1))]
            logprobs.append(TokenLogprob(piece, logprob, alternatives[:top_logprobs]))
    out: list[Piece] = [TextDelta(choice, "".join(texts), len(tokens), logprobs, texts)] if tokens else []
    out.append(Finish(choice, reason))
    return out


LONG_ANSWER_TOKENS = 2000  # answers longer than this are written in a worker thread


def _word_limit(max_tokens: int | None) -> int | None:
    # One word more than max_tokens is always enough text to fill max_tokens tokens.
    return None if max_tokens is None else max_tokens + 1


class SimulatedChat:
    def __init__(self, answer_tokens: tuple[int, int], trigger: dict[str, Any]) -> None:
        self.answer_tokens = answer_tokens
        self.trigger_phrase = str(trigger.get("phrase") or "").lower()
        self.trigger_inject = str(trigger.get("inject") or "")
        self.trigger_after = int(trigger.get("after_words") or 6)

    async def chat(self, request: ChatRequest) -> AsyncIterator[Piece]:
        last_user = next((_text_of(m.get("content")) for m in reversed(request.messages) if m.get("role") == "user"),
                         "")
        answered_tool = bool(request.messages) and request.messages[-1].get("role") == "tool"
        asked = min(textgen.length_request(last_user) or self.answer_tokens[1],
                    request.max_tokens or request.model.max_output_tokens)
        for index in range(request.n):
            if asked > LONG_ANSWER_TOKENS:  # thousands of tokens take milliseconds to write: off the event loop
                choice = await asyncio.to_thread(self._choice, request, index, last_user, answered_tool)
            else:
                choice = self._choice(request, index, last_user, answered_tool)
            for piece in choice:
                yield piece

    def _choice(self, request: ChatRequest, index: int, last_user: str, answered_tool: bool) -> list[Piece]:
        seeded = request.seed is not None or request.temperature == 0
        rng = textgen.make_rng(request.sample_key, index, seeded)
        calls = self._tool_calls(request, rng, last_user, answered_tool)
        if calls:
            enc = encoding_for(request.model.token_model)
            out: list[Piece] = []
            for k, call in enumerate(calls):
                out.append(ToolCallDelta(index, k, "", call.id, call.name, len(enc.encode_ordinary(call.name))))
                out.extend(ToolCallDelta(index, k, piece, tokens=count)
                           for piece, count in counted_pieces(enc.encode_ordinary(call.arguments), enc))
            out.append(Finish(index, "tool_calls"))
            return out
        text = self._text(request, rng, last_user)
        top = request.top_logprobs if request.logprobs else None
        return _text_pieces(index, text, request.model, request.max_tokens, request.stop, rng, top)

    def _target(self, rng: random.Random, last_user: str, model: ModelSpec) -> int:
        asked = textgen.length_request(last_user)
        if asked:
            return min(asked, model.max_output_tokens)
        return rng.randint(*self.answer_tokens)

    def _text(self, request: ChatRequest, rng: random.Random, last_user: str) -> str:
        target = self._target(rng, last_user, request.model)
        kind = (request.response_format or {}).get("type", "text")
        if kind == "json_schema":
            schema = (request.response_format.get("json_schema") or {}).get("schema") or {}
            return json.dumps(instance(schema, rng))
        if kind == "json_object":
            topic = " ".join(textgen.words_of(last_user, 4)) or textgen.phrase(rng)
            return json.dumps({"answer": textgen.paragraph(rng, max(4, target - 12)), "topic": topic,
                               "confidence": round(rng.uniform(0.5, 0.99), 2)})
        repeated = textgen.repeat_request(last_user)
        if repeated is not None:
            return repeated
        lead = ""
        echo = textgen.words_of(last_user, rng.randint(2, 5))
        if echo and rng.random() < 0.5:
            lead = f"About {' '.join(echo)}:"
        text = textgen.paragraph(rng, target, lead, limit=_word_limit(request.max_tokens))
        if self.trigger_phrase and self.trigger_phrase in last_user.lower():
            # The configured trigger makes the answer itself unsafe, to exercise the completion filter.
            words = text.split(" ")
            words.insert(min(self.trigger_after, len(words)), self.trigger_inject)
            text = " ".join(words)
        return text

    def _tool_calls(self, request: ChatRequest, rng: random.Random, last_user: str,
                    answered_tool: bool) -> list[ToolCall]:
        tools = [t.get("function", {}) for t in request.tools if t.get("type") == "function"]
        choice = request.tool_choice if request.tool_choice is not None else ("auto" if tools else "none")
        if not tools or choice == "none":
            return []
        if isinstance(choice, dict):
            wanted = [choice["function"]["name"]]
        else:
            said = last_user.lower()
            mentioned = [t["name"] for t in tools
                         if t["name"].lower() in said or t["name"].replace("_", " ").lower() in said]
            if choice == "auto" and (answered_tool or not mentioned):
                return []
            wanted = mentioned or [tools[0]["name"]]
            if not request.parallel_tool_calls:
                wanted = wanted[:1]
        by_name = {t["name"]: t for t in tools}
        calls = []
        for name in wanted:
            params = by_name[name].get("parameters") or {"type": "object", "properties": {}}
            call_id = "call_" + "".join(rng.choices(string.ascii_letters + string.digits, k=24))
            calls.append(ToolCall(call_id, name, json.dumps(instance(params, rng))))
        return calls


class SimulatedCompletions:
    def __init__(self, answer_tokens: tuple[int, int]) -> None:
        self.answer_tokens = answer_tokens

    async def complete(self, request: CompletionRequest) -> AsyncIterator[Piece]:
        seeded = request.seed is not None or request.temperature == 0
        for p, prompt in enumerate(request.prompts):
            long = min(textgen.length_request(prompt) or 0, request.max_tokens) > LONG_ANSWER_TOKENS
            for i in range(request.n):
                index = p * request.n + i
                if long:
                    choice = await asyncio.to_thread(self._choice, request, prompt, index, seeded)
                else:
                    choice = self._choice(request, prompt, index, seeded)
                for piece in choice:
                    yield piece

    def _choice(self, request: CompletionRequest, prompt: str, index: int, seeded: bool) -> list[Piece]:
        rng = textgen.make_rng(request.sample_key, index, seeded)
        target = textgen.length_request(prompt) or rng.randint(*self.answer_tokens)
        text = " " + textgen.paragraph(rng, target, limit=_word_limit(request.max_tokens))
        return _text_pieces(index, text, request.model, request.max_tokens, request.stop, rng, request.logprobs)


class SimulatedEmbeddings:
    async def embed(self, model: ModelSpec, texts: list[str], dimensions: int) -> list[list[float]]:
        return [hashed_vector(model.name, text, model.dimensions, dimensions) for text in texts]


class SimulatedImages:
    async def generate(self, model: ModelSpec, prompt: str, size: tuple[int, int], quality: str,
                       style: str) -> GeneratedImage:
        # Encoding a 1024 px PNG takes tens of milliseconds: off the event loop.
        png = await asyncio.to_thread(imaging.render, prompt, size, quality, style)
        return GeneratedImage(png=png, revised_prompt=imaging.revised_prompt(prompt, style))


class SimulatedSpeech:
    formats = audio.SPEECH_FORMATS

    async def speak(self, model: ModelSpec, text: str, voice: str, speed: float, response_format: str) -> SpeechAudio:
        data = await asyncio.to_thread(audio.speak, text, voice, speed, response_format)
        return SpeechAudio(data, audio.SPEECH_CONTENT_TYPES[response_format])


class SimulatedTranscription:
    async def transcribe(self, model: ModelSpec, data: bytes, filename: str, *, language: str | None,
                         prompt: str | None, translate: bool) -> Transcript:
        return audio.transcribe(data, language="en" if translate else (language or "en"))


def simulated_backends(answer_tokens: tuple[int, int] = (12, 80),
                       completion_filter_trigger: dict[str, Any] | None = None) -> Backends:
    return Backends(
        name="simulated",
        chat=SimulatedChat(answer_tokens, completion_filter_trigger or {}),
        completions=SimulatedCompletions(answer_tokens),
        embeddings=SimulatedEmbeddings(),
        images=SimulatedImages(),
        speech=SimulatedSpeech(),
        transcription=SimulatedTranscription(),
    )
