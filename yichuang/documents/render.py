"""The text of each kind of document, from the snapshot written with the case action.

Wording follows the 行政许可法 (第32条 受理/不予受理/一次性告知, 第38条 准予/不予许可 with reasons and
remedy) and the seeds (容缺受理, 告知承诺, 送达 by pickup, free mail or kiosk). Personal numbers appear
masked, as everywhere in the project.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from yichuang.documents.certificates import certificate_pdf
from yichuang.documents.linebreak import Paragraph
from yichuang.documents.models import DocumentKind
from yichuang.documents.pdf import Page, SealImage, build, chinese_date, escape, styles, table
from yichuang.documents.wording import (
    COMMITMENT_BASIS,
    LICENSING_LAW,
    according_to,
    basis_phrase,
    clean_reason,
    is_licensing,
    wording,
)

Data = Mapping[str, Any]


def _day(value: str | None) -> str:
    return chinese_date(dt.date.fromisoformat(value[:10])) if value else ""


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, styles()[style])


def _to(data: Data) -> Paragraph:
    return _p(f"{escape(data['case']['applicant'])}：", "to")


def _case_line(data: Data) -> str:
    case = data["case"]
    return f"你（单位）于{_day(case['created_at'])}提出的“{escape(case['item'])}”申请（办件编号：{case['number']}）"


def _licensing(data: Data) -> bool:
    return is_licensing(data["case"].get("item_type"))


def _basis(data: Data) -> str:
    """The item's own legal basis (设定依据), from the case or (older snapshots) the document."""
    return str(data["case"].get("legal_basis") or data.get("legal_basis") or "")


def _according(data: Data, licensing_article: str = "") -> str:
    return according_to(_basis(data), licensing_article=licensing_article, licensing=_licensing(data))


def _contact(data: Data) -> Paragraph:
    case = data["case"]
    phone = case.get("consult_phone") or case.get("point_phone") or "12345"
    return _p(
        f"可凭办件编号和申请时预留的手机号查询办理进度。咨询电话：{escape(phone)}；"
        f"投诉、建议请拨打 12345 政务服务便民热线。"
    )


def acceptance_notice(data: Data) -> list[Flowable]:
    basis = _according(data, "第三十二条第一款第（五）项") or "根据有关规定，"
    if data.get("promised_days") == 0:
        limit = "本事项为即办件，当场办结。"
    else:
        limit = (
            f"本机关承诺于 {_day(data.get('due_date'))} 前办结（承诺时限 {data.get('promised_days', '')} 个工作日，"
            f"法定时限 {data.get('statutory_days', '')} 个工作日，至{_day(data.get('statutory_due_date'))}）。"
            "依法需要现场勘验、检验检测、专家评审或者听证的，所需时间不计算在办理期限内，本机关将书面告知。"
        )
    tolerated = data.get("tolerated") or []
    # 容缺受理: the main papers are complete, some others are owed — the notice must not say
    # 齐全 then, and names each owed paper with the day it is due.
    found = (
        "主要申请材料齐全、符合法定形式，其余材料经申请人承诺后补，容缺受理"
        if tolerated
        else "申请材料齐全、符合法定形式"
    )
    body: list[Flowable] = [
        _to(data),
        _p(f"{_case_line(data)}，经审查，{found}。{escape(basis)}决定予以受理。"),
        _p(limit),
    ]
    if tolerated:
        due = _day(data.get("supplement_due_date"))
        rows: list[list[Any]] = [["序号", "容缺后补的材料", "补齐期限"]]
        rows += [[str(n), name, f"{due}前"] for n, name in enumerate(tolerated, start=1)]
        body += [
            _p(f"以下 {len(tolerated)} 项材料尚未提交，请于期限内补齐：", "plain"),
            Spacer(1, 2 * mm),
            table(rows, [14 * mm, 96 * mm, 50 * mm]),
            Spacer(1, 2 * mm),
            _p("逾期未补齐的，将影响办理结果。"),
        ]
    committed = data.get("committed") or []
    if committed:
        body.append(
            _p(f"以下证明材料以告知承诺方式代替（见《告知承诺书》）：{escape('、'.join(committed))}。")
        )
    body.append(_contact(data))
    return body


