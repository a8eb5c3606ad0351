"""Line breaks in the PDFs follow Chinese typesetting (禁则): no line starts with closing punctuation
(a tester found lines beginning "”申请（办件编号…" and "；投诉、建议…"), none ends with opening
punctuation, and a case number is not cut in two."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.test_documents import needs_poppler
from yichuang.documents.certificates import certificate_pdf
from yichuang.documents.linebreak import CANNOT_END, CANNOT_START, split_lines
from yichuang.documents.models import DocumentKind
from yichuang.documents.pdf import Page, build
from yichuang.documents.render import BODIES, render_document

#: What the tester checked: none of these may begin a line.
CLOSING = "，。、；：？！”’）》」』】"
OPENING = "“‘（《「『【"
CASE_NUMBER = "41150220261014000001"
#: Item names of every length from 1 to 37 characters: 37 full-width characters fill a line of the
#: body, so between them they put each mark of the first paragraphs at every place of a line.
ITEMS = [("老年人优待证办理林木采伐许可乡村兽医登记" * 2)[:n] for n in range(1, 38)]


def snapshot(item: str) -> dict[str, Any]:
    """What a case action writes for its document, with every field some document reads."""
    return {
        "title": "文书",
        "issued_on": "2026-10-14",
        "case": {
            "number": CASE_NUMBER,
            "item": item,
            "applicant": "李金文",
            "applicant_id": "411502********1234",
            "created_at": "2026-10-12T09:00:00+08:00",
            "accepted_at": "2026-10-12T09:00:00+08:00",
            "item_type": "licensing",
            "point": "甲镇便民服务中心",
            "point_phone": "0376-6591101",
            "region": "甲镇1村",
            "result_name": "林木采伐许可证",
        },
        "promised_days": 5,
        "statutory_days": 20,
        "due_date": "2026-10-21",
        "statutory_due_date": "2026-11-10",
        "tolerated": ["村委会意见", "户口簿"],
        "supplement_due_date": "2026-10-20",
        "committed": ["收入状况证明"],
        "missing": [{"name": f"{item}申请表", "note": "须加盖单位公章；复印件无效"}],
        "note": f"“{item}”的收入证明须加盖单位公章。",
        "reason": f"申请人提交的“{item}”材料与实际情况不符",
        "remedy": "如不服本决定，可以自收到本决定书之日起六十日内向浉河区人民政府申请行政复议，"
        "或者在六个月内向人民法院提起行政诉讼。",
        "legal_basis": "《中华人民共和国森林法》第五十六条",
        "result_name": "林木采伐许可证",
        "license_name": "林木采伐许可证",
        "license_number": "L008-2026-0001",
        "method_label": "免费邮寄",
        "tracking_number": "SF1234567890",
        "documents": [f"“{item}”准予行政许可决定书", "林木采伐许可证"],
        "place": "甲镇便民服务中心",
        "delivered_at": "2026年10月14日 10:00",
        "actor": "王*",
        "recipient": "李金文",
        "certificate": {"name": item, "number": "L008-2026-0001", "valid_until": "2027-10-13"},
        "handover": {"number": "YJ2026101400001"},
        "header": [["移交单位", "甲镇便民服务中心"], ["接收单位", "浉河区行政审批服务局（政务服务中心）"]],
        "rows": [
            {
                "case_number": CASE_NUMBER,
                "item_name": f"“{name}”",
                "applicant": "李*文",
                "note": "原件；复印件",
            }
            for name in ITEMS
        ],
        "summary": f"共 {len(ITEMS)} 件；其中原件 {len(ITEMS)} 件。",
        "channel_label": "网上申请",
        "form_rows": [["经营场所地址", f"甲镇“{item}”（东侧）"], ["经营范围", f"{item}；日用百货零售。"]],
    }


def layout_lines(pdf: bytes) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    return [line.strip() for line in out.splitlines() if line.strip()]


def every_document() -> dict[str, bytes]:
    """Each kind of document, as one PDF per kind: the case letters once for each item name, the
    handover list and its receipt with a row per item name, and the three certificate templates."""
    pdfs: dict[str, bytes] = {}
    for kind, body in BODIES.items():
        flowables = [flowable for item in ITEMS for flowable in body(snapshot(item))]
        pdfs[kind] = build(Page(title="文书", verify_code="ABCD", verify_url="/verify/ABCD"), flowables)
    for kind in (DocumentKind.HANDOVER_LIST, DocumentKind.HANDOVER_RECEIPT):
        pdfs[kind] = render_document(
            kind=kind, data=snapshot("林木采伐许可"), verify_code="", verify_url="", issuer="甲镇", seal=None
        )
    for name in ("老年人优待证", "林木采伐许可证", "乡村兽医登记证（个体）"):
        pdfs[f"certificate {name}"] = certificate_pdf(
            data=snapshot(name), verify_code="ABCD", verify_url="/verify/ABCD", issuer="甲镇", seal=None
        )
    return pdfs


@needs_poppler
def test_no_line_of_any_document_starts_with_closing_or_ends_with_opening_punctuation():
    bad = [
        f"{kind}: {line[:30]}"
        for kind, pdf in every_document().items()
        for line in layout_lines(pdf)
        if line[0] in CLOSING or line[-1] in OPENING
    ]
    assert bad == []


@needs_poppler
def test_the_case_number_is_never_cut_in_two(tmp_path):
    pdf = build(
        Page(title="文书"),
        [flowable for item in ITEMS for flowable in BODIES[DocumentKind.ACCEPTANCE_NOTICE](snapshot(item))],
    )
    lines = layout_lines(pdf)
    cut = [line for line in lines if line.rstrip("），。").isdigit() or line.endswith(CASE_NUMBER[:4])]
    assert cut == []
    assert sum(CASE_NUMBER in line for line in lines) == len(ITEMS)


# —— the rules themselves, on equal-width characters: one unit each, ten to a line ——


def lines_of(text: str, width: int = 10) -> list[str]:
    return [
        text[a:b]
        for a, b, _used, _explicit in split_lines(
            text, lambda _i, _max: 1.0, [float(width)], lambda _i: False
        )
    ]


@pytest.mark.parametrize("mark", sorted(CLOSING))
def test_a_closing_mark_at_the_edge_takes_the_last_character_with_it_to_the_next_line(mark):
    for before in range(1, 25):
        text = "字" * before + mark + "字" * 12
        lines = lines_of(text)
        assert "".join(lines) == text
        assert all(len(line) <= 10 for line in lines)
        assert not any(line[0] in CANNOT_START for line in lines[1:]), (before, lines)


@pytest.mark.parametrize("mark", sorted(OPENING))
def test_an_opening_mark_never_ends_a_line(mark):
    for before in range(1, 25):
        text = "字" * before + mark + "字" * 12
        lines = lines_of(text)
        assert not any(line[-1] in CANNOT_END for line in lines[:-1]), (before, lines)


def test_two_closing_marks_in_a_row_go_down_together_with_a_character():
    assert lines_of("字" * 9 + "”。" + "字" * 5) == ["字" * 8, "字”。" + "字" * 5]


def test_a_dash_and_an_ellipsis_stay_whole_and_may_begin_a_line():
    assert lines_of("字" * 9 + "——字") == ["字" * 9, "——字"]
    assert lines_of("字" * 9 + "……") == ["字" * 9, "……"]


def test_a_number_moves_down_whole_and_is_cut_only_when_longer_than_a_line():
    assert lines_of("编号：" + "12345678") == ["编号：", "12345678"]
    assert lines_of("1234567890123") == ["1234567890", "123"]


def test_a_line_of_nothing_but_marks_still_breaks_somewhere():
    text = "”" * 25
    assert "".join(lines_of(text)) == text
