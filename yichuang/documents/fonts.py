"""The CJK font of every PDF and seal image: 文泉驿微米黑 (WenQuanYi Micro Hei, Apache 2.0).

It comes from PyPI (``paperang-p2-fonts-cjk``), so ``make setup`` on a fresh machine has it. It has
TrueType outlines, which reportlab can subset and embed (the Noto/Source Han CJK fonts on PyPI are
CFF-flavoured OpenType, which reportlab cannot embed). Only the glyphs a document uses are embedded.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

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
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    # Binary streams: reportlab's pure-Python ASCII85 encoder took most of a page's rendering time.
    rl_config.useA85 = 0
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
    return FONT_NAME
