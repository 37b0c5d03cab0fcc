"""Content-filter steps the text operations share: judge the prompt, cut an unsafe completion."""

from __future__ import annotations

from typing import Any

from engine import errors
from engine.backends.base import Generation, TextDelta
from engine.dataplane.common import Call


def check_prompt(call: Call, text: str) -> dict[str, Any]:
    """The prompt's filter results, or the 400 content_filter error when the deployment's policy blocks it."""
    verdict = call.engine.content_filter.check(call.policy, text, "prompt")
    if verdict.blocked:
        raise errors.content_filtered(verdict.results)
    return verdict.results


def filter_completion(call: Call, generation: Generation) -> dict[str, Any]:
    """Judge the produced text; a blocked answer is cut before the offending words (finish_reason content_filter).
    Usage still counts every token the model produced: they were generated."""
    verdict = call.engine.content_filter.check(call.policy, generation.text, "completion")
    if verdict.blocked:
        generation.text = generation.text[: verdict.offset or 0].rstrip()
        generation.finish_reason = "content_filter"
        generation.tool_calls = []
        generation.logprobs = None
    return verdict.results


class HeldText:
    """A streamed choice's completion filter: text is held back to the last word boundary until a check passes, so
    a blocked term never reaches the client (a term spanning several words may leave its first words out)."""

    MAX_HELD = 16  # pieces without a word boundary (e.g. CJK text) are checked and released in batches of this size

    def __init__(self, call: Call) -> None:
        self.call = call
        self.text = ""
        self.released = 0  # characters of self.text sent on
        self.held: list[TextDelta] = []

    def add(self, piece: TextDelta) -> tuple[list[TextDelta], bool]:
        """The pieces that may go out now, and whether the choice is blocked (then it is cut and over)."""
        self.text += piece.text
        self.held.append(piece)
        boundary = max(self.text.rfind(" "), self.text.rfind("\n"))
        if boundary < self.released and len(self.held) < self.MAX_HELD:
            return [], False
        verdict = self.call.engine.content_filter.check(self.call.policy, self.text, "completion")
        if verdict.blocked:
            return self._release(verdict.offset or 0, cut=True), True
        return self._release(len(self.text) if len(self.held) >= self.MAX_HELD else boundary + 1), False

    def finish(self) -> tuple[list[TextDelta], dict[str, Any], bool]:
        """At the choice's end: the rest that may go out, the filter results, whether it was blocked."""
        verdict = self.call.engine.content_filter.check(self.call.policy, self.text, "completion")
        end = (verdict.offset or 0) if verdict.blocked else len(self.text)
        return self._release(end, cut=True), verdict.results, verdict.blocked

    def _release(self, end: int, cut: bool = False) -> list[TextDelta]:
        """Held pieces that end by `end`; with `cut`, also the part before `end` of the piece that straddles it."""
        out = []
        while self.held and self.released + len(self.held[0].text) <= end:
            piece = self.held.pop(0)
            out.append(piece)
            self.released += len(piece.text)
        if cut and self.held and self.released < end:
            piece = self.held.pop(0)
            out.append(TextDelta(piece.choice, piece.text[: end - self.released], piece.tokens, piece.logprobs))
            self.released = end
        return out