def supplement_notice(data: Data) -> list[Flowable]:
    # 行政许可法 第32条 only for a licence; any other item is told under its own legal basis.
    basis = _according(data, "第三十二条第一款第（四）项")
    missing = data.get("missing") or []
    rows: list[list[Any]] = [["序号", "需补正的材料", "补正要求"]]
    rows += [
        [str(n), m["name"], m.get("note") or "请提交符合要求的材料"] for n, m in enumerate(missing, start=1)
    ]
    body: list[Flowable] = [
        _to(data),
        _p(
            f"{_case_line(data)}，经审查，申请材料不齐全或者不符合法定形式。{escape(basis)}"
            f"现一次性告知你（单位）需要补正的全部内容（共 {len(missing)} 项）："
        ),
        Spacer(1, 2 * mm),
        table(rows, [14 * mm, 76 * mm, 70 * mm]),
        Spacer(1, 3 * mm),
        _p(
            f"请补齐上述全部材料后，到{escape(data['case']['point'])}提交，也可以通过村（社区）代办员或网上提交。"
            "材料补齐后，本机关即予受理；本告知书所列以外的材料，不再要求补正。"
        ),
    ]
    if data.get("note"):
        body.append(_p(f"说明：{escape(data['note'])}"))
    body.append(_contact(data))
    return body


def refusal_notice(data: Data) -> list[Flowable]:
    basis = according_to("", licensing_article="第三十二条第一款", licensing=_licensing(data))
    reason = clean_reason(data.get("reason"))
    return [
        _to(data),
        _p(f"{_case_line(data)}，经审查，{escape(reason)}。{basis}决定不予受理。"),
        _p(escape(data.get("remedy", ""))),
        _contact(data),
    ]


def commitment(data: Data) -> list[Flowable]:
    committed = data.get("committed") or []
    rows: list[list[Any]] = [["序号", "以承诺代替的证明材料"]]
    rows += [[str(n), name] for n, name in enumerate(committed, start=1)]
    s = styles()
    return [
        Paragraph("一、行政机关告知", s["heading"]),
        _p(
            f"申请人：{escape(data['case']['applicant'])}（证件号码：{escape(data['case']['applicant_id'])}）。"
            f"申请事项：{escape(data['case']['item'])}（办件编号：{data['case']['number']}）。"
            f"根据{COMMITMENT_BASIS}，"
            "对下列证明材料，本机关实行证明事项告知承诺制：申请人书面承诺已经符合告知的条件、标准和要求的，"
            "本机关不再索要该证明，依据书面承诺办理。"
        ),
        Spacer(1, 2 * mm),
        table(rows, [14 * mm, 146 * mm]),
        Spacer(1, 2 * mm),
        _p(
            "本机关将在办理后对承诺内容进行核查。发现承诺不实的，将责令限期整改；逾期不整改或者整改后仍不符合条件的，"
            "依法撤销相关决定，并将虚假承诺情况记入信用记录；涉嫌犯罪的，依法移送司法机关。"
        ),
        Paragraph("二、申请人承诺", s["heading"]),
        _p(
            "本人（单位）已经知晓行政机关告知的全部内容，承诺所填写的信息和提供的情况真实、准确、完整，"
            "已经符合告知的条件、标准和要求，愿意承担不实承诺的法律责任。"
        ),
        Spacer(1, 10 * mm),
        _p("承诺人（签字或盖章）：____________________　　　日期：______年____月____日", "plain"),
    ]


