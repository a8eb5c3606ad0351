"""Line breaking of Chinese text in the PDFs, following the rules of Chinese typesetting (禁则).

Closing punctuation (，。、；：？！, closing quotes and brackets, the connecting marks – ～ ·) never
starts a line, opening punctuation (opening quotes and brackets) never ends one, and a dash (——)
or an ellipsis (……) is not cut in two, though either may begin a line (GB/T 15834-2011 标点符号用法;
W3C "Requirements for Chinese Text Layout", 3.1.7 Prohibition Rules for Line Start and Line End).

reportlab's ``wordWrap="CJK"`` cuts between any two characters. Its ``ALL_CANNOT_START``
(``reportlab.lib.textsplit``) is written for Japanese and lacks most full-width Chinese marks
(，；：？！”’》), it never looks at ``ALL_CANNOT_END``, and when the character that no longer fits may
not start a line it hangs it in the margin, one character only. So a line could begin with "”申请"
or "；投诉". ``Paragraph`` here breaks CJK text by ``kinsoku_split`` instead: where the natural break
would put a forbidden mark at a line's start or end, the break moves back a character or more
(push-out, 追出), so the line ends a little short of the margin instead of running past it — which
in a table cell would cross the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.lib.textsplit import ALL_CANNOT_END, ALL_CANNOT_START
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.rl_config import _FUZZ

#: Marks that may not start a line: reportlab's (ASCII and Japanese) and the Chinese full-width ones.
CANNOT_START = frozenset(ALL_CANNOT_START + "，。、；：？！”’）》〉」』】〕〗〙〛］｝｠·–～％‰℃")
#: Marks that may not end a line.
CANNOT_END = frozenset(ALL_CANNOT_END + "“‘（《〈「『【〔〖〘〚［｛｟")
#: Two-character marks (——, ……) that are not cut between their halves.
INSEPARABLE = frozenset("—…⋯")


def may_break(chars: str, at: int) -> bool:
    """Whether a line may end before ``chars[at]`` (``0 < at < len(chars)``)."""
    before, after = chars[at - 1], chars[at]
    if after in CANNOT_START or before in CANNOT_END:
        return False
    return not (before == after and before in INSEPARABLE)


def _in_word(char: str) -> bool:
    """Part of a run of Latin letters, digits and the like (a case number, a phone number, a URL)."""
    return char.isascii() and not char.isspace() and char != "\x00"


def _break_before(chars: str, start: int, end: int) -> int:
    """Where the line that begins at ``start`` ends when ``chars[end]`` no longer fits: at ``end``,
    or earlier so that no prohibited mark stands at the break and no Latin word or number is cut
    (unless the word alone is longer than the line). Never before ``start + 1``."""
    cut = end
    while cut > start + 1:
        if _in_word(chars[cut - 1]) and _in_word(chars[cut]):
            word = cut
            while word > start and _in_word(chars[word - 1]):
                word -= 1
            if word == start:
                break  # longer than the line: it has to be cut somewhere
            cut = word
            continue
        if may_break(chars, cut):
            return cut
        cut -= 1
    return cut if may_break(chars, cut) or cut == end else end


def split_lines(
    chars: str, width: Callable[[int, float], float], max_widths: list[float], hard: Callable[[int], bool]
) -> list[tuple[int, int, float, bool]]:
    """The lines of ``chars`` as (start, end, width used, ended by <br/>): as many characters as fit,
    then the break moved back where the rules want it (``_break_before``). ``width(i, max_width)``
    is the width of ``chars[i]``; ``hard(i)`` says whether a line must end after it."""
    lines: list[tuple[int, int, float, bool]] = []
    start, total = 0, len(chars)
    while start < total:
        max_width = max_widths[min(len(lines), len(max_widths) - 1)]
        used = 0.0
        end = start
        explicit = False
        while end < total:
            w = width(end, max_width)
            if used + w > max_width + _FUZZ and end > start:
                break
            used += w
            end += 1
            if hard(end - 1):
                explicit = True
                break
        if end < total and not explicit:
            cut = _break_before(chars, start, end)
            if cut != end:
                used -= sum(width(i, max_width) for i in range(cut, end))
                end = cut
        lines.append((start, end, used, explicit))
        start = end
    return lines


def kinsoku_split(frags: list[Any], max_widths: list[float], calc_bounds: bool) -> Any:
    """reportlab's ``cjkFragSplit`` (text in several fragments: bold, another size …) with the rules."""
    units: list[Any] = []
    for frag in frags:
        text = frag.text
        if isinstance(text, bytes):
            text = text.decode("utf8")
        if text:
            units.extend(rl_paragraph.cjkU(ch, frag, "utf8") for ch in text)
        else:
            units.append(rl_paragraph.cjkU(text, frag, "utf8"))
    chars = "".join(str(u) or "\x00" for u in units)
    lines = [
        rl_paragraph.makeCJKParaLine(units[a:b], max_widths[0], used, 0.0, explicit, calc_bounds)
        for a, b, used, explicit in split_lines(
            chars,
            lambda i, max_width: _width(units[i], max_width),
            max_widths,
            lambda i: hasattr(units[i].frag, "lineBreak"),
        )
    ]
    for n, line in enumerate(lines):
        line.maxWidth = max_widths[min(n, len(max_widths) - 1)]
        line.extraSpace = line.maxWidth - line.currentWidth
    return rl_paragraph.ParaLines(kind=1, lines=lines)


