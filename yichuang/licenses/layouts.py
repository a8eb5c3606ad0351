"""证照套打: what each kind of certificate prints, from the layout staff define (``CertificateLayout``).

The licence is issued inside the approving transaction (``services.license_issue_for_case``); there the
layout of its type turns the case's facts — composed by the cases app as plain strings keyed by source
(``applicant.name``, ``form.trade_name`` …) — and the licence's own (number, dates, issuer, a new
统一社会信用代码) into the rows it prints, kept on the licence (``License.fields``). The certificate PDF
and the electronic licence both show those rows, so the paper and the 电子证照 say the same, and a later
edit of the layout changes only what is issued after it.

Layouts are read once per process and kept until the catalog's change marker moves (``common.memo``,
marker ``reference``): an approval costs no query for them, the renderer none at all (it prints the
snapshot the document carries).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yichuang.common.memo import memoized

EMPTY = "—"


@dataclass(frozen=True)
class FieldSpec:
    label: str
    source: str
    key: str = ""
    text: str = ""
    holder: str = ""  # "" every holder, "person" or "organization" only
    wide: bool = False


@dataclass(frozen=True)
class LayoutSpec:
    fields: tuple[FieldSpec, ...]
    title: str = ""
    subtitle: str = ""
    paper: str = "A4"
    orientation: str = "portrait"
    columns: int = 1
    border: str = "#b22222"
    issuer: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def presentation(self, *, type_name: str) -> dict[str, Any]:
        """How the page looks, as the document's snapshot keeps it (plain JSON)."""
        return {
            "title": self.title or type_name,
            "subtitle": self.subtitle,
            "paper": self.paper,
            "orientation": self.orientation,
            "columns": self.columns,
            "border": self.border,
            "notes": list(self.notes),
        }


#: A type nobody has laid out yet prints the facts every certificate has.
DEFAULT_LAYOUT = LayoutSpec(
    fields=(
        FieldSpec("证照编号", "licence.number"),
        FieldSpec("持证人", "applicant.name"),
        FieldSpec("证件号码", "applicant.id_number"),
        FieldSpec("事项", "item.name"),
        FieldSpec("发证机关", "licence.issuer"),
        FieldSpec("发证日期", "licence.issued_on"),
        FieldSpec("有效期至", "licence.valid_until"),
    ),
    notes=("本证照由一窗平台套打，加盖电子印章，可扫码核验。",),
)


def _load(license_type_id: int) -> LayoutSpec | None:
    from yichuang.licenses.models import CertificateLayout

    layout = (
        CertificateLayout.objects.filter(license_type_id=license_type_id).prefetch_related("fields").first()
    )
    if layout is None:
        return None
    return LayoutSpec(
        title=layout.title,
        subtitle=layout.subtitle,
        paper=layout.paper,
        orientation=layout.orientation,
        columns=layout.columns,
        border=layout.border,
        issuer=layout.issuer,
        notes=tuple(line.strip() for line in layout.notes.splitlines() if line.strip()),
        fields=tuple(
            FieldSpec(
                label=f.label, source=f.source, key=f.key.strip(), text=f.text, holder=f.holder, wide=f.wide
            )
            for f in sorted(layout.fields.all(), key=lambda f: (f.order, f.pk))
        ),
    )


def layout_for(license_type_id: int) -> LayoutSpec:
    """The layout of a licence type (its own, else the default), kept per process."""
    own = memoized("reference", "certificate_layout", license_type_id, lambda: _load(license_type_id))
    return own or DEFAULT_LAYOUT


def chinese_day(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def certificate_rows(
    layout: LayoutSpec, facts: Mapping[str, str], *, holder_kind: str
) -> list[dict[str, Any]]:
    """The rows the certificate prints: each field of ``layout`` for this holder, its value looked up in
    ``facts`` (a form field under ``form.<key>``), else the field's own text, else a dash."""
    rows: list[dict[str, Any]] = []
    for spec in layout.fields:
        if spec.holder and spec.holder != holder_kind:
            continue
        if spec.source == "constant":
            value = spec.text
        else:
            name = f"form.{spec.key}" if spec.source == "form" else spec.source
            value = str(facts.get(name) or "").strip() or spec.text or EMPTY
        row: dict[str, Any] = {"label": spec.label, "value": value}
        if spec.wide:
            row["wide"] = True
        rows.append(row)
    return rows


def needs(layout: LayoutSpec, source: str) -> FieldSpec | None:
    """The first field of ``layout`` that prints ``source`` (a value worth computing only then)."""
    return next((spec for spec in layout.fields if spec.source == source), None)


#: What a preview prints for each source (证照模板 样张): plausible values, so staff see the look.
SAMPLE_FACTS = {
    "applicant.name": "张三",
    "applicant.id_number": "411502********0011",
    "applicant.gender": "男",
    "applicant.birth_date": "1960年1月1日",
    "applicant.region": "甲镇",
    "item.name": "（事项名称）",
    "case.number": "41150220260101000001",
    "case.department": "（承办单位）",
    "case.point": "（受理服务点）",
    "case.accepted_on": "2026年1月1日",
    "licence.number": "（证照编号）",
    "licence.issuer": "（发证机关）",
    "licence.issued_on": "2026年1月1日",
    "licence.valid_from": "2026年1月1日",
    "licence.valid_until": "2030年12月31日",
    "licence.validity": "2026年1月1日至2030年12月31日",
    "licence.uscc": "92411502000000019F",
}


def sample_rows(layout: LayoutSpec, *, holder_kind: str) -> list[dict[str, Any]]:
    """The rows of a preview: sample facts, and each form field shown as 〈its label〉."""
    facts = dict(SAMPLE_FACTS)
    facts.update({f"form.{spec.key}": f"〈{spec.label}〉" for spec in layout.fields if spec.source == "form"})
    return certificate_rows(layout, facts, holder_kind=holder_kind)