def approval_decision(data: Data) -> list[Flowable]:
    case = data["case"]
    basis = _according(data, "第三十八条第一款") or "根据有关规定，"
    verb = wording(case.get("item_type")).approve_verb
    body: list[Flowable] = [
        _to(data),
        _p(
            f"{_case_line(data)}，本机关已于{_day(case.get('accepted_at'))}受理。经审查，该申请符合法定条件、标准，"
            f"{escape(basis)}决定{verb}。"
        ),
    ]
    if data.get("result_name"):
        body.append(_p(f"办理结果：{escape(data['result_name'])}。"))
    if data.get("license_name"):
        body.append(
            _p(
                f"随本决定颁发《{escape(data['license_name'])}》（证照编号：{escape(data.get('license_number', ''))}）。"
            )
        )
    body.append(_p("请按您选择的方式领取办理结果：现场领取、免费邮寄或者自助终端领取。"))
    if data.get("note"):
        body.append(_p(f"说明：{escape(data['note'])}"))
    body.append(_contact(data))
    return body


def denial_decision(data: Data) -> list[Flowable]:
    verb = wording(data["case"].get("item_type")).deny_verb
    basis = _according(data, "第三十八条第二款")
    # The reason is stated once (行政许可法 第38条: 说明理由), as staff gave it, in a sentence of ours.
    reason = clean_reason(data.get("reason"))
    return [
        _to(data),
        _p(
            f"{_case_line(data)}，本机关已于{_day(data['case'].get('accepted_at'))}受理。经审查，"
            f"该申请不符合法定条件、标准，理由是：{escape(reason)}。{escape(basis)}决定{verb}。"
        ),
        _p(escape(data.get("remedy", ""))),
        _contact(data),
    ]


def revocation_decision(data: Data) -> list[Flowable]:
    """撤销决定书: a decision made on commitments (告知承诺) revoked because a promise proved false.
    A licence is revoked under 行政许可法 第六十九条第二款 (obtained by deception); every type under the
    commitment system (国办发〔2020〕42号) and the item's own basis."""
    case = data["case"]
    licensing = _licensing(data)
    basis = basis_phrase(_basis(data))
    cited = [part for part in (basis, COMMITMENT_BASIS) if part]
    if licensing:
        cited.append(f"{LICENSING_LAW}第六十九条第二款")
    according = f"根据{'和'.join(cited)}的规定，" if cited else ""
    papers = "、".join(escape(str(name)) for name in data.get("committed") or [])
    reason = clean_reason(data.get("reason"))
    decided = data.get("decision_title") or wording(case.get("item_type")).approve_title
    body: list[Flowable] = [
        _to(data),
        _p(
            f"{_case_line(data)}，本机关于{_day(data.get('decided_on'))}以告知承诺方式作出《{escape(decided)}》。"
            f"经事后核查，你（单位）就{papers}所作的承诺与实际情况不符，理由是：{escape(reason)}。"
        ),
        _p(f"{escape(according)}本机关决定撤销上述决定。"),
    ]
    if data.get("license_number"):
        body.append(
            _p(
                f"原颁发的《{escape(data.get('license_name', ''))}》（证照编号：{escape(data['license_number'])}）"
                f"同时注销，自本决定作出之日起不再有效。"
            )
        )
    if data.get("breach_until"):
        body.append(
            _p(
                f"你（单位）的违诺行为已记入信用记录，{_day(data['breach_until'])}前申请办理政务服务事项不适用告知承诺制，"
                f"应当提交相应材料。"
            )
        )
    body.append(_p(escape(data.get("remedy", ""))))
    body.append(_contact(data))
    return body


def delivery_receipt(data: Data) -> list[Flowable]:
    case = data["case"]
    method = data.get("method_label", "")
    if data.get("tracking_number"):
        method = f"{method}（邮件单号：{data['tracking_number']}）"
    rows: list[list[Any]] = [
        ["办件编号", case["number"]],
        ["送达文书", "；".join(data.get("documents") or []) or case["item"]],
        ["受送达人", f"{case['applicant']}（证件号码：{case['applicant_id']}）"],
        ["送达地点", data.get("place", "")],
        ["送达方式", method],
        ["送达时间", data.get("delivered_at", "")],
        ["送达人", data.get("actor", "")],
        ["签收人", f"{data.get('recipient', '')}　　　　（签字）______________"],
        ["备注", data.get("note", "")],
    ]
    return [Spacer(1, 2 * mm), table(rows, [32 * mm, 128 * mm], header=False)]


