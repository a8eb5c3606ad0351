"""The words a document uses for the kind of power behind it (事项类型) and the law it cites.

Only a 行政许可 is decided under the 行政许可法: its acceptance, one-time notice, refusal and decisions
cite 第三十二条 and 第三十八条 (the model texts of the law), and its decisions are titled 准予/不予行政许可
决定书. Every other type is decided under its own legal basis (设定依据, the catalog's ``legal_basis``):
a 行政给付 such as 高龄津贴 is granted by a 给付决定书 or refused by a 不予给付决定书, citing
《老年人权益保障法》, never the 行政许可法; types without a word of their own take the neutral
准予/不予办理决定书, as the seeds and 《政务服务事项办事指南编制规范》 speak of
"办理". The keys are the catalog's ``ItemType`` values, spelled out so this app imports no owner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LICENSING = "licensing"
LICENSING_LAW = "《中华人民共和国行政许可法》"
#: 国办发〔2020〕42号: the commitment system for certificates (证明事项告知承诺制), for every type.
COMMITMENT_BASIS = "《国务院办公厅关于全面推行证明事项告知承诺制的指导意见》（国办发〔2020〕42号）"


@dataclass(frozen=True)
class Wording:
    """A decision's title and verb (决定{verb}) for one type of item."""

    approve_title: str
    deny_title: str
    approve_verb: str
    deny_verb: str


NEUTRAL = Wording("准予办理决定书", "不予办理决定书", "准予办理", "不予办理")
WORDINGS: dict[str, Wording] = {
    LICENSING: Wording("准予行政许可决定书", "不予行政许可决定书", "准予行政许可", "不予行政许可"),
    "benefit": Wording("给付决定书", "不予给付决定书", "予以给付", "不予给付"),
    "confirmation": Wording("确认决定书", "不予确认决定书", "予以确认", "不予确认"),
    "reward": Wording("奖励决定书", "不予奖励决定书", "给予奖励", "不予奖励"),
}


def wording(item_type: str | None) -> Wording:
    return WORDINGS.get(item_type or "", NEUTRAL)


def is_licensing(item_type: str | None) -> bool:
    return item_type == LICENSING


_SEPARATORS = re.compile(r"\s*[；;]\s*")


def basis_phrase(legal_basis: str | None) -> str:
    """The item's legal basis as it stands inside “根据…的规定”: its parts joined by 、 (the catalog
    separates them with ；), without a final full stop. "" when the catalog has none."""
    text = (legal_basis or "").strip().rstrip("。.；;，, ")
    return "、".join(part for part in _SEPARATORS.split(text) if part)


def according_to(legal_basis: str | None, *, licensing_article: str = "", licensing: bool = False) -> str:
    """“根据…的规定，”: for a licence, the item's basis and the 行政许可法's article; for any other
    item, its own basis only; "" when there is nothing true to cite."""
    parts = []
    basis = basis_phrase(legal_basis)
    if basis:
        parts.append(basis)
    if licensing and licensing_article:
        parts.append(f"{LICENSING_LAW}{licensing_article}")
    if not parts:
        return ""
    return f"根据{'和'.join(parts)}的规定，"


_TRAILING = "。．.；;，,、：: \t\n"


def clean_reason(reason: str | None) -> str:
    """A reason as staff typed it, ready to stand inside a sentence: no final punctuation (the
    sentence adds its own), no doubled marks such as “。，”."""
    text = (reason or "").strip().rstrip(_TRAILING)
    text = re.sub(r"[。．.]\s*[，,；;]", "，", text)
    return re.sub(r"([，；。、])\1+", r"\1", text)
