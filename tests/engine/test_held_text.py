"""The streamed completion filter: the answer's first token goes out at once, the rest up to word boundaries after
a check, and a blocked term never goes out whole."""

from __future__ import annotations

from types import SimpleNamespace

from engine.backends.base import TextDelta
from engine.contentfilter import ContentFilter, Policy, Rules, builtin_policy_properties
from engine.dataplane.moderation import HeldText

RULES = Rules.from_config({"categories": {"violence": [{"severity": "high", "terms": ["dragonfire"]}]}})
POLICY = Policy.from_arm("Microsoft.Default", builtin_policy_properties("Medium", True, True))


def held() -> HeldText:
    call = SimpleNamespace(engine=SimpleNamespace(content_filter=ContentFilter(RULES)), policy=POLICY)
    return HeldText(call)  # type: ignore[arg-type]


def texts(pieces: list[TextDelta]) -> list[str]:
    return [p.text for p in pieces]


def test_the_first_token_goes_out_at_once_then_text_waits_for_a_checked_stretch():
    text = held()
    assert texts(text.add(TextDelta(0, "Once"))[0]) == ["Once"]
    assert texts(text.add(TextDelta(0, " upon"))[0]) == []  # fewer than CHECK_CHARS new characters
    released = []
    for word in (" a", " time", " there", " lived", " a", " cook", " who"):
        released += texts(text.add(TextDelta(0, word))[0])
    # Past CHECK_CHARS new characters: checked, and sent up to the last word boundary (" who" may still grow).
    assert released == [" upon", " a", " time", " there", " lived", " a", " cook"]


def test_a_blocked_term_the_first_token_begins_is_cut_before_it_is_complete():
    text = held()
    assert texts(text.add(TextDelta(0, "dragon"))[0]) == ["dragon"]
    out, blocked = text.add(TextDelta(0, "fire and smoke and ashes everywhere"))
    assert blocked and "".join(texts(out)) == ""
