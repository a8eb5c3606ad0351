"""At the window the clerk types the applicant's 申请表 into the intake page; an untouched fieldset
means the applicant brought it on paper, a half-filled one is checked field by field."""

from __future__ import annotations

import pytest

from tests.test_case_forms import give_form
from tests.test_web_pages import intake_form, page_for, scan, text
from yichuang.cases.models import Case, CaseForm
from yichuang.catalog.models import ServiceItem

pytestmark = pytest.mark.django_db

TYPED = {
    "af-address": "甲镇甲村3组12号",
    "af-bank": "河南农信社",
    "af-account": "6228480000000000001",
    "af-amount": "150",
}


@pytest.fixture
def elder(county):
    item = ServiceItem.objects.get(code="GL")
    give_form(item)
    return item


def test_the_intake_page_offers_the_items_form(county, elder):
    page = text(page_for(county.staff["town_clerk"]).get("/work/intake/item/GL/"))

    assert 'id="application-form"' in page
    assert 'name="af-address"' in page and "户籍地址" in page
    assert '<option value="河南农信社">' in page
    assert 'name="af-agent_phone"' in page and 'type="tel"' in page


def test_what_the_clerk_types_is_kept_and_printed(county, elder):
    client = page_for(county.staff["town_clerk"])

    response = client.post("/work/intake/item/GL/", intake_form(upload_M001=scan(), **TYPED))

    assert response.status_code == 302, text(response)
    case = Case.objects.get()
    assert CaseForm.objects.get(case=case).values == {
        "address": "甲镇甲村3组12号",
        "bank": "河南农信社",
        "account": "6228480000000000001",
        "amount": 150,
    }
    assert "高龄津贴申领申请表" in text(client.get(response["Location"]))


def test_an_untouched_form_is_a_paper_form(county, elder):
    response = page_for(county.staff["town_clerk"]).post(
        "/work/intake/item/GL/", intake_form(upload_M001=scan())
    )

    assert response.status_code == 302, text(response)
    assert not CaseForm.objects.exists()


def test_a_half_filled_form_comes_back_with_each_fault_beside_its_input(county, elder):
    typed = {**TYPED, "af-amount": "1001", "af-address": ""}

    response = page_for(county.staff["town_clerk"]).post(
        "/work/intake/item/GL/", intake_form(upload_M001=scan(), **typed)
    )

    assert response.status_code == 422
    page = text(response)
    assert "请填写户籍地址。" in page
    assert "月发放金额不能大于1000。" in page
    assert 'value="6228480000000000001"' in page  # what was typed stays
    assert not Case.objects.exists()