def _width(unit: Any, max_width: float) -> float:
    width = unit.width
    if hasattr(width, "normalizedValue"):
        width._normalizer = max_width
        width = width.normalizedValue(max_width)
    return float(width)


class Paragraph(rl_paragraph.Paragraph):  # type: ignore[misc]  # reportlab ships no types
    """reportlab's Paragraph; with ``wordWrap="CJK"`` its lines follow the prohibition rules.

    Mirrors ``Paragraph.breakLinesCJK``: plain text in one font (most paragraphs) takes the fast
    path of simple lines; anything else goes through ``kinsoku_split``."""

    def breakLinesCJK(self, maxWidths: Any) -> Any:
        if not isinstance(maxWidths, list | tuple):
            maxWidths = [maxWidths]
        max_widths = list(maxWidths)
        style = self.style
        self.height = 0
        rl_paragraph._handleBulletWidth(self.bulletText, style, max_widths)
        frags = self.frags
        resumed = hasattr(self, "blPara") and getattr(self, "_splitpara", False)
        if len(frags) == 1 and not hasattr(frags[0], "cbDefn") and not style.endDots:
            frag = frags[0]
            if resumed:
                return frag.clone(kind=0, lines=self.blPara.lines)
            text = frag.text if hasattr(frag, "text") else "".join(getattr(frag, "words", []))
            if isinstance(text, bytes):
                text = text.decode("utf8")
            widths = [stringWidth(ch, frag.fontName, frag.fontSize) for ch in text]
            lines = []
            for n, (a, b, used, _explicit) in enumerate(
                split_lines(text, lambda i, _max: widths[i], max_widths, lambda _i: False)
            ):
                line = text[a:b]
                lines.append(
                    (
                        max_widths[min(n, len(max_widths) - 1)] - used,
                        [line if b == len(text) else line.strip()],
                    )
                )
            return frag.clone(kind=0, lines=lines, ascent=frag.fontSize, descent=-0.2 * frag.fontSize)
        if not frags:
            return rl_paragraph.ParaLines(
                kind=0,
                fontSize=style.fontSize,
                fontName=style.fontName,
                textColor=style.textColor,
                lines=[],
                ascent=style.fontSize,
                descent=-0.2 * style.fontSize,
            )
        if resumed:
            return self.blPara
        auto_leading = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
        return kinsoku_split(frags, max_widths, auto_leading not in ("", "off"))
