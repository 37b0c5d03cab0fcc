"""Small thumbnails for drawing the tile grid: the one place the estimator decodes pixels (no Django here)."""

from __future__ import annotations

import base64
import io
from typing import BinaryIO

from PIL import Image

from shared_rules.errors import ImageError

# Decoding costs memory in proportion to pixels (4 bytes each): 25 MP is ~100 MB at worst. Bigger images are
# still counted from their header; they are drawn without a picture under the grid.
THUMBNAIL_MAX_PIXELS = 25_000_000
THUMBNAIL_SIDE = 320


def thumbnail_data_url(fp: BinaryIO, width: int, height: int) -> str | None:
    """A JPEG data URL at most THUMBNAIL_SIDE on its long side, or None when the image is too big to decode."""
    if width * height > THUMBNAIL_MAX_PIXELS:
        return None
    fp.seek(0)
    try:
        with Image.open(fp) as image:
            image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))  # JPEG decodes straight at a fraction of its size
            image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            flat = Image.new("RGB", image.size, "white")  # transparency shows as white, as on the page
            rgba = image.convert("RGBA")
            flat.paste(rgba, mask=rgba)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise ImageError(f"the image data is truncated or damaged ({e}); Azure refuses such images: export it again",
                         param="image") from e
    buffer = io.BytesIO()
    flat.save(buffer, "JPEG", quality=75)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
