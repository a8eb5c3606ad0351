"""The filled application form (申请表) travels with the case: a clerk or the citizen sends it, it is
checked field by field before anything is written, the case keeps it, shows it (masked for those who
do not need the numbers) and prints it into the 申请表 PDF among the case's documents."""

from __future__ import annotations

import shutil
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests.test_citizens import application, verified
from tests.test_citizens import office as office  # the fixture, with its own "_office"
from tests.test_documents import office as _office  # noqa: F401
from tests.test_documents import pdf_text
from yichuang.cases.models import Case, CaseForm
from yichuang.catalog.models import FormField, FormFieldKind, ServiceItem
from yichuang.common.identity import resident_id_check_char
from yichuang.documents.models import Document, DocumentKind
from yichuang.documents.services import document_content

pytestmark = pytest.mark.django_db

AGENT17 = "41150219700303111"
AGENT_ID = AGENT17 + resident_id_check_char(AGENT17)
APPLICANT17 = "41150219450101123"
APPLICANT_ID = APPLICANT17 + resident_id_check_char(APPLICANT17)
POPPLER = shutil.which("pdftotext")


def give_form(item: ServiceItem) -> None:
    """高龄津贴-like fields on any item: where the money goes, and who collects it."""
    for order, (key, label, kind, extra) in enumerate(
        [
            ("address", "户籍地址", FormFieldKind.ADDRESS, {}),
            ("bank", "开户银行", FormFieldKind.CHOICE, {"choices": ["中国农业银行", "河南农信社"]}),
            ("account", "银行账号", FormFieldKind.TEXT, {"max_length": 25}),
            ("amount", "月发放金额", FormFieldKind.NUMBER, {"min": Decimal(0), "max": Decimal(1000)}),
            ("agent_id", "代领人身份证号", FormFieldKind.ID_NUMBER, {"required": False}),
            ("agent_phone", "代领人手机", FormFieldKind.PHONE, {"required": False}),
        ],
        start=1,
    ):
        FormField.objects.create(item=item, key=key, label=label, kind=kind, order=order, **extra)


FILLED = {
    "address": "甲镇甲村3组12号",
    "bank": "河南农信社",
    "account": "6228480000000000001",
    "amount": "150.5",
    "agent_id": AGENT_ID,
    "agent_phone": "13900001111",
}


