"""证照套打: a certificate PDF (桃江县: 68 printable certificates).

Since layouts (``licenses.CertificateLayout``, staff define them without code) a certificate's
snapshot carries its rows and the layout's look, and ``layout_certificate_pdf`` prints them. The
templates below are the earlier ones written in code: a certificate issued before layouts and signed
late (or signed again) still prints as it was issued.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A3, A4, A5, B5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from yichuang.documents.linebreak import Paragraph
from yichuang.documents.pdf import Page, SealImage, build, chinese_date, escape, styles, table

Data = Mapping[str, Any]
Field = tuple[str, Callable[[Data], str]]


def _day(value: str | None) -> str:
    return chinese_date(dt.date.fromisoformat(value[:10])) if value else "长期"


def _case(key: str) -> Callable[[Data], str]:
    return lambda data: str(data["case"].get(key) or "")


def _cert(key: str, default: str = "") -> Callable[[Data], str]:
    return lambda data: str(data.get("certificate", {}).get(key) or default)


def _see_application(data: Data) -> str:
    return f"见经批准的申请书（办件编号 {data['case']['number']}）"


@dataclass(frozen=True)
class Template:
    title: str
    fields: list[Field]
    notes: list[str] = field(default_factory=list)
    border: str = "#b22222"


COMMON_TAIL: list[Field] = [
    ("发证机关", lambda data: str(data.get("issuer_name") or "")),
    ("发证日期", lambda data: _day(data.get("issued_on"))),
    ("有效期至", lambda data: _day(data.get("certificate", {}).get("valid_until"))),
]

ELDER_CARD = Template(
    title="老年人优待证",
    fields=[
        ("证号", _cert("number")),
        ("姓名", _case("applicant")),
        ("性别", _cert("gender", "—")),
        ("出生日期", lambda data: _day(data.get("certificate", {}).get("birth_date"))),
        ("公民身份号码", _case("applicant_id")),
        ("户籍所在地", _case("region")),
        (
            "优待内容",
            lambda data: "凭本证享受国家和本省规定的老年人优待服务（公共交通、景区游览、医疗就诊等）",
        ),
        *COMMON_TAIL,
    ],
    notes=["本证限本人使用，不得转借。", "遗失请到发证机关或户籍所在地便民服务中心申请补办。"],
    border="#c0392b",
)

LOGGING_PERMIT = Template(
    title="林木采伐许可证",
    fields=[
        ("许可证编号", _cert("number")),
        ("采伐单位（个人）", _case("applicant")),
        ("证件号码", _case("applicant_id")),
        ("采伐地点", _see_application),
        ("林权证号", _see_application),
        ("树种、林种", _see_application),
        ("采伐方式、强度", _see_application),
        ("采伐面积（株数）与蓄积", _see_application),
        ("采伐期限", lambda data: f"自发证之日起至{_day(data.get('certificate', {}).get('valid_until'))}"),
        ("更新期限", lambda data: "采伐后的当年或者次年内完成更新造林"),
        *COMMON_TAIL,
    ],
    notes=[
        "依据《中华人民共和国森林法》第五十六条：采伐林地上的林木应当申请采伐许可证，并按照许可证的规定进行采伐。",
        "本证须随身携带，接受林业主管部门检查；不得涂改、转让。",
    ],
    border="#1e7b34",
)

GENERIC = Template(
    title="",
    fields=[
        ("证照编号", _cert("number")),
        ("持证人", _case("applicant")),
        ("证件号码", _case("applicant_id")),
        ("事项", _case("item")),
        *COMMON_TAIL,
    ],
    notes=["本证照由一窗平台套打，加盖电子印章，可扫码核验。"],
)

#: Templates by certificate type name (names are national; codes differ between deployments).
TEMPLATES: dict[str, Template] = {
    "老年人优待证": ELDER_CARD,
    "林木采伐许可证": LOGGING_PERMIT,
}


def template_for(license_name: str) -> Template:
    return TEMPLATES.get(license_name, GENERIC)


PAPERS = {"A3": A3, "A4": A4, "A5": A5, "B5": B5}
#: The page's margins left and right (``pdf.build``): what a table may span.
SIDE_MARGINS = 50 * mm
LABEL_WIDTH = 36 * mm


def _grid(rows: list[Mapping[str, Any]], *, width: float, columns: int) -> Table:
    """The fields as a ruled grid: (label, value) per line, or two pairs per line where a field marked
    wide (经营范围) takes a line of its own. Each cell is a paragraph, so long values wrap in it."""
    s = styles()
    label_style, value_style = s["cell"], s["cell"]

    def cell(text: Any, style: Any) -> Paragraph:
        return Paragraph(escape(text), style)

    data: list[list[Paragraph | str]]
    if columns < 2:
        data = [[cell(r["label"], label_style), cell(r["value"], value_style)] for r in rows]
        grid = Table(data, colWidths=[LABEL_WIDTH, width - LABEL_WIDTH])
        commands: list[tuple[Any, ...]] = []
    else:
        value_width = (width - 2 * LABEL_WIDTH) / 2
        data = []
        commands = []
        pending: list[Mapping[str, Any]] = []

        def flush() -> None:
            if not pending:
                return
            line: list[Paragraph | str] = [
                cell(pending[0]["label"], label_style),
                cell(pending[0]["value"], value_style),
            ]
            if len(pending) > 1:
                line += [cell(pending[1]["label"], label_style), cell(pending[1]["value"], value_style)]
            else:
                line += ["", ""]
                commands.append(("SPAN", (1, len(data)), (3, len(data))))
            data.append(line)
            pending.clear()

        for row in rows:
            if row.get("wide"):
                flush()
                data.append([cell(row["label"], label_style), cell(row["value"], value_style), "", ""])
                commands.append(("SPAN", (1, len(data) - 1), (3, len(data) - 1)))
            else:
                pending.append(row)
                if len(pending) == 2:
                    flush()
        flush()
        grid = Table(data, colWidths=[LABEL_WIDTH, value_width, LABEL_WIDTH, value_width])
    label_columns = [0] if columns < 2 else [0, 2]
    commands += [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ]
    for column in label_columns:
        commands.append(("BACKGROUND", (column, 0), (column, -1), colors.HexColor("#f7f1e3")))
    grid.setStyle(TableStyle(commands))
    return grid


def layout_certificate_pdf(
    *,
    data: Data,
    verify_code: str,
    verify_url: str,
    issuer: str,
    seal: SealImage | None,
    watermark: str = "",
) -> bytes:
    """A certificate as its type's layout prints it: the rows the licence was issued with
    (``certificate.rows``), on the layout's paper, in one or two columns, with its notes; the seal,
    the issuer's block and the verify code as on every document."""
    certificate = data["certificate"]
    layout = certificate.get("layout") or {}
    size = PAPERS.get(str(layout.get("paper") or "A4"), A4)
    if layout.get("orientation") == "landscape":
        size = landscape(size)
    width = size[0] - SIDE_MARGINS
    s = styles()
    body: list[Flowable] = []
    if layout.get("subtitle"):
        body.append(Paragraph(escape(layout["subtitle"]), _centred()))
    body += [
        Spacer(1, 3 * mm),
        _grid(list(certificate.get("rows") or []), width=width, columns=int(layout.get("columns") or 1)),
        Spacer(1, 3 * mm),
    ]
    body += [Paragraph(f"注：{escape(note)}", s["small"]) for note in layout.get("notes") or []]
    page = Page(
        title=str(certificate.get("title") or layout.get("title") or certificate.get("name") or "证照"),
        subtitle=f"办件编号：{data['case']['number']}",
        verify_code=verify_code,
        verify_url=verify_url,
        issuer=issuer,
        date=dt.date.fromisoformat(data["issued_on"]),
        seal=seal,
        border=str(layout.get("border") or "#b22222"),
        compact_issuer=True,
        watermark=watermark,
    )
    return build(page, body, pagesize=size)