def application_form(data: Data) -> list[Flowable]:
    """申请表: the applicant, then each form field as its owner composed it (``form_rows``: label, value),
    then the applicant's declaration. The owner says what is masked; this prints what it is given."""
    case = data["case"]
    head: list[list[Any]] = [
        ["申请事项", f"{case['item']}（{case.get('item_code', '')}）"],
        ["申请人", case["applicant"]],
        ["证件号码", case.get("applicant_id", "")],
        ["联系电话", case.get("applicant_phone", "")],
        ["受理服务点", case.get("point", "")],
        ["申请方式", data.get("channel_label", "")],
        ["申请日期", _day(case.get("created_at"))],
    ]
    rows: list[list[Any]] = [["填写项目", "填写内容"]]
    rows += [[str(label), str(value)] for label, value in data.get("form_rows") or []]
    s = styles()
    return [
        table(head, [32 * mm, 128 * mm], header=False),
        Paragraph("申请信息", s["heading"]),
        table(rows, [48 * mm, 112 * mm]),
        Spacer(1, 4 * mm),
        _p(
            "本人（单位）承诺以上填写的信息真实、准确、完整，如有虚假，愿意承担相应的法律责任。"
            + (f"{escape(data['signed_note'])}" if data.get("signed_note") else "")
        ),
        Spacer(1, 8 * mm),
        _p("申请人（签字或盖章）：____________________　　　日期：______年____月____日", "plain"),
    ]


BODIES: dict[str, Callable[[Data], list[Flowable]]] = {
    DocumentKind.ACCEPTANCE_NOTICE: acceptance_notice,
    DocumentKind.SUPPLEMENT_NOTICE: supplement_notice,
    DocumentKind.REFUSAL_NOTICE: refusal_notice,
    DocumentKind.COMMITMENT: commitment,
    DocumentKind.APPROVAL_DECISION: approval_decision,
    DocumentKind.DENIAL_DECISION: denial_decision,
    DocumentKind.DELIVERY_RECEIPT: delivery_receipt,
    DocumentKind.APPLICATION_FORM: application_form,
    DocumentKind.REVOCATION_DECISION: revocation_decision,
}

#: The table of a handover list as sent and of its receipt: (key of a row, heading, width in mm).
HANDOVER_COLUMNS: list[tuple[str, str, float]] = [
    ("case_number", "办件编号", 46),
    ("item_name", "事项", 34),
    ("applicant", "申请人", 18),
    ("accepted_at", "受理日期", 24),
    ("note", "移交说明", 26),
]
RECEIPT_COLUMNS: list[tuple[str, str, float]] = [
    ("case_number", "办件编号", 46),
    ("item_name", "事项", 34),
    ("applicant", "申请人", 18),
    ("state", "纸质材料状态", 22),
    ("receipt_note", "接收说明", 28),
]


