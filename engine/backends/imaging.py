"""Simulated image generation: a real PNG, drawn with Pillow from a hash of the prompt."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw, ImageOps


def revised_prompt(prompt: str, style: str) -> str:
    return f"A {style} abstract picture of gradients and shapes, standing in for: {prompt.strip()}"


def render(prompt: str, size: tuple[int, int], quality: str, style: str) -> bytes:
    """Same prompt and options, same bytes: a colour gradient with a few shapes placed by the prompt's hash."""
    digest = hashlib.sha256(f"{prompt}\0{quality}\0{style}".encode()).digest()
    width, height = size
    gradient = Image.linear_gradient("L").rotate(digest[0] % 4 * 90).resize((width, height))
    dark, light = tuple(digest[1:4]), tuple(digest[4:7])
    if style == "natural":  # calmer colours for the natural style
        dark, light = tuple(c // 2 + 40 for c in dark), tuple(c // 2 + 100 for c in light)
    image = ImageOps.colorize(gradient, dark, light)
    draw = ImageDraw.Draw(image)
    shapes = 6 if quality == "hd" else 3
    for i in range(shapes):
        b = digest[8 + i * 4: 12 + i * 4]
        x, y = b[0] * width // 256, b[1] * height // 256
        r = (b[2] % 64 + 16) * min(width, height) // 256
        colour = (b[3], b[0], b[1])
        box = (x - r, y - r, x + r, y + r)
        (draw.ellipse if i % 2 == 0 else draw.rectangle)(box, fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)  # speed over size: the file lives for a day
    return out.getvalue()