@functools.cache
def _centred() -> ParagraphStyle:
    return ParagraphStyle("certificate-subtitle", parent=styles()["plain"], alignment=TA_CENTER, fontSize=13)


def certificate_pdf(
    *, data: Data, verify_code: str, verify_url: str, issuer: str, seal: SealImage | None
) -> bytes:
    """The certificate: as its layout prints it, or — a document issued before layouts (its snapshot
    has no ``rows``), signed late — from the templates it was issued under."""
    if "rows" in data.get("certificate", {}):
        return layout_certificate_pdf(
            data=data, verify_code=verify_code, verify_url=verify_url, issuer=issuer, seal=seal
        )
    license_name = str(data.get("certificate", {}).get("name") or data["case"].get("result_name") or "证照")
    template = template_for(license_name)
    values = {**data, "issuer_name": issuer}
    s = styles()
    rows = [[label, value(values)] for label, value in template.fields]
    body: list[Flowable] = [
        Spacer(1, 4 * mm),
        table(rows, [46 * mm, 114 * mm], header=False),
        Spacer(1, 4 * mm),
    ]
    body += [Paragraph(f"注：{escape(note)}", s["small"]) for note in template.notes]
    page = Page(
        title=template.title or license_name,
        subtitle=f"办件编号：{data['case']['number']}",
        verify_code=verify_code,
        verify_url=verify_url,
        issuer=issuer,
        date=dt.date.fromisoformat(data["issued_on"]),
        seal=seal,
        border=template.border,
    )
    return build(page, body)
