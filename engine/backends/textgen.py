"""Readable lorem-like English for the simulated models, drawn from a seeded random generator."""

from __future__ import annotations

import hashlib
import random
import re

WORDS = tuple("""
the a model answer simple local engine studio request token stream window river light garden morning evening
small quiet bright careful steady clear gentle quick patient useful honest open warm cold early late good new
old long short high low first last next every other many few most some each both several certain simple
people person team friend teacher reader writer builder engineer student visitor neighbour traveller
house city road bridge field forest mountain harbour station library kitchen market school office window door
table letter story picture message question idea plan note list record report figure number detail
time day week month year moment hour season minute history future present reason method result example
water fire stone paper glass metal wood cloth bread coffee music colour sound voice signal pattern shape
make take give find keep build write read learn teach show carry bring follow explain describe measure
compare check change move turn hold open close start finish help share send receive watch listen notice
is was has had can will would should could might must does did seems becomes remains stays grows
and but so because while when where after before although unless until since
with from into over under between through during without within along across behind beyond near
very quite rather almost always often sometimes never usually already still again soon together
""".split())
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")
_REPEAT_RE = re.compile(r"repeat after me:\s*(.+)", re.IGNORECASE | re.DOTALL)
_LENGTH_RE = re.compile(r"\b(\d{1,5})\s+(?:words|tokens)\b", re.IGNORECASE)


def make_rng(key: bytes, index: int, seeded: bool) -> random.Random:
    """Equal keys give equal answers; without a seed, fresh randomness is mixed in so answers vary like a model's."""
    digest = hashlib.blake2b(key + index.to_bytes(4, "little"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    if not seeded:
        value ^= random.getrandbits(64)
    return random.Random(value)


def sentence(rng: random.Random, words: int | None = None) -> str:
    count = words or rng.randint(6, 14)
    picked = [rng.choice(WORDS) for _ in range(count)]
    if count > 7 and rng.random() < 0.4:
        picked[rng.randint(3, count - 3)] += ","
    return " ".join(picked).capitalize() + "."


def paragraph(rng: random.Random, target_words: int, lead: str = "", limit: int | None = None) -> str:
    """Whole sentences until about `target_words` words, so a natural answer always ends on a full stop.

    `limit` stops early once that many words are written: the text is then a prefix of the unlimited one, so a
    max_tokens cut costs only what it keeps (every word is at least one token)."""
    parts = [lead] if lead else []
    count = len(lead.split())
    while count < target_words and (limit is None or count < limit):
        remaining = target_words - count
        s = sentence(rng, max(3, remaining) if remaining < 6 else None)
        parts.append(s)
        count += len(s.split())
    return " ".join(parts)


def phrase(rng: random.Random, low: int = 2, high: int = 5) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def words_of(text: str, limit: int) -> list[str]:
    return _WORD_RE.findall(text)[:limit]


def repeat_request(text: str) -> str | None:
    """What follows "repeat after me:" in the user's message: the simulated model says it back verbatim."""
    match = _REPEAT_RE.search(text)
    return match.group(1).strip() if match else None


def length_request(text: str) -> int | None:
    """"write 300 words" / "in 1000 tokens": the simulated model aims its natural length there."""
    match = _LENGTH_RE.search(text)
    return int(match.group(1)) if match else None
