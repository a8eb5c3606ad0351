"""The seal's image, drawn by the project: a red ring, a five-pointed star, the holder's name around
the top of the ring, the caption (行政审批专用章 …) under the star and the number, if any, below it.

The layout follows the usual round official seal (GB/T 7408-like proportions: 42 mm across, the text
ring inside the border). The image is a transparent PNG, cached per process by its texts.
"""

from __future__ import annotations

import functools
import io
import math

from PIL import Image, ImageDraw, ImageFont

from yichuang.documents.fonts import font_path

RED = (214, 0, 15, 235)
SIZE = 600  # pixels; printed at 42 mm that is about 360 dpi


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size=size, index=0)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, outer: float) -> None:
    inner = outer * 0.382
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=RED)


def _arc_text(image: Image.Image, text: str, *, radius: float, font_size: int) -> None:
    """Write ``text`` clockwise along the top of a circle, each character upright to the centre."""
    if not text:
        return
    font = _font(font_size)
    n = len(text)
    span = min(220.0, max(150.0, 18.0 * n))  # degrees of arc the text covers
    step = span / max(n - 1, 1)
    start = -90 - span / 2
    cx = cy = image.width / 2
    for i, char in enumerate(text):
        angle = start + i * step
        glyph = Image.new("RGBA", (font_size * 2, font_size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((font_size, font_size), char, font=font, fill=RED, anchor="mm")
        # A character at angle θ (0° = east, clockwise) is turned by θ + 90° so its top faces outwards.
        glyph = glyph.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC, expand=False)
        x = cx + radius * math.cos(math.radians(angle)) - glyph.width / 2
        y = cy + radius * math.sin(math.radians(angle)) - glyph.height / 2
        image.alpha_composite(glyph, (round(x), round(y)))


@functools.lru_cache(maxsize=256)
def seal_png(holder_name: str, caption: str = "", number: str = "") -> bytes:
    """The seal image as PNG bytes (transparent background)."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    border = SIZE * 0.035
    draw.ellipse(
        (border / 2, border / 2, SIZE - border / 2, SIZE - border / 2), outline=RED, width=round(border)
    )
    centre = SIZE / 2
    _star(draw, centre, centre, SIZE * 0.16)
    size = 62 if len(holder_name) <= 13 else max(36, int(62 * 13 / len(holder_name)))
    _arc_text(image, holder_name, radius=SIZE / 2 - border - size * 0.75, font_size=size)
    if caption:
        caption_size = 46 if len(caption) <= 7 else max(30, int(46 * 7 / len(caption)))
        draw.text((centre, SIZE * 0.73), caption, font=_font(caption_size), fill=RED, anchor="mm")
    if number:
        draw.text((centre, SIZE * 0.84), number, font=_font(34), fill=RED, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
