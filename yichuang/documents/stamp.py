"""The seal's image, drawn by the project: a red ring, a five-pointed star, the holder's name around
the top of the ring, the caption (行政审批专用章 …) under the star and the number, if any, below it.

One layout (in units of the seal's diameter) feeds two painters: Pillow makes the PNG (the admin's
preview, anything that wants a picture), and ``draw_seal`` paints the same shapes as vectors onto a
PDF page — crisp in print, a few hundred bytes, and no image to decode and compress per document
(that took most of a page's rendering time).
"""

from __future__ import annotations

import functools
import io
import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from yichuang.documents.fonts import font_path

RED = (214, 0, 15)
SIZE = 600  # pixels drawn; the PNG is scaled down to OUTPUT (about 250 dpi at 42 mm)
OUTPUT = 420


@dataclass(frozen=True)
class Glyph:
    char: str
    x: float  # centre, in units of the diameter, from the left
    y: float  # centre, in units of the diameter, from the top
    size: float  # em size, in units of the diameter
    turn: float = 0.0  # degrees clockwise


@dataclass(frozen=True)
class Layout:
    ring_width: float
    ring_radius: float  # to the middle of the ring
    star: tuple[tuple[float, float], ...]
    glyphs: tuple[Glyph, ...]


#: Brackets a seal number may arrive in (after NFKC, full-width （） are ASCII).
_BRACKETS = {"(": ")", "[": "]", "〔": "〕", "【": "】"}


def seal_number_bare(raw: str | None) -> str:
    """The seal number without the brackets it is printed in: "（006）", "(006)", " 006 " and
    "（（006））" are all "006". Full-width digits become ASCII (NFKC)."""
    number = unicodedata.normalize("NFKC", raw or "").strip()
    while len(number) >= 2 and _BRACKETS.get(number[0]) == number[-1]:
        number = number[1:-1].strip()
    return number


def seal_number_text(raw: str | None) -> str:
    """The number as it is printed on the seal and after its name: one pair of full-width
    brackets, "（006）", however it was typed; "" for a seal without a number."""
    number = seal_number_bare(raw)
    return f"（{number}）" if number else ""


@functools.lru_cache(maxsize=256)
def seal_layout(holder_name: str, caption: str = "", number: str = "") -> Layout:
    border = 0.035
    star = []
    outer, inner = 0.16, 0.16 * 0.382
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        star.append((0.5 + radius * math.cos(angle), 0.5 + radius * math.sin(angle)))
    glyphs: list[Glyph] = []
    n = len(holder_name)
    size = (62 if n <= 13 else max(36, int(62 * 13 / n))) / 600
    radius = 0.5 - border - size * 0.75
    span = min(220.0, max(150.0, 18.0 * n))  # degrees of arc the name covers
    step = span / max(n - 1, 1)
    for i, char in enumerate(holder_name):
        angle = -90 - span / 2 + i * step  # 0° = east, clockwise (y grows downwards)
        x = 0.5 + radius * math.cos(math.radians(angle))
        y = 0.5 + radius * math.sin(math.radians(angle))
        glyphs.append(Glyph(char, x, y, size, turn=angle + 90))  # the character's top faces outwards
    if caption:
        caption_size = (46 if len(caption) <= 7 else max(30, int(46 * 7 / len(caption)))) / 600
        glyphs += _line(caption, 0.73, caption_size)
    number = seal_number_text(number)
    if number:
        glyphs += _line(number, 0.84, 34 / 600)
    return Layout(ring_width=border, ring_radius=0.5 - border / 2, star=tuple(star), glyphs=tuple(glyphs))


def _line(text: str, y: float, size: float) -> list[Glyph]:
    """A horizontal line of text centred at ``y``: one glyph per character (full-width characters)."""
    widths = [size if ord(c) > 0x2E80 else size * 0.55 for c in text]
    x = 0.5 - sum(widths) / 2
    out = []
    for char, width in zip(text, widths, strict=True):
        out.append(Glyph(char, x + width / 2, y, size))
        x += width
    return out


# —— Pillow: the PNG ——


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size=size, index=0)


@functools.lru_cache(maxsize=256)
def seal_png(holder_name: str, caption: str = "", number: str = "") -> bytes:
    """The seal image as PNG bytes (transparent background)."""
    layout = seal_layout(holder_name, caption, number)
    colour = (*RED, 235)
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    half = layout.ring_width * SIZE / 2
    draw.ellipse(
        (half, half, SIZE - half, SIZE - half), outline=colour, width=round(layout.ring_width * SIZE)
    )
    draw.polygon([(x * SIZE, y * SIZE) for x, y in layout.star], fill=colour)
    for glyph in layout.glyphs:
        px = max(1, round(glyph.size * SIZE))
        tile = Image.new("RGBA", (px * 2, px * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((px, px), glyph.char, font=_font(px), fill=colour, anchor="mm")
        if glyph.turn:
            tile = tile.rotate(-glyph.turn, resample=Image.Resampling.BICUBIC)
        image.alpha_composite(tile, (round(glyph.x * SIZE - px), round(glyph.y * SIZE - px)))
    buffer = io.BytesIO()
    image.resize((OUTPUT, OUTPUT), Image.Resampling.LANCZOS).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# —— reportlab: vectors on a PDF page ——


def draw_seal(canvas: Any, x: float, y: float, diameter: float, layout: Layout, *, font: str) -> None:
    """Paint ``layout`` with its lower-left corner at (``x``, ``y``) points, ``diameter`` wide."""
    from reportlab.lib.colors import Color

    red = Color(RED[0] / 255, RED[1] / 255, RED[2] / 255)

    def at(ux: float, uy: float) -> tuple[float, float]:
        return x + ux * diameter, y + (1 - uy) * diameter

    canvas.saveState()
    canvas.setFillColor(red)
    canvas.setStrokeColor(red)
    canvas.setFillAlpha(0.92)
    canvas.setStrokeAlpha(0.92)
    canvas.setLineWidth(layout.ring_width * diameter)
    centre = at(0.5, 0.5)
    canvas.circle(centre[0], centre[1], layout.ring_radius * diameter, stroke=1, fill=0)
    path = canvas.beginPath()
    first, *rest = [at(px, py) for px, py in layout.star]
    path.moveTo(*first)
    for point in rest:
        path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
    for glyph in layout.glyphs:
        gx, gy = at(glyph.x, glyph.y)
        size = glyph.size * diameter
        canvas.saveState()
        canvas.translate(gx, gy)
        if glyph.turn:
            canvas.rotate(-glyph.turn)
        canvas.setFont(font, size)
        canvas.drawCentredString(0, -size * 0.36, glyph.char)  # the ideograph's middle sits ≈0.36 em up
        canvas.restoreState()
    canvas.restoreState()
