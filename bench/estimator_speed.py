"""Bench the estimator's hot paths against their floors; prints PASS/FAIL per target and exits 1 on any FAIL."""

import io
import random
import struct
import sys
import time
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from PIL import Image  # noqa: E402

from shared_rules.images import image_tokens, read_image_size  # noqa: E402
from shared_rules.tokens import count_text, count_text_tokens, encoding_name_for_model, get_encoding  # noqa: E402

MODEL = "gpt-4o"
TEXT_MB = 10
MAX_COUNT_RATIO = 1.15
MAX_PATHOLOGICAL_RATIO = 3.0  # a pathological text against a typical one of the same size
MAX_IMAGE_SECONDS = 0.050
MAX_IMAGE_BYTES = 50 * 1024 * 1024


def best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def sample_text(megabytes: int) -> str:
    rng = random.Random(42)
    # Mixed text: ASCII, accents, CJK, digits, newlines and a special-token string that must count as text.
    words = "the estimator counts tokens Azure OpenAI déjà vu 数据 <|endoftext|> 42,".split() + ["\n"]
    pieces, size = [], 0
    while size < megabytes * 1_000_000:
        word = rng.choice(words) + " "
        pieces.append(word)
        size += len(word.encode())
    return "".join(pieces)


def gray_png(width: int, height: int) -> bytes:
    """A complete, valid grayscale PNG, compressed row by row so 400 MP never sit in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor, row, parts = zlib.compressobj(9), b"\0" * (width + 1), []
    for _ in range(height):
        parts.append(compressor.compress(row))
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def size_and_price(data: bytes) -> int:
    width, height, _ = read_image_size(data)
    return image_tokens(width, height, "high", MODEL).tokens


def peak_bytes(work: Callable[[], object]) -> int:
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def report(label: str, ok: bool) -> bool:
    print(f"  {'PASS' if ok else 'FAIL'}  {label}")
    return ok


def bench_counting() -> list[bool]:
    text = sample_text(TEXT_MB)
    encoding = get_encoding(encoding_name_for_model(MODEL))
    assert count_text_tokens(text, MODEL) == len(encoding.encode_ordinary(text))  # like for like
    raw = best_of(3, lambda: encoding.encode_ordinary(text))
    ours = best_of(3, lambda: count_text_tokens(text, MODEL))
    # For reference only: encode(disallowed_special=()) gives the same ids by a slightly longer path.
    plain = best_of(3, lambda: encoding.encode(text, disallowed_special=()))
    ratio = ours / raw
    print(f"1. {TEXT_MB} MB of text, {MODEL}, best of 3")
    print(f"   tiktoken encode_ordinary: {raw:.3f} s   count_text_tokens: {ours:.3f} s   ratio {ratio:.3f}x")
    print(f"   (tiktoken encode(disallowed_special=()), same ids: {plain:.3f} s)")
    return [report(f"count_text_tokens within {MAX_COUNT_RATIO}x of tiktoken", ratio <= MAX_COUNT_RATIO)]


def random_letters(size: int, word: int | None = None) -> str:
    """Random a-z letters, in one run or in words of `word` letters split by spaces (the same letters)."""
    letters = "".join(random.Random(7).choices("abcdefghijklmnopqrstuvwxyz", k=size))
    if word is None:
        return letters
    return " ".join(letters[i:i + word] for i in range(0, size, word + 1))[:size]


def bench_pathological() -> list[bool]:
    """Pathological runs (one pre-tokenized piece megabytes long) against typical text of the same size.

    tiktoken's merge loop costs a piece's length squared (one letter repeated for 10 MB took 8.5 s before the
    bound) and a long run of spaces made its regex engine panic; runs are now counted in pieces.
    """
    size = TEXT_MB * 1_000_000
    typical = sample_text(TEXT_MB)
    cases = (
        ("one letter repeated", "a" * size, "the sample text", typical),
        ("spaces only", " " * size, "the sample text", typical),
        ("random letters, no space", random_letters(size), "the same letters in 5-letter words",
         random_letters(size, 5)),
    )
    print(f"3. pathological {TEXT_MB} MB texts against typical ones of the same size, count_text, best of 3")
    results = []
    for label, text, against, normal in cases:
        counted = count_text(text, MODEL)
        seconds = best_of(3, lambda text=text: count_text(text, MODEL))
        normal_s = best_of(3, lambda normal=normal: count_text(normal, MODEL))
        ratio = seconds / normal_s
        print(f"   {label}: {seconds:.3f} s; {against}: {normal_s:.3f} s; ratio {ratio:.3f}x "
              f"({counted.tokens:,} tokens, approximate={counted.approximate})")
        results.append(report(f"{label} within {MAX_PATHOLOGICAL_RATIO}x", ratio <= MAX_PATHOLOGICAL_RATIO))
    return results


def bench_images() -> list[bool]:
    big = gray_png(20000, 20000)
    small = io.BytesIO()
    Image.new("RGB", (100, 100), "white").save(small, "PNG")
    small = small.getvalue()
    assert size_and_price(big) == 765 and size_and_price(small) == 255
    big_s, small_s = best_of(20, lambda: size_and_price(big)), best_of(20, lambda: size_and_price(small))
    big_mem, small_mem = peak_bytes(lambda: size_and_price(big)), peak_bytes(lambda: size_and_price(small))
    print(f"2. read_image_size + image_tokens, best of 20 (20000x20000 PNG is {len(big) / 1e6:.2f} MB on disk)")
    print(f"   20000x20000: {big_s * 1e3:.3f} ms, peak {big_mem / 1024:.1f} KiB")
    print(f"   100x100:     {small_s * 1e3:.3f} ms, peak {small_mem / 1024:.1f} KiB")
    print(f"   ratio big/small: time {big_s / small_s:.2f}x, memory {big_mem / small_mem:.2f}x")
    return [
        report(f"20000x20000 sized in under {MAX_IMAGE_SECONDS * 1e3:.0f} ms", big_s < MAX_IMAGE_SECONDS),
        report(f"20000x20000 sized in under {MAX_IMAGE_BYTES // 2**20} MB", big_mem < MAX_IMAGE_BYTES),
    ]


def main() -> int:
    results = bench_counting() + bench_images() + bench_pathological()
    print("all targets met" if all(results) else "some targets missed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
