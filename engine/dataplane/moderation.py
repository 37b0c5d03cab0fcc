"""Content-filter steps the text operations share: judge the prompt, cut an unsafe completion."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from engine import errors
from engine.backends.base import Generation, TextDelta
from engine.contentfilter import SAFE_COMPLETION, Verdict
from engine.dataplane.common import Call

LONG_TEXT_CHARS = 16_000  # completions longer than this are scanned off the event loop
SCAN_WINDOW = 4096
SCAN_OVERLAP = 256  # longer than any detector's match, so a term across two windows is still found


def check_prompt(call: Call, text: str) -> dict[str, Any]:
    """The prompt's filter results, or the 400 content_filter error when the deployment's policy blocks it."""
    verdict = call.engine.content_filter.check(call.policy, text, "prompt")
    if verdict.blocked:
        raise errors.content_filtered(verdict.results)
    return verdict.results


async def filter_completion(call: Call, generation: Generation) -> dict[str, Any]:
    """Judge the produced text; a blocked answer is cut before the offending words (finish_reason content_filter).
    Usage still counts every token the model produced: they were generated."""
    verdict = await judge_completion(call, generation.text)
    if verdict.blocked:
        generation.text = generation.text[: verdict.offset or 0].rstrip()
        generation.finish_reason = "content_filter"
        generation.tool_calls = []
        generation.logprobs = None
    return verdict.results


async def judge_completion(call: Call, text: str) -> Verdict:
    """The filter's verdict on a completion. A long text is first scanned for anything suspicious in a worker
    thread, a window at a time (the detectors' regex holds the GIL while it runs): clean text, by far the common
    case, then never blocks the event loop."""
    filters = call.engine.content_filter
    anything = filters.rules.anything
    if len(text) > LONG_TEXT_CHARS and anything is not None and not call.policy.blocklists:
        if not await asyncio.to_thread(_suspicious, anything, text):
            return Verdict(SAFE_COMPLETION)
    return filters.check(call.policy, text, "completion")


def _suspicious(regex: re.Pattern[str], text: str) -> bool:
    for start in range(0, len(text), SCAN_WINDOW):
        if regex.search(text, max(0, start - SCAN_OVERLAP), start + SCAN_WINDOW):
            return True
    return False


class HeldText:
    """A streamed choice's completion filter. Text is held back until a check has passed over it and sent up to the
    last word boundary, so a blocked term never reaches the client (a term spanning several words may leave its
    first words out, and a term the answer's first token begins, that token). Checks run on each new stretch of
    text plus an overlap, so a long answer costs linear time."""

    CHECK_CHARS = 32  # new characters that trigger a check
    OVERLAP = 128  # characters before the new stretch that each check sees again, for a term that straddles it

    def __init__(self, call: Call, incremental: bool = True) -> None:
        """`incremental` False: the stream goes out in one write anyway, so one check at the end is enough."""
        self.call = call
        self.incremental = incremental
        self.check_chars = self.CHECK_CHARS if incremental else float("inf")
        self.text = ""
        self.checked = 0  # characters of self.text a passing check has seen
        self.released = 0  # characters of self.text sent on
        self.held: list[TextDelta] = []

    def add(self, piece: TextDelta) -> tuple[list[TextDelta], bool]:
        """The pieces that may go out now, and whether the choice is blocked (then it is cut and over)."""
        self.text += piece.text
        self.held.append(piece)
        # The first token goes out as soon as the filter has passed it (the time to first token a user sees: holding
        # it to a word boundary cost a whole decoding step); after it, text is checked and released a stretch of
        # CHECK_CHARS at a time, up to a word boundary. A blocked term the first token begins is still cut before
        # it is complete.
        first = self.incremental and not self.released
        if len(self.text) - self.checked < self.check_chars and not first:
            return [], False
        start = max(0, self.checked - self.OVERLAP)
        verdict = self.call.engine.content_filter.check(self.call.policy, self.text[start:], "completion")
        if verdict.blocked:
            return self._release(start + (verdict.offset or 0), cut=True), True
        self.checked = len(self.text)
        if first:
            return self._release(len(self.text)), False
        boundary = max(self.text.rfind(" "), self.text.rfind("\n"))
        # Text with no word boundary for a whole stretch (CJK, long tokens) goes out as checked.
        return self._release(boundary + 1 if boundary >= self.released else len(self.text)), False

    async def finish(self) -> tuple[list[TextDelta], dict[str, Any], bool]:
        """At the choice's end: the rest that may go out, the filter results, whether it was blocked."""
        verdict = await judge_completion(self.call, self.text)
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
            out.append(_head(self.held.pop(0), end - self.released))
            self.released = end
        return out


def _head(piece: TextDelta, chars: int) -> TextDelta:
    """The first `chars` characters of a piece; a many-token piece keeps the token texts (and logprobs) inside them."""
    if not piece.token_texts:
        return TextDelta(piece.choice, piece.text[:chars], piece.tokens, piece.logprobs)
    texts, length = [], 0
    for text in piece.token_texts:
        if length + len(text) > chars:
            if chars > length:
                texts.append(text[: chars - length])
            break
        texts.append(text)
        length += len(text)
    logprobs = piece.logprobs[: len(texts)] if piece.logprobs else piece.logprobs
    return TextDelta(piece.choice, "".join(texts), len(texts), logprobs, texts)