def staff(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def window_case(**extra: Any) -> dict[str, Any]:
    return {
        "item": "GL",
        "point": "CA",
        "channel": "window",
        "applicant": {"kind": "person", "name": "王秀英", "id_number": APPLICANT_ID, "phone": "13700002222"},
        "materials": [],
        "tolerated": [],
        **extra,
    }


@pytest.fixture
def elder(county: Any) -> ServiceItem:
    item = ServiceItem.objects.get(code="GL")
    give_form(item)
    return item


class TestAtTheWindow:
    def test_the_clerk_sends_the_form_and_the_case_keeps_and_shows_it(self, county, elder, clerk):
        answer = clerk.post("/api/v1/cases/", window_case(form=FILLED), format="json")

        assert answer.status_code == 201, answer.content
        case = answer.json()
        assert [(row["key"], row["label"], row["value"]) for row in case["form"]] == [
            ("address", "户籍地址", "甲镇甲村3组12号"),
            ("bank", "开户银行", "河南农信社"),
            ("account", "银行账号", "6228480000000000001"),
            ("amount", "月发放金额", "150.5"),
            ("agent_id", "代领人身份证号", AGENT_ID),
            ("agent_phone", "代领人手机", "13900001111"),
        ]
        assert clerk.get(f"/api/v1/cases/{case['number']}/").json()["form"] == case["form"]
        kept = CaseForm.objects.get(case__number=case["number"])
        assert kept.values["amount"] == "150.5"
        assert [field["label"] for field in kept.fields][:2] == ["户籍地址", "开户银行"]

    def test_the_database_keeps_the_filled_form_sealed(self, county, elder, clerk):
        number = clerk.post("/api/v1/cases/", window_case(form=FILLED), format="json").json()["number"]

        with connection.cursor() as cursor:
            cursor.execute('SELECT "values" FROM cases_caseform')
            [(stored,)] = cursor.fetchall()
        assert str(stored).startswith("s1.")
        assert AGENT_ID not in str(stored) and "13900001111" not in str(stored) and "甲村" not in str(stored)
        assert CaseForm.objects.get(case__number=number).values["agent_id"] == AGENT_ID

    def test_the_audit_chain_vouches_for_the_kept_form(self, county, elder, clerk):
        from yichuang.cases.services.intake import case_form_intact

        number = clerk.post("/api/v1/cases/", window_case(form=FILLED), format="json").json()["number"]
        case = Case.objects.get(number=number)
        assert len(case.events.get(action="submit").data["form_sm3"]) == 64
        assert case_form_intact(case)

        CaseForm.objects.filter(case=case).update(
            values={**case.form.values, "account": "6228480000000009999"}
        )

        assert not case_form_intact(case)

    def test_a_supervisor_sees_the_numbers_masked(self, county, elder, clerk):
        number = clerk.post("/api/v1/cases/", window_case(form=FILLED), format="json").json()["number"]

        shown = staff(county.staff["supervisor"]).get(f"/api/v1/cases/{number}/").json()["form"]

        values = {row["key"]: row["value"] for row in shown}
        assert values["agent_id"] == AGENT_ID[:6] + "********" + AGENT_ID[-4:]
        assert values["agent_phone"] == "139****1111"
        assert values["account"] == "6228480000000000001"

    def test_a_wrong_form_is_a_422_naming_each_field_and_nothing_is_stored(self, county, elder, clerk):
        before = (Case.objects.count(), CaseForm.objects.count(), Document.objects.count())
        wrong = {**FILLED, "bank": "工商银行", "amount": "1001", "agent_id": AGENT_ID[:-1] + "0"}
        wrong.pop("address")

        answer = clerk.post("/api/v1/cases/", window_case(form=wrong), format="json")

        assert answer.status_code == 422, answer.content
        body = answer.json()
        assert body["code"] == "form_invalid"
        assert body["detail"] == "申请表填写有误，请按提示修改。"
        assert body["fields"]["form.address"] == ["请填写户籍地址。"]
        assert body["fields"]["form.bank"] == ["开户银行请从以下选项中选择：中国农业银行、河南农信社。"]
        assert body["fields"]["form.amount"] == ["月发放金额不能大于1000。"]
        assert "校验码" in body["fields"]["form.agent_id"][0]
        assert (Case.objects.count(), CaseForm.objects.count(), Document.objects.count()) == before

    def test_a_form_that_is_not_an_object_is_a_400(self, county, elder, clerk):
        answer = clerk.post("/api/v1/cases/", window_case(form=["甲镇"]), format="json")

        assert answer.status_code == 400
        assert "form" in answer.json()["fields"]

    def test_without_a_form_the_case_is_as_before_a_paper_form(self, county, elder, clerk):
        answer = clerk.post("/api/v1/cases/", window_case(), format="json")

        assert answer.status_code == 201, answer.content
        assert answer.json()["form"] == []
        assert not CaseForm.objects.exists()
        assert not Document.objects.filter(kind=DocumentKind.APPLICATION_FORM).exists()


def test_the_case_page_shows_the_filled_form_to_the_clerk(county, elder, clerk):
    number = clerk.post("/api/v1/cases/", window_case(form=FILLED), format="json").json()["number"]
    browser = Client()
    browser.force_login(county.staff["town_clerk"])

    page = browser.get(f"/work/cases/{number}/").content.decode()

    assert "申请表" in page
    assert "开户银行" in page and "河南农信社" in page
    assert "13900001111" in page
    boss = Client()
    boss.force_login(county.staff["supervisor"])
    watched = boss.get(f"/work/cases/{number}/").content.decode()
    assert "139****1111" in watched and "13900001111" not in watched


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext) not installed; CI installs it")
def test_the_filled_form_prints_into_the_application_form_pdf(county, elder, clerk, tmp_path):
    case = clerk.post("/api/v1/cases/", window_case(form=FILLED), format="json").json()
    listed = [d for d in case["documents"] if d["type"] == DocumentKind.APPLICATION_FORM]
    assert len(listed) == 1

    document = Document.objects.get(pk=listed[0]["id"])
    text = pdf_text(document_content(document=document), tmp_path)

    assert document.title == "高龄津贴申领申请表"
    for printed in (
        "高龄津贴申领申请表",
        "王秀英",
        "窗口申请",
        "户籍地址甲镇甲村3组12号",
        "开户银行河南农信社",
        "银行账号6228480000000000001",
        "月发放金额150.5",
        "代领人身份证号" + AGENT_ID[:6] + "********" + AGENT_ID[-4:],
        "代领人手机139****1111",
        "本人（单位）承诺以上填写的信息真实",
    ):
        assert printed in text, printed
    assert AGENT_ID not in text
    assert APPLICANT_ID not in text


class TestOnline:
    @pytest.fixture
    def own(self, office: Any) -> ServiceItem:
        item = ServiceItem.objects.get(code="OWN")
        give_form(item)
        return item

    def test_the_citizen_sends_the_form_with_his_application(self, office, own):
        citizen = verified()

        answer = citizen.post(
            "/api/v1/citizen/applications/", application(citizen, form=FILLED), format="json"
        )

        assert answer.status_code == 201, answer.content
        shown = {row["key"]: row["value"] for row in answer.json()["form"]}
        assert shown["bank"] == "河南农信社"
        assert shown["agent_phone"] == "139****1111"
        assert any(d["type"] == DocumentKind.APPLICATION_FORM for d in answer.json()["documents"])
        case = Case.objects.get(number=answer.json()["number"])
        assert case.form.values["agent_phone"] == "13900001111"
        clerk = staff(office.staff["town_clerk"])
        assert clerk.get(f"/api/v1/cases/{case.number}/").json()["form"][5]["value"] == "13900001111"

    def test_a_wrong_form_online_is_a_422_and_no_case(self, office, own):
        citizen = verified()
        body = application(citizen, form={**FILLED, "account": "1" * 26})

        answer = citizen.post("/api/v1/citizen/applications/", body, format="json")

        assert answer.status_code == 422, answer.content
        assert answer.json()["fields"] == {"form.account": ["银行账号不能超过25个字（现为26个）。"]}
        assert not Case.objects.exists()


def test_the_item_lists_its_form_fields_for_the_pages(county, elder):
    answer = APIClient().get("/api/v1/items/GL/")

    assert answer.status_code == 200
    fields = answer.json()["form_fields"]
    assert [field["key"] for field in fields] == [
        "address",
        "bank",
        "account",
        "amount",
        "agent_id",
        "agent_phone",
    ]
    bank, amount = fields[1], fields[3]
    assert bank == {
        "key": "bank",
        "label": "开户银行",
        "label_en": "",
        "kind": "choice",
        "kind_display": "选项",
        "required": True,
        "choices": ["中国农业银行", "河南农信社"],
        "help_text": "",
        "max_length": None,
        "min": None,
        "max": None,
    }
    assert (amount["min"], amount["max"]) == (0, 1000)