def handover_document(
    *,
    kind: str,
    data: Data,
    verify_code: str = "",
    verify_url: str = "",
    issuer: str,
    seal: SealImage | None,
    watermark: str = "",
) -> bytes:
    """A handover list (as sent) or its receipt, from the snapshot ``handover.documents`` writes:
    ``handover`` (number …), ``header`` ([label, value] lines), ``rows`` and, for the receipt, ``summary``."""
    receipt = kind == DocumentKind.HANDOVER_RECEIPT
    columns = RECEIPT_COLUMNS if receipt else HANDOVER_COLUMNS
    closing = (
        ["接收单位已逐件核对，纸质材料按上表所列状态接收。", "接收人（签字）：______________"]
        if receipt
        else [
            "移交人（签字）：______________　　　接收人（签字）：______________",
            "接收时间：______年____月____日____时",
        ]
    )
    return render_handover_list(
        rows=data.get("rows") or [],
        columns=[(key, heading) for key, heading, _width in columns],
        widths=[width * mm for _key, _heading, width in columns],
        title=str(data.get("title") or "移交清单"),
        subtitle=f"清单编号：{data['handover']['number']}",
        header=[(str(label), str(value)) for label, value in data.get("header") or []],
        summary=str(data.get("summary") or ""),
        closing=closing,
        issuer=issuer,
        day=dt.date.fromisoformat(data["issued_on"]) if data.get("issued_on") else None,
        seal=seal,
        verify_code=verify_code,
        verify_url=verify_url,
        watermark=watermark,
    )


def render_document(
    *, kind: str, data: Data, verify_code: str, verify_url: str, issuer: str, seal: SealImage | None
) -> bytes:
    """The PDF of one document (of a case or of a handover list)."""
    issued = dt.date.fromisoformat(data["issued_on"])
    if kind in (DocumentKind.HANDOVER_LIST, DocumentKind.HANDOVER_RECEIPT):
        return handover_document(
            kind=kind, data=data, verify_code=verify_code, verify_url=verify_url, issuer=issuer, seal=seal
        )
    if kind == DocumentKind.CERTIFICATE:
        return certificate_pdf(
            data=data, verify_code=verify_code, verify_url=verify_url, issuer=issuer, seal=seal
        )
    page = Page(
        title=data["title"],
        subtitle=f"办件编号：{data['case']['number']}",
        verify_code=verify_code,
        verify_url=verify_url,
        issuer=issuer,
        date=issued,
        seal=seal,
    )
    return build(page, BODIES[kind](data))


def render_handover_list(
    *,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    title: str = "移交清单",
    subtitle: str = "",
    header: Sequence[tuple[str, str]] = (),
    widths: Sequence[float] | None = None,
    summary: str = "",
    closing: Sequence[str] | None = None,
    issuer: str = "",
    day: dt.date | None = None,
    seal: SealImage | None = None,
    verify_code: str = "",
    verify_url: str = "",
    watermark: str = "",
) -> bytes:
    """A 移交清单 (seed 003: 交接联系人、交接时间、交接手续) from plain rows.

    ``columns`` are (key, heading) pairs read from each row; ``header`` lines (label, value) come above
    the table (移交单位, 接收单位, 联系人, 移交时间 …). Signature lines for both sides close the list
    unless ``closing`` gives other lines.
    """
    s = styles()
    body: list[Flowable] = [
        Paragraph(f"{escape(label)}：{escape(value)}", s["plain"]) for label, value in header
    ]
    grid: list[list[Any]] = [["序号", *[heading for _key, heading in columns]]]
    grid += [[str(n), *[str(row.get(key, "")) for key, _h in columns]] for n, row in enumerate(rows, start=1)]
    usable = 160 * mm
    if widths is None:
        widths = [(usable - 12 * mm) / max(len(columns), 1)] * len(columns)
    first = max(usable - sum(widths), 10 * mm)
    if closing is None:
        closing = [
            "移交人（签字）：______________　　　接收人（签字）：______________",
            "移交时间：______年____月____日____时　　接收时间：______年____月____日____时",
        ]
    body += [
        Spacer(1, 3 * mm),
        table(grid, [first, *widths]),
        Spacer(1, 3 * mm),
        Paragraph(escape(summary or f"共 {len(rows)} 件。"), s["plain"]),
        Spacer(1, 8 * mm),
    ]
    for line in closing:
        body += [Paragraph(escape(line), s["plain"]), Spacer(1, 4 * mm)]
    page = Page(
        title=title,
        subtitle=subtitle,
        verify_code=verify_code,
        verify_url=verify_url,
        issuer=issuer,
        date=day,
        seal=seal,
        watermark=watermark,
    )
    return build(page, body)
