"""Reading a backend's pieces: the engine's rules on top (max_tokens, every choice finished, usage), whole answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

from engine.backends.base import Finish, Generation, Piece, TextDelta, TokenLogprob, ToolCall, ToolCallDelta, Usage


class Pieces:
    """A backend's pieces with the engine's rules applied; iterate it once.

    Nothing passes a choice's `max_tokens` (the engine adds Finish(length)); a choice the backend leaves open is
    finished with "stop"; a piece for a finished or unknown choice is dropped; the last piece is always a Usage with
    the completion count filled in. The backend's generator is closed as soon as every choice is finished, when a
    consumer calls `end(choice)` for all of them, or when this iterator is closed or cancelled.
    """

    def __init__(self, source: AsyncIterator[Piece], n: int, max_tokens: int | None) -> None:
        self.source = source
        self.n = n
        self.max_tokens = max_tokens
        self.tokens = [0] * n
        self.done = [False] * n

    def end(self, choice: int) -> None:
        """The consumer finished this choice itself (the content filter cut it): read nothing more for it."""
        self.done[choice] = True

    async def __aiter__(self) -> AsyncIterator[Piece]:
        usage = Usage()
        try:
            async for piece in self.source:
                if isinstance(piece, Usage):
                    usage = piece
                elif 0 <= piece.choice < self.n and not self.done[piece.choice]:
                    c = piece.choice
                    if isinstance(piece, Finish):
                        self.done[c] = True
                        yield piece
                    else:
                        if self.max_tokens is not None and self.tokens[c] + piece.tokens > self.max_tokens:
                            piece = _shortened(piece, self.max_tokens - self.tokens[c])
                        self.tokens[c] += piece.tokens
                        yield piece
                        if self.max_tokens is not None and self.tokens[c] >= self.max_tokens:
                            self.done[c] = True
                            yield Finish(c, "length")
                if all(self.done):
                    # A backend sends its Usage right after the last Finish: read one more piece for it, no more.
                    extra = await anext(aiter(self.source), None)
                    if isinstance(extra, Usage):
                        usage = extra
                    break
        finally:
            aclose = getattr(self.source, "aclose", None)
            if aclose is not None:
                await aclose()
        for c in range(self.n):
            if not self.done[c]:
                self.done[c] = True
                yield Finish(c, "stop")
        completion = usage.completion_tokens if usage.completion_tokens is not None else sum(self.tokens)
        yield Usage(usage.prompt_tokens, completion)


def _shortened(piece: Piece, tokens: int) -> Piece:
    """A many-token text piece cut to `tokens` (a one-token piece, or one without token texts, is kept whole)."""
    if not isinstance(piece, TextDelta) or not piece.token_texts or tokens >= len(piece.token_texts):
        return piece
    texts = piece.token_texts[:tokens]
    logprobs = piece.logprobs[:tokens] if piece.logprobs else piece.logprobs
    return TextDelta(piece.choice, "".join(texts), tokens, logprobs, texts)


class Choice:
    """One choice being assembled into a Generation."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.tokens = 0
        self.calls: dict[int, ToolCall] = {}
        self.logprobs: list[TokenLogprob] = []
        self.reason = "stop"

    def add(self, piece: Piece) -> None:
        if isinstance(piece, TextDelta):
            self.text.append(piece.text)
            self.tokens += piece.tokens
            if piece.logprobs:
                self.logprobs.extend(piece.logprobs)
        elif isinstance(piece, ToolCallDelta):
            self.tokens += piece.tokens
            call = self.calls.get(piece.index)
            if call is None:
                call = self.calls[piece.index] = ToolCall(piece.id or "", piece.name or "", "")
            call.id = piece.id or call.id
            call.name = piece.name or call.name
            call.arguments += piece.arguments
        elif isinstance(piece, Finish):
            self.reason = piece.reason

    def generation(self, logprobs: bool) -> Generation:
        calls = [self.calls[k] for k in sorted(self.calls)]
        return Generation("".join(self.text), self.tokens, self.reason, calls,
                          self.logprobs if logprobs else None)


async def collect(pieces: Pieces, logprobs: bool = False) -> tuple[list[Generation], Usage]:
    """The whole answer: every choice's Generation and the usage."""
    choices = [Choice() for _ in range(pieces.n)]
    usage = Usage()
    async for piece in pieces:
        if isinstance(piece, Usage):
            usage = piece
        else:
            choices[piece.choice].add(piece)
    return [c.generation(logprobs) for c in choices], usage
