"""Image-input tokens by each model's rule (tiles or patches, see image_rules.py) and header-only image sizing."""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import GifImagePlugin, Image, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from shared_rules import image_rules
from shared_rules.errors import EstimatorError, ImageError, TooLarge
from shared_rules.models import REGISTRY, ModelInfo

# A bomb is an image whose header declares more than 1 gigapixel. We never decode pixels, so sizing a large
# image costs nothing; the limit stops whatever later decodes it. 20000x20000 (0.4 GP) passes, 50000x50000 fails.
MAX_IMAGE_PIXELS: int = 1_000_000_000
# Typed sizes (an image_size part, a form field) are held to the same limit, and to a side no real image format has.
MAX_IMAGE_SIDE: int = 100_000
# The API takes at most 20 MB per image; refusing bigger data URLs before decoding bounds memory.
MAX_IMAGE_BYTES: int = 20 * 1024 * 1024

# The formats the vision API accepts. Opening through their plugins directly skips Pillow's process-wide
# bomb limit (178 MP, which would refuse 20000x20000); MAX_IMAGE_PIXELS above is enforced instead.
_PLUGINS = (PngImagePlugin.PngImageFile, JpegImagePlugin.JpegImageFile, GifImagePlugin.GifImageFile,
            WebPImagePlugin.WebPImageFile)
_DATA_URL = re.compile(r"data:image/[\w.+-]+;base64,", re.IGNORECASE)

LOW_DETAIL = "low"
DETAILS = ("low", "high", "auto", "original")  # original: gpt-5.4 and later only
MAX_SIDE = image_rules.TILE_MAX_SIDE
SHORT_SIDE = 768
TILE = image_rules.TILE
# A model the registry does not know is counted by gpt-4o's tiles, the rule most vision models share.
DEFAULT_RULE = image_rules.GPT_4O_TILES


@dataclass(frozen=True)
class ImageTokens:
    width: int
    height: int
    detail: str
    resized: tuple[int, int]  # the size the tiles or patches are cut from (the original size for low tiles)
    tiles: int
    tokens: int
    rule: str = "tile"  # or "patch"
    patches: int = 0
    steps: image_rules.RuleSteps | None = None


def rule_for(model: str | ModelInfo) -> image_rules.ImageRule:
    """The image rule a model counts by: its registry entry's, else gpt-4o's tiles."""
    info = model if isinstance(model, ModelInfo) else REGISTRY.find(model)
    return info.image_rule if info is not None and info.image_rule is not None else DEFAULT_RULE


def fit_within_max_side(width: int, height: int) -> tuple[int, int]:
    """The tile rule's first step for high detail: scale down to fit 2048 x 2048, keeping the aspect ratio."""
    return image_rules.fit_within(width, height, MAX_SIDE)


def check_image_size(width: object, height: object) -> None:
    """Refuse a size that is not two whole numbers of pixels, or that no image the API takes can have."""
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_IMAGE_SIDE:
            shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else repr(value)
            raise EstimatorError(
                f"image {name} must be a whole number of pixels from 1 to {MAX_IMAGE_SIDE:,}, got {shown}", param=name
            )
    if width * height > MAX_IMAGE_PIXELS:
        raise EstimatorError(
            f"image is {width:,} x {height:,} = {width * height:,} pixels, over the limit of {MAX_IMAGE_PIXELS:,}",
            param="width",
        )


def image_tokens(width: int, height: int, detail: str = "auto", model: str | ModelInfo = "gpt-4o") -> ImageTokens:
    """Tokens of one image input by the model's rule: tiles (gpt-4o, gpt-5, o-series) or patches (gpt-4.1-mini...)."""
    check_image_size(width, height)
    if detail not in DETAILS:
        raise EstimatorError(f"image detail must be one of {', '.join(DETAILS)}, got {detail!r}", param="detail")
    rule = rule_for(model)
    steps = image_rules.rule_steps(rule, width, height, detail)
    return ImageTokens(width, height, detail, steps.resized, steps.tiles, steps.tokens, rule=rule.kind,
                       patches=steps.patches, steps=steps)


def read_image_size(data: bytes | BinaryIO) -> tuple[int, int, str]:
    """(width, height, format) from the header only; pixels are never decoded."""
    fp = io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data
    if not fp.seekable():
        fp = io.BytesIO(fp.read())
    start = fp.tell()
    prefix = fp.read(16)
    for plugin in _PLUGINS:
        accepted = plugin.format.upper() in Image.OPEN and Image.OPEN[plugin.format.upper()][1](prefix)
        if not accepted or isinstance(accepted, str):
            continue
        fp.seek(start)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with plugin(fp) as im:  # lazy: reads chunks up to the pixel data, never .load()
                    width, height = im.size
                    kind = im.format
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise ImageError(f"image refused as a decompression bomb: {e}", param="image") from e
        except (SyntaxError, OSError, EOFError, ValueError, IndexError, TypeError, struct.error) as e:
            # Pillow's own text can quote raw bytes (b'IHDR'); a person needs only what to do.
            raise ImageError(f"{plugin.format} image is truncated or damaged; send the whole file again",
                             param="image") from e
        if width <= 0 or height <= 0:
            raise ImageError(f"image header declares an empty size {width} x {height}", param="image")
        if width * height > MAX_IMAGE_PIXELS:
            raise ImageError(
                f"image is {width} x {height} = {width * height:,} pixels, over the limit of {MAX_IMAGE_PIXELS:,}",
                param="image",
            )
        return width, height, kind
    what = "the data is empty" if not prefix else "the data is in none of the formats the API reads"
    raise ImageError(f"not an image: {what}; send PNG, JPEG, GIF or WEBP", param="image")


def decode_data_url(url: str) -> bytes:
    """The bytes of a `data:image/...;base64,...` URL."""
    match = _DATA_URL.match(url) if isinstance(url, str) else None
    if not match:
        shown = url[:40] if isinstance(url, str) else type(url).__name__
        raise ImageError(f"expected a data:image/...;base64,... URL, got {shown!r}", param="image_url")
    payload = url[match.end():]
    if len(payload) * 3 // 4 > MAX_IMAGE_BYTES:
        raise TooLarge(f"image is over {MAX_IMAGE_BYTES // (1024 * 1024)} MB; send a smaller one", param="image_url")
    try:
        return base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError) as e:
        raise ImageError(f"image data URL is not valid base64: {e}", param="image_url") from e
