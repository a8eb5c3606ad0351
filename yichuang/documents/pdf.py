"""The page every document shares: A4, the embedded CJK font, the title, the issuer's block under the
seal image, and a footer with the verify code and its QR code. Kinds of documents only supply their
body (``render.py``, ``certificates.py``); a handover list is one more body (``render_handover_list``).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import qrcode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, Table, TableStyle

from yichuang.documents.fonts import register_pdf_font
from yichuang.documents.linebreak import Paragraph
from yichuang.documents.stamp import Layout, draw_seal, seal_layout, seal_png

SEAL_DIAMETER = 42 * mm


@dataclass(frozen=True)
class SealImage:
    """What the stamp shows: the texts of a seal (the key never comes near rendering)."""

    holder_name: str
    caption: str = ""
    number: str = ""

    def png(self) -> bytes:
        return seal_png(self.holder_name, self.caption, self.number)

    def layout(self) -> Layout:
        return seal_layout(self.holder_name, self.caption, self.number)


@dataclass(frozen=True)
class Page:
    title: str
    verify_code: str = ""
    verify_url: str = ""
    issuer: str = ""
    date: dt.date | None = None
    seal: SealImage | None = None
    subtitle: str = ""
    producer: str = "一窗 yichuang"
    border: str = ""  # a colour: certificates get a double frame
    watermark: str = ""  # across every page, e.g. 草稿 on a handover list not yet sent
    #: a certificate's issuer block takes less height: the seal overlaps what is above and below it,
    #: as a stamp on a printed certificate does, so a full page of fields keeps its seal on that page
    compact_issuer: bool = False


def chinese_date(day: dt.date | None) -> str:
    """成文日期 as GB/T 9704-2012 writes it: Arabic numerals, 年月日 in full."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles, made once per process (nothing changes them; a document used to build
    all eight for every paragraph)."""
    font = register_pdf_font()
    base = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, wordWrap="CJK", alignment=TA_LEFT)
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=21, leading=30, alignment=TA_CENTER, spaceAfter=4
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10.5, alignment=TA_RIGHT, spaceAfter=10),
        "to": ParagraphStyle("to", parent=base, spaceBefore=6),
        "body": ParagraphStyle("indent", parent=base, firstLineIndent=24),
        "plain": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=10.5, leading=15),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
        "heading": ParagraphStyle("heading", parent=base, fontSize=13, spaceBefore=8, spaceAfter=2),
    }


def escape(text: Any) -> str:
    return (
        str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )


def table(rows: Sequence[Sequence[Any]], widths: Sequence[float], *, header: bool = True) -> Table:
    """A ruled table; cells that are strings become wrapping paragraphs."""
    cell = styles()["cell"]
    data = [[Paragraph(escape(c), cell) if isinstance(c, str) else c for c in row] for row in rows]
    result = Table(data, colWidths=list(widths), repeatRows=1 if header else 0)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")))
    result.setStyle(TableStyle(commands))
    return result


class IssuerBlock(Flowable):  # type: ignore[misc]  # reportlab ships no types
    """The issuer's name and the date at the right, with the seal image stamped over them."""

    def __init__(
        self, issuer: str, day: dt.date | None, seal: SealImage | None, *, compact: bool = False
    ) -> None:
        super().__init__()
        self.issuer, self.day, self.seal = issuer, day, seal
        self.height = 22 * mm if compact else SEAL_DIAMETER + 4 * mm

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def draw(self) -> None:
        canvas: Canvas = self.canv
        font = register_pdf_font()
        right = self.width - 4 * mm
        canvas.setFont(font, 12)
        canvas.drawRightString(right, self.height / 2 + 2 * mm, self.issuer)
        canvas.drawRightString(right, self.height / 2 - 6 * mm, chinese_date(self.day))
        width = max(canvas.stringWidth(self.issuer, font, 12), 30 * mm)
        centre_x = right - width / 2
        if self.seal is not None:
            draw_seal(
                canvas,
                centre_x - SEAL_DIAMETER / 2,
                self.height / 2 - SEAL_DIAMETER / 2,
                SEAL_DIAMETER,
                self.seal.layout(),
                font=font,
            )
        else:
            canvas.setFont(font, 9)
            canvas.setFillColor(colors.grey)
            canvas.drawRightString(right, self.height / 2 - 14 * mm, "（未加盖电子印章）")
            canvas.setFillColor(colors.black)


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code drawn as vector bars (crisp at any zoom, a few hundred bytes): each run of dark
    modules in a row is one filled rectangle (one path each, as viewers snap them to pixels), written
    in module units under one transformation (whole numbers: reportlab's float formatting of four numbers per
    rectangle cost as much as making the code). The mask is fixed: choosing the best of eight costs
    more than the rest of the page and a short URL scans well with any."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=0)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    bars: list[str] = []
    for row_index, row in enumerate(matrix):
        start = None
        for col_index, dark in enumerate([*row, False]):
            if dark and start is None:
                start = col_index
            elif not dark and start is not None:
                bars.append(f"n {start} {row_index} {col_index - start} 1 re f")
                start = None
    cell = size / len(matrix)
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.transform(cell, 0, 0, -cell, x, y + size)  # (0, 0) the top left module, rows downwards
    canvas.addLiteral("\n".join(bars))
    canvas.restoreState()


