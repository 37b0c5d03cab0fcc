"""The image token rule and header-only image sizing."""

import base64
import io
import struct
import time
import tracemalloc
import zlib

import pytest
from PIL import Image

from shared_rules.errors import EstimatorError, ImageError, TooLarge
from shared_rules.images import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, decode_data_url, image_tokens, read_image_size


def png_header(width: int, height: int) -> bytes:
    """A valid PNG declaring any size, with one byte of pixel data: a huge image without allocating it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def encoded(width: int, height: int, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "width, height, detail, model, resized, tiles, tokens",
    [
        (2048, 4096, "high", "gpt-4o", (768, 1536), 6, 1105),  # the reference's worked examples
        (1024, 1024, "high", "gpt-4o", (768, 768), 4, 765),
        (512, 512, "high", "gpt-4o", (512, 512), 1, 255),
        (1024, 1024, "high", "gpt-4o-mini", (768, 768), 4, 25501),
        (4096, 4096, "high", "gpt-4o", (768, 768), 4, 765),
        (3000, 1000, "high", "gpt-4o", (2048, 682), 8, 1445),
        (1, 10000, "high", "gpt-4o", (1, 2048), 4, 765),  # thin: never scaled to 0 px, never scaled up
        (10000, 1, "high", "gpt-4o", (2048, 1), 4, 765),
        (800, 600, "high", "gpt-4o", (800, 600), 4, 765),  # short side already under 768: kept
        (100, 100, "high", "gpt-4o", (100, 100), 1, 255),
        (2001, 1000, "high", "gpt-4o", (1536, 768), 6, 1105),  # 1536.77 floors to 1536: pins the floor rule
        (1024, 1024, "auto", "gpt-4o", (768, 768), 4, 765),  # auto priced as high
        (512, 512, "high", "gpt-4o-mini-2024-07-18", (512, 512), 1, 2833 + 5667),
        (512, 512, "high", "gpt-4o-mini-2024-07-18.ft-abc", (512, 512), 1, 2833 + 5667),
        (512, 512, "high", "gpt-4-turbo", (512, 512), 1, 255),
    ],
)
def test_high_detail_fits_2048_then_768_short_side_then_tiles(width, height, detail, model, resized, tiles, tokens):
    counted = image_tokens(width, height, detail, model)
    assert (counted.resized, counted.tiles, counted.tokens) == (resized, tiles, tokens)
    assert (counted.width, counted.height, counted.detail) == (width, height, detail)


@pytest.mark.parametrize(
    "width, height, model, tokens",
    [(4096, 8192, "gpt-4o", 85), (1, 1, "gpt-4o", 85), (2048, 2048, "gpt-4o", 85), (4096, 8192, "gpt-4o-mini", 2833)],
)
def test_low_detail_costs_the_base_whatever_the_size(width, height, model, tokens):
    assert image_tokens(width, height, "low", model).tokens == tokens


@pytest.mark.parametrize("width, height", [(0, 10), (10, 0), (-5, 10), (10.5, 10), (True, 10), ("10", 10), (None, 1)])
def test_sizes_that_are_not_positive_whole_numbers_are_refused(width, height):
    with pytest.raises(EstimatorError, match="a whole number of pixels from 1 to"):
        image_tokens(width, height, "high")


def test_an_unknown_detail_is_refused():
    with pytest.raises(EstimatorError, match="low, high, auto"):
        image_tokens(10, 10, "medium")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_the_accepted_formats_are_sized_from_their_headers(fmt):
    assert read_image_size(encoded(37, 21, fmt)) == (37, 21, fmt)


def test_a_file_object_is_read_like_bytes():
    assert read_image_size(io.BytesIO(encoded(5, 7, "PNG"))) == (5, 7, "PNG")


def test_a_20000_square_png_is_sized_from_its_header_fast_and_small():
    data = png_header(20000, 20000)
    tracemalloc.start()
    started = time.perf_counter()
    width, height, fmt = read_image_size(data)
    counted = image_tokens(width, height, "high")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (width, height, fmt, counted.tokens) == (20000, 20000, "PNG", 765)
    assert elapsed < 0.05
    assert peak < 50 * 1024 * 1024


def test_pillows_own_bomb_limit_is_left_alone():
    limit = Image.MAX_IMAGE_PIXELS
    read_image_size(png_header(20000, 20000))
    assert Image.MAX_IMAGE_PIXELS == limit


@pytest.mark.parametrize("width, height", [(50000, 50000), (40000, 25001), (2**31 - 1, 2)])
def test_a_header_declaring_over_a_gigapixel_is_refused_as_a_bomb(width, height):
    with pytest.raises(ImageError, match="over the limit") as caught:
        read_image_size(png_header(width, height))
    assert caught.value.code == "invalid_image"


def test_exactly_a_gigapixel_is_still_sized():
    assert MAX_IMAGE_PIXELS == 40000 * 25000
    assert read_image_size(png_header(40000, 25000))[:2] == (40000, 25000)


@pytest.mark.parametrize(
    "data", [b"", b"hello, this is text", b"%PDF-1.7\n", encoded(4, 4, "BMP")], ids=["empty", "text", "pdf", "bmp"]
)
def test_bytes_that_are_not_an_accepted_image_are_refused(data):
    with pytest.raises(ImageError, match="not an image"):
        read_image_size(data)


@pytest.mark.parametrize(
    "data",
    [png_header(100, 100)[:20], png_header(100, 100)[:30], encoded(300, 200, "JPEG")[:100], encoded(30, 20, "GIF")[:8]],
    ids=["png-in-ihdr", "png-bad-crc", "jpeg-before-frame", "gif-before-size"],
)
def test_an_image_cut_off_inside_its_header_is_refused(data):
    with pytest.raises(ImageError, match="truncated or damaged"):
        read_image_size(data)


def test_an_image_cut_off_after_its_header_is_still_sized():
    # Only the header is read, so missing pixel data does not matter for the estimate.
    data = encoded(300, 200, "PNG")
    assert read_image_size(data[: data.index(b"IDAT") + 8]) == (300, 200, "PNG")


def test_a_data_url_decodes_to_its_bytes():
    data = encoded(3, 3, "PNG")
    assert decode_data_url("DATA:image/png;base64," + base64.b64encode(data).decode()) == data


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a.png",
        "data:text/plain;base64,aGk=",
        "data:image/png,rawbytes",
        "data:image/png;base64,%%%",
    ],
)
def test_anything_but_a_base64_image_data_url_is_refused(url):
    with pytest.raises(ImageError):
        decode_data_url(url)


def test_a_data_url_over_20_mb_is_refused_before_decoding():
    with pytest.raises(TooLarge) as caught:
        decode_data_url("data:image/png;base64," + "A" * (MAX_IMAGE_BYTES // 3 * 4 + 8))
    assert caught.value.code == "too_large"
