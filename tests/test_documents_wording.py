"""Every kind of document says what is true (issue 16, item 1), read back with pdftotext.

A legal office reading the ten kinds against the 行政许可法's model texts and the seeds: the 容缺
受理通知书 names each owed paper and its date and never says 材料齐全; a refusal or a denial states its
reason once in clean punctuation; only a 行政许可 cites the 行政许可法 and is titled 准予/不予行政许可
决定书 — a 行政给付 such as 高龄津贴 gets 给付决定书 / 不予给付决定书 under its own legal basis.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests import factories as f
from tests import test_documents as base
from tests.test_documents import act, apply, documents, needs_poppler, pdf_text
from yichuang.catalog.models import ExerciseLevel, ItemType
from yichuang.catalog.services import item_publish
from yichuang.documents.models import DocumentKind
from yichuang.documents.render import render_document
from yichuang.documents.services import document_content
from yichuang.documents.wording import according_to, basis_phrase, clean_reason, wording

pytestmark = [pytest.mark.django_db, needs_poppler]

# The documents tests' cast: one town's items under each kind of power, its clerk and reviewer, seals.
office = base.office
clerk = base.clerk
reviewer = base.reviewer

ELDER_BASIS = "《中华人民共和国老年人权益保障法》第三十三条；《河南省老年人权益保障条例》"


@pytest.fixture
def elder_allowance(office):
    """高龄津贴申领 as the demo county has it: a 行政给付 of the town, promised in 5 working days."""
    item = f.ItemFactory(
        code="GLJT",
        name="高龄津贴申领",
        department=office.departments["civil"],
        type=ItemType.BENEFIT,
        legal_basis=ELDER_BASIS,
        exercise_level=ExerciseLevel.TOWN,
        statutory_days=20,
        promised_days=5,
    )
    f.MaterialFactory(item=item, code="M001", name="居民身份证", order=1)
    f.MaterialFactory(item=item, code="M010", name="收入状况证明", commitment_allowed=True, order=2)
    f.MaterialFactory(item=item, code="M020", name="户口簿", tolerable=True, order=3)
    item_publish(item=item)
    for point in ("center_a", "station_a1"):
        f.OfferFactory(point=office.points[point], item=item)
    return item


def text_of(number: str, kind: str, tmp_path: Any) -> str:
    return pdf_text(document_content(document=documents(number)[kind]), tmp_path)


def assert_clean(text: str) -> None:
    for doubled in ("。，", "。。", "，。", "；。", "。；"):
        assert doubled not in text, doubled


def test_a_tolerated_acceptance_lists_each_owed_paper_and_its_date_and_never_says_complete(
    elder_allowance, clerk, tmp_path
):
    case = apply(clerk, "GLJT", provide=("M001",), tolerated=["M020"], commitments=["M010"])
    notice = text_of(case["number"], DocumentKind.ACCEPTANCE_NOTICE, tmp_path)
    due = dt.date.fromisoformat(case["supplement_due_date"])
    assert "经审查，申请材料齐全" not in notice
    assert "主要申请材料齐全" in notice and "容缺受理" in notice
    assert "容缺后补的材料" in notice and "户口簿" in notice
    assert f"{due.year}年{due.month}月{due.day}日前" in notice
    assert "行政许可法" not in notice and "老年人权益保障法" in notice
    assert_clean(notice)


def test_a_complete_acceptance_of_a_licence_cites_article_32(office, clerk, tmp_path):
    case = apply(clerk, "LOG")
    notice = text_of(case["number"], DocumentKind.ACCEPTANCE_NOTICE, tmp_path)
    assert "申请材料齐全、符合法定形式" in notice
    assert "行政许可法》第三十二条第一款第（五）项" in notice
    assert "容缺" not in notice


def test_the_one_time_notice_of_a_benefit_cites_its_own_law_and_of_a_licence_article_32(
    elder_allowance, clerk, tmp_path
):
    benefit = apply(clerk, "GLJT", provide=("M001",))
    answer = act(clerk, benefit["number"], "notify", missing=["M010", "M020"])
    text = text_of(benefit["number"], DocumentKind.SUPPLEMENT_NOTICE, tmp_path)
    assert "一次性告知书" in text and "户口簿" in text and "收入状况证明" in text
    assert "行政许可法" not in text and "老年人权益保障法》第三十三条、《河南省老年人权益保障条例》" in text
    assert "行政许可法" not in answer["notice"]["text"] and "老年人权益保障法" in answer["notice"]["text"]
    licence = apply(clerk, "LOG", provide=("M001",))
    act(clerk, licence["number"], "notify", missing=["M010"])
    assert "行政许可法》第三十二条第一款第（四）项" in text_of(
        licence["number"], DocumentKind.SUPPLEMENT_NOTICE, tmp_path
    )


def test_a_refusal_states_its_reason_once_in_clean_punctuation(elder_allowance, clerk, tmp_path):
    case = apply(clerk, "GLJT", provide=("M001",))
    act(clerk, case["number"], "refuse", reason="申请人户籍不在本区。")
    text = text_of(case["number"], DocumentKind.REFUSAL_NOTICE, tmp_path)
    assert text.count("申请人户籍不在本区") == 1
    assert "经审查，申请人户籍不在本区。决定不予受理。" in text
    assert "行政许可法" not in text
    assert_clean(text)


def test_the_commitment_cites_the_state_councils_commitment_rules(elder_allowance, clerk, tmp_path):
    case = apply(clerk, "GLJT", provide=("M001", "M020"), commitments=["M010"])
    text = text_of(case["number"], DocumentKind.COMMITMENT, tmp_path)
    assert "国办发〔2020〕42号" in text and "收入状况证明" in text and "告知承诺书" in text


def test_a_benefit_is_granted_by_a_benefit_decision_under_its_own_law(
    elder_allowance, clerk, reviewer, tmp_path
):
    case = apply(clerk, "GLJT")
    act(reviewer, case["number"], "approve")
    text = text_of(case["number"], DocumentKind.APPROVAL_DECISION, tmp_path)
    assert "给付决定书" in text and "决定予以给付" in text
    assert "老年人权益保障法" in text
    assert "许可" not in text
    receipt_case = act(clerk, case["number"], "deliver", method="pickup")
    receipt = text_of(receipt_case["number"], DocumentKind.DELIVERY_RECEIPT, tmp_path)
    assert "送达回证" in receipt and "给付决定书" in receipt and "许可" not in receipt


def test_a_benefit_denied_says_why_once_and_is_titled_as_a_benefit(
    elder_allowance, clerk, reviewer, tmp_path
):
    case = apply(clerk, "GLJT")
    act(reviewer, case["number"], "deny", reason="申请人未满80周岁，不符合高龄津贴救助条件。")
    text = text_of(case["number"], DocumentKind.DENIAL_DECISION, tmp_path)
    assert "不予给付决定书" in text and "决定不予给付" in text
    assert text.count("不符合高龄津贴救助条件") == 1
    assert "理由是：申请人未满80周岁，不符合高龄津贴救助条件。" in text
    assert "行政许可" not in text and "老年人权益保障法" in text
    assert "行政复议" in text and "行政诉讼" in text
    assert_clean(text)


def test_a_licence_is_decided_under_its_law_and_the_licensing_law(office, clerk, reviewer, tmp_path):
    approved = apply(clerk, "LOG")
    act(reviewer, approved["number"], "approve")
    text = text_of(approved["number"], DocumentKind.APPROVAL_DECISION, tmp_path)
    assert "准予行政许可决定书" in text and "决定准予行政许可" in text
    assert "《中华人民共和国森林法》第五十六条和《中华人民共和国行政许可法》第三十八条第一款" in text
    permit = text_of(approved["number"], DocumentKind.CERTIFICATE, tmp_path)
    assert "林木采伐许可证" in permit
    denied = apply(clerk, "LOG")
    act(reviewer, denied["number"], "deny", reason="采伐地块位于生态公益林。")
    text = text_of(denied["number"], DocumentKind.DENIAL_DECISION, tmp_path)
    assert "不予行政许可决定书" in text and "行政许可法》第三十八条第二款" in text
    assert text.count("采伐地块位于生态公益林") == 1
    assert_clean(text)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [(DocumentKind.HANDOVER_LIST, "移交人（签字）"), (DocumentKind.HANDOVER_RECEIPT, "接收单位已逐件核对")],
)
def test_the_handover_papers_speak_of_paper_not_of_law(kind, expected, tmp_path):
    data = {
        "title": "移交清单" if kind == DocumentKind.HANDOVER_LIST else "移交清单回执",
        "issued_on": "2026-12-07",
        "handover": {"number": "YJ411502202612070001"},
        "header": [["移交单位", "甲镇便民服务中心"], ["接收单位", "浉河区民政局"]],
        "rows": [{"case_number": "41150220261207000001", "item_name": "高龄津贴申领", "applicant": "李*文"}],
    }
    content = render_document(kind=kind, data=data, verify_code="", verify_url="", issuer="甲镇", seal=None)
    text = pdf_text(content, tmp_path)
    assert expected in text and "高龄津贴申领" in text and "行政许可法" not in text


def test_the_words_follow_the_type():
    assert wording("licensing").deny_title == "不予行政许可决定书"
    assert wording("benefit").approve_title == "给付决定书"
    assert wording("public_service").approve_title == "准予办理决定书"
    assert basis_phrase("《甲法》第一条；《乙条例》。") == "《甲法》第一条、《乙条例》"
    assert according_to("", licensing_article="第三十八条", licensing=False) == ""
    assert clean_reason(" 不符合条件。， ") == "不符合条件"
    assert clean_reason("材料不实。，经核查") == "材料不实，经核查"


def test_a_numbered_seal_stamps_only_the_items_its_grant_covers(office, clerk, reviewer):
    """The county's numbered seal (带编号的业务专用章) issued to the first town covers the items its grant
    lists: an entrusted item outside the list is not stamped with it."""
    from yichuang.catalog.models import ServiceItem

    numbered = office.seals["delegated_a"]
    numbered.items.set([ServiceItem.objects.get(code="LOG")])
    outside = apply(clerk, "VET")  # entrusted to the town by the civil affairs bureau
    assert documents(outside["number"])[DocumentKind.ACCEPTANCE_NOTICE].seal is None
    numbered.items.set([ServiceItem.objects.get(code="VET")])
    inside = apply(clerk, "VET")
    act(reviewer, inside["number"], "approve")
    issued = documents(inside["number"])
    assert issued[DocumentKind.ACCEPTANCE_NOTICE].seal == numbered
    assert issued[DocumentKind.APPROVAL_DECISION].seal == numbered