def _footer(page: Page) -> Callable[[Canvas, Any], None]:
    def draw(canvas: Canvas, document: Any) -> None:
        font = register_pdf_font()
        canvas.saveState()
        width, _height = document.pagesize
        left = document.leftMargin
        bottom = 12 * mm
        if page.border:
            page_width, page_height = document.pagesize
            canvas.setStrokeColor(colors.HexColor(page.border))
            canvas.setLineWidth(3)
            canvas.rect(8 * mm, 8 * mm, page_width - 16 * mm, page_height - 16 * mm)
            canvas.setLineWidth(0.8)
            canvas.rect(10.5 * mm, 10.5 * mm, page_width - 21 * mm, page_height - 21 * mm)
            canvas.setStrokeColor(colors.black)
        if page.watermark:
            page_width, page_height = document.pagesize
            canvas.saveState()
            canvas.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.35))
            canvas.setFont(font, 96)
            canvas.translate(page_width / 2, page_height / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, -32, page.watermark)
            canvas.restoreState()
        if page.verify_code:
            draw_qr(canvas, page.verify_url, left, bottom, 20 * mm)
            canvas.setFont(font, 9.5)
            text_x = left + 24 * mm
            canvas.drawString(text_x, bottom + 15 * mm, f"验证码：{page.verify_code}")
            canvas.drawString(text_x, bottom + 10 * mm, f"扫描二维码或访问 {page.verify_url} 核验真伪")
            canvas.setFont(font, 8)
            canvas.setFillColor(colors.grey)
            canvas.drawString(
                text_x,
                bottom + 5 * mm,
                "本文书加盖电子印章，以 SM3 摘要和 SM2 签名防伪；任何改动都会使验证失败。",
            )
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawRightString(width - document.rightMargin, bottom, f"第 {document.page} 页")
        canvas.restoreState()

    return draw


def build(page: Page, body: Sequence[Flowable], *, pagesize: tuple[float, float] = A4) -> bytes:
    """The PDF bytes: title, body, issuer block with the seal; the footer on every page."""
    font = register_pdf_font()
    s = styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=26 * mm,
        rightMargin=24 * mm,
        topMargin=24 * mm,
        bottomMargin=40 * mm,
        title=page.title,
        author=page.issuer,
        subject=page.verify_code,
        creator=page.producer,
        producer=page.producer,
        initialFontName=font,
        invariant=True,
    )
    story: list[Flowable] = [Paragraph(escape(page.title), s["title"])]
    if page.subtitle:
        story.append(Paragraph(escape(page.subtitle), s["subtitle"]))
    story.extend(body)
    if page.issuer:
        story += [
            Spacer(1, (2 if page.compact_issuer else 8) * mm),
            IssuerBlock(page.issuer, page.date, page.seal, compact=page.compact_issuer),
        ]
    footer = _footer(page)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
