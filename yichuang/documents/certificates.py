"""证照套打: a certificate PDF from a template per certificate type (桃江县: 68 printable certificates).

A template names the certificate's fields and where each value comes from in the snapshot; a type
without a template of its own gets the generic one. Values the case does not record (a logging
permit's tree species, say) point to the approved application rather than being invented.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

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


def certificate_pdf(
    *, data: Data, verify_code: str, verify_url: str, issuer: str, seal: SealImage | None
) -> bytes:
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
