"""On the phone: the step form's first step asks the 办理情形, the 材料 step shows that situation's papers
(with the blank form and the sample to download), and the guide shows every situation and the related
items. The downloads come by item and material code, for published items only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from tests.test_citizen_pages import bound, draft_url, pdf
from tests.test_documents import office as _office  # noqa: F401  (registers the fixture "_office")
from tests.test_situations import give_situations
from yichuang.cases.models import Case
from yichuang.catalog.models import ItemStatus, MaterialRequirement, ServiceItem
from yichuang.catalog.services import item_snapshot
from yichuang.catalog.situations import MaterialEffect

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("_office")


@pytest.fixture
def own(office: Any) -> ServiceItem:
    """老年人优待证办理 (M001 身份证, M010 收入状况证明, M020 村委会意见) with 首次申领 and 补领 (the lost
    card's statement instead of the village's opinion), and a blank form and a sample for the ID card row."""
    item = ServiceItem.objects.get(code="OWN")
    MaterialRequirement.objects.create(
        item=item, code="M080", name="原证件或遗失说明", required=False, order=9
    )
    give_situations(
        item,
        {
            "first": ("首次申领", {}),
            "reissue": ("补领", {"M080": MaterialEffect.ADD, "M020": MaterialEffect.DROP}),
        },
    )
    row = item.materials.get(code="M010")
    row.blank_form.save("blank.pdf", ContentFile(pdf().read()), save=False)
    row.sample.save("sample.pdf", ContentFile(pdf().read()), save=False)
    row.save()
    item_snapshot(item=item)
    return item


def test_the_first_step_asks_the_situation_and_refuses_to_go_on_without_one(own: ServiceItem) -> None:
    client = bound()
    base = draft_url(client)
    page = client.get(base + "situation/").content.decode()
    assert "您属于哪种情形？" in page and "首次申领" in page and "补领" in page
    refused = client.post(base + "situation/", {"point": "CA"})
    assert refused.status_code == 422
    assert "请选择您的办理情形。" in refused.content.decode()
    assert client.get(base + "info/").status_code == 302  # the next step is still closed


def test_a_replacement_shows_and_sends_the_papers_of_its_situation(own: ServiceItem) -> None:
    client = bound()
    base = draft_url(client)
    assert client.post(base + "situation/", {"point": "CA", "situation": "reissue"}).status_code == 302
    assert client.post(base + "info/").status_code == 302
    page = client.get(base + "materials/").content.decode()
    assert "办理情形：补领" in page
    assert "原证件或遗失说明" in page and "村委会意见" not in page
    assert "下载空白表格" in page and "查看示范文本" in page
    for code in ("M001", "M080"):
        answer = client.post(base + "materials/", {"action": "upload", f"upload_{code}": pdf()})
        assert answer.status_code == 302, answer.content.decode()[:600]
    # a paper the situation does not ask cannot be uploaded by hand either
    refused = client.post(base + "materials/", {"action": "upload", "upload_M020": pdf()})
    assert refused.status_code == 302  # ignored: there is no such input in this situation
    assert client.post(base + "materials/", {"action": "next", "commitment": ["M010"]}).status_code == 302
    assert (
        client.post(base + "delivery/", {"delivery_method": "pickup", "delivery_address": ""}).status_code
        == 302
    )
    confirm = client.get(base + "confirm/").content.decode()
    assert "补领" in confirm and "村委会意见" not in confirm
    assert client.post(base + "confirm/").status_code == 302
    case = Case.objects.get(item=own)
    assert sorted(case.materials.values_list("requirement", flat=True)) == ["M001", "M010", "M080"]
    assert case.events.get(action="submit").data["situation"] == "reissue"


def test_going_back_to_another_situation_leaves_the_other_papers_behind(own: ServiceItem) -> None:
    client = bound()
    base = draft_url(client)
    client.post(base + "situation/", {"point": "CA", "situation": "first"})
    client.post(base + "info/")
    assert client.post(base + "materials/", {"action": "upload", "upload_M020": pdf()}).status_code == 302
    client.post(base + "situation/", {"point": "CA", "situation": "reissue"})
    client.post(base + "materials/", {"action": "next"})
    client.post(base + "delivery/", {"delivery_method": "pickup", "delivery_address": ""})
    assert client.post(base + "confirm/").status_code == 302
    assert "M020" not in Case.objects.get(item=own).materials.values_list("requirement", flat=True)


def test_the_guide_shows_each_situation_and_the_downloads_work(own: ServiceItem) -> None:
    page = Client().get("/guide/OWN/").content.decode()
    assert 'id="guide-situations"' in page and "补领" in page and "原证件或遗失说明" in page
    assert "/guide/OWN/materials/M010/blank-form/" in page and "/guide/OWN/materials/M010/sample/" in page
    blank = Client().get("/guide/OWN/materials/M010/blank-form/")
    assert blank.status_code == 200 and blank["Content-Type"] == "application/pdf"
    assert b"".join(blank.streaming_content).startswith(b"%PDF")
    assert Client().get("/guide/OWN/materials/M001/sample/").status_code == 404  # none given
    assert Client().get("/guide/OWN/materials/M010/other/").status_code == 404
    own.status = ItemStatus.DRAFT
    own.save(update_fields=["status"])
    assert Client().get("/guide/OWN/materials/M010/blank-form/").status_code == 404


def test_the_guide_links_parent_and_child_items(own: ServiceItem, office: Any) -> None:
    child = ServiceItem.objects.get(code="LOG")
    child.parent = own
    child.save(update_fields=["parent"])
    parent_page = Client().get("/guide/OWN/").content.decode()
    assert 'id="guide-family"' in parent_page and "林木采伐许可" in parent_page
    child_page = Client().get("/guide/LOG/").content.decode()
    assert "所属事项" in child_page and "老年人优待证办理" in child_page


def test_the_drafts_api_keeps_the_situation_and_the_application_api_checks_against_it(
    own: ServiceItem,
) -> None:
    from tests.test_citizens import upload, verified

    client = verified()
    kept = client.put("/api/v1/citizen/drafts/OWN/", {"point": "CA", "situation": "reissue"}, format="json")
    assert kept.status_code == 200 and kept.json()["situation"] == "reissue"
    body = {
        "item": "OWN",
        "point": "CA",
        "situation": "reissue",
        "materials": [{"requirement": "M020", "files": [upload(client)]}],
        "delivery": {"method": "pickup"},
    }
    refused = client.post("/api/v1/citizen/applications/", body, format="json")
    assert refused.status_code == 422
    assert refused.json()["fields"]["materials"] == ["办理情形“补领”不需要“村委会意见”。"]
    body["materials"] = [{"requirement": "M080", "files": [upload(client)]}]
    sent = client.post("/api/v1/citizen/applications/", body, format="json")
    assert sent.status_code == 201, sent.content
    assert [m["requirement"] for m in sent.json()["materials"]] == ["M001", "M010", "M080"]
