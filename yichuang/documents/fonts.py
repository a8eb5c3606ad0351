"""The CJK font of every PDF and seal image: 文泉驿微米黑 (WenQuanYi Micro Hei, Apache 2.0).

It comes from PyPI (``paperang-p2-fonts-cjk``), so ``make setup`` on a fresh machine has it. It has
TrueType outlines, which reportlab can subset and embed (the Noto/Source Han CJK fonts on PyPI are
CFF-flavoured OpenType, which reportlab cannot embed). Only the glyphs a document uses are embedded.
"""

from __future__ import annotations

import contextlib
import functools
import zlib
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

FONT_NAME = "WenQuanYiMicroHei"


@functools.cache
def font_path() -> Path:
    path = Path(str(resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"))
    if not path.is_file():  # pragma: no cover - a broken installation
        raise FileNotFoundError(f"CJK font missing: {path}; reinstall paperang-p2-fonts-cjk")
    return path


@functools.cache
def register_pdf_font() -> str:
    """Register the font with reportlab once per process (≈ 0.3 s); returns its name."""
    from reportlab import rl_config
    from reportlab.pdfbase import pdfdoc, pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    class _Flate3(pdfdoc.PDFStreamFilterZCompress):  # type: ignore[misc]  # reportlab ships no types
        def encode(self, text: str | bytes) -> bytes:
            return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 3)

    # Binary streams: reportlab's pure-Python ASCII85 encoder took most of a page's rendering time.
    rl_config.useA85 = 0
    # zlib level 3 instead of 6 for every stream (the embedded font subsets most of all): about 1 ms
    # of a page's 12, for 3 % more bytes; the PDF is the same to anyone who opens it.
    pdfdoc.PDFZCompress = _Flate3()
    font = TTFont(FONT_NAME, str(font_path()), subfontIndex=0)
    font.face.makeSubset = fast_subsetter(font.face)
    pdfmetrics.registerFont(font)
    return FONT_NAME


class _Glyph:
    """One glyph of the font as the subsetter needs it: its bytes, and, for a composite glyph, the
    glyphs it is built from with the offsets of their indices in those bytes."""

    __slots__ = ("components", "data", "offsets", "patch")

    def __init__(self, data: bytes, components: list[int], offsets: list[int], patch: bool) -> None:
        self.data, self.components, self.offsets, self.patch = data, components, offsets, patch


def _read_glyph(glyf: bytes, positions: list[int], index: int) -> _Glyph:
    from struct import unpack_from

    from reportlab.pdfbase import ttfonts as t

    start, end = positions[index], positions[index + 1]
    data = glyf[start:end]
    components: list[int] = []
    offsets: list[int] = []
    if len(data) >= 2 and unpack_from(">h", data, 0)[0] < 0:  # a composite glyph
        at, flags = 10, t.GF_MORE_COMPONENTS
        while flags & t.GF_MORE_COMPONENTS:
            flags, glyph = unpack_from(">HH", data, at)
            components.append(glyph)
            offsets.append(at + 2)
            at += 8 if flags & t.GF_ARG_1_AND_2_ARE_WORDS else 6
            if flags & t.GF_WE_HAVE_A_SCALE:
                at += 2
            elif flags & t.GF_WE_HAVE_AN_X_AND_Y_SCALE:
                at += 4
            elif flags & t.GF_WE_HAVE_A_TWO_BY_TWO:
                at += 8
    return _Glyph(data, components, offsets, patch=len(data) > 2 and bool(components))


def fast_subsetter(face: Any) -> Callable[[Sequence[int]], bytes]:
    """``face.makeSubset`` (reportlab's ``TTFontFile``) with the same bytes out, reading the font's
    tables once per process and each glyph once instead of per document: reportlab copies the
    3.5 MB ``glyf`` table and re-parses every composite glyph (most of this font's ideographs) for
    each subset of each PDF."""
    from struct import pack, pack_into

    from reportlab.pdfbase import ttfonts as t

    glyf = face.get_table("glyf")
    positions = face.glyphPos
    copied = []
    for tag in ("name", "OS/2", "cvt ", "fpgm", "prep"):
        with contextlib.suppress(KeyError):  # cvt, fpgm and prep are optional
            copied.append((tag, face.get_table(tag)))
    post = b"\x00\x03\x00\x00" + face.get_table("post")[4:16] + b"\x00" * 16
    hhea, maxp, head = face.get_table("hhea"), face.get_table("maxp"), face.get_table("head")
    glyphs: dict[int, _Glyph] = {}

    def glyph(index: int) -> _Glyph:
        found = glyphs.get(index)
        if found is None:
            found = glyphs[index] = _read_glyph(glyf, positions, index)
        return found

    def make_subset(subset: Sequence[int]) -> bytes:
        output = t.TTFontMaker()
        glyph_map = [0]
        glyph_set = {0: 0}
        code_to_glyph = {}
        char_to_glyph = face.charToGlyph
        for code in subset:
            original = char_to_glyph.get(code, 0)
            if original not in glyph_set:
                glyph_set[original] = len(glyph_map)
                glyph_map.append(original)
            code_to_glyph[code] = glyph_set[original]
        n = 0
        while n < len(glyph_map):
            for component in glyph(glyph_map[n]).components:
                if component not in glyph_set:
                    glyph_set[component] = len(glyph_map)
                    glyph_map.append(component)
            n += 1
        for tag, table in copied:
            output.add(tag, table)
        output.add("post", post)
        count = len(glyph_map)
        hmtx: list[int] = []
        for original in glyph_map:
            advance, bearing = face.hmetrics[original]
            hmtx += (int(advance), int(bearing))
        n = len(hmtx) - 2
        while n and hmtx[n] == hmtx[n - 2]:
            n -= 2
        n += 2
        hmtx = hmtx[:n] + hmtx[n + 1 :: 2]
        output.add("hmtx", pack(f">{len(hmtx)}H", *hmtx))
        output.add("hhea", t._set_ushort(hhea, 34, n >> 1))
        output.add("maxp", t._set_ushort(maxp, 4, count))
        entries = len(subset)
        cmap = [0, 1, 1, 0, 0, 12, 6, 10 + entries * 2, 0, 0, entries, *map(code_to_glyph.get, subset)]
        output.add("cmap", pack(f">{len(cmap)}H", *cmap))
        offsets = []
        parts: list[bytes] = []
        pos = 0
        for original in glyph_map:
            offsets.append(pos)
            g = glyph(original)
            data = g.data
            if g.patch:
                patched = bytearray(data)
                for component, at in zip(g.components, g.offsets, strict=True):
                    pack_into(">H", patched, at, glyph_set[component])
                data = bytes(patched)
            parts.append(data)
            pos += len(data)
            if pos % 4:
                padding = 4 - pos % 4
                parts.append(b"\0" * padding)
                pos += padding
        offsets.append(pos)
        output.add("glyf", b"".join(parts))
        if (pos + 1) >> 1 > 0xFFFF:
            location_format = 1
            output.add("loca", pack(f">{len(offsets)}L", *offsets))
        else:
            location_format = 0
            output.add("loca", pack(f">{len(offsets)}H", *[o >> 1 for o in offsets]))
        output.add("head", t._set_ushort(head, 50, location_format))
        return bytes(output.makeStream())

    return make_subset
