"""一件事一次办: one application, linked cases, one set of materials, one receipt."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.test_cases import PHONE, act, client_for, upload
from yichuang.cases.models import BundleApplication, Case, CaseEvent
from yichuang.catalog.models import Bundle, BundleItem, ServiceItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(county):
    """低保 and 高龄津贴 together: both ask for the ID card, only 低保 for the rest."""
    one = Bundle.objects.create(code="YJS-T", name="困难老人救助一件事")
    for order, code in enumerate(("DB", "GL")):
        BundleItem.objects.create(bundle=one, item=ServiceItem.objects.get(code=code), order=order)
    return one


def bundle_body(client, *, provide=("M001", "M002"), **extra):
    from tests.test_cases import ID_NUMBER

    body = {
        "bundle": "YJS-T",
        "point": "CA",
        "channel": "window",
        "applicant": {
            "kind": "person",
            "name": "李金文",
            "id_number": f.applicant_id(ID_NUMBER, "YJS-T"),
            "phone": PHONE,
        },
        "materials": [{"requirement": code, "files": [upload(client)]} for code in provide],
        "tolerated": ["M020"],
        "commitments": ["M010"],
    }
    body.update(extra)
    return body


def test_one_application_creates_a_linked_case_per_item_sharing_one_set_of_papers(bundle, clerk):
    body = bundle_body(clerk)
    response = clerk.post("/api/v1/applications/", body, format="json")
    assert response.status_code == 201, response.content
    application = response.json()
    assert application["number"].startswith("YJS")
    assert [c["item"] for c in application["cases"]] == ["DB", "GL"]
    assert {c["status"] for c in application["cases"]} == {"accepted"}
    id_card = body["materials"][0]["files"][0]
    for number in (c["number"] for c in application["cases"]):
        case = clerk.get(f"/api/v1/cases/{number}/").json()
        assert case["application"] == application["number"]
        assert next(m for m in case["materials"] if m["requirement"] == "M001")["files"] == [id_card]
    merged = {m["code"]: m for m in application["materials"]}
    assert len(merged["M001"]["cases"]) == 2  # asked once, used twice
    assert merged["M020"]["state"] == "tolerated"


def test_the_one_receipt_lists_every_case_with_its_due_date(bundle, clerk):
    application = clerk.post("/api/v1/applications/", bundle_body(clerk), format="json").json()
    receipt = application["receipt"]
    assert "困难老人救助一件事" in receipt and application["number"] in receipt
    for case in application["cases"]:
        assert case["number"] in receipt and case["due_date"] in receipt


def test_a_supplement_to_one_case_completes_the_linked_case_too(bundle, clerk):
    application = clerk.post(
        "/api/v1/applications/", bundle_body(clerk, provide=("M002",)), format="json"
    ).json()
    dibao, allowance = (c["number"] for c in application["cases"])
    assert {c["status"] for c in application["cases"]} == {"submitted"}
    supplied = act(clerk, dibao, "supplement", materials=[{"requirement": "M001", "files": [upload(clerk)]}])
    assert supplied.status_code == 200, supplied.content
    other = clerk.get(f"/api/v1/cases/{allowance}/").json()
    assert next(m for m in other["materials"] if m["requirement"] == "M001")["state"] == "provided"
    assert other["timeline"][-1]["action"] == "supplement"
    assert dibao in other["timeline"][-1]["note"]
    assert act(clerk, allowance, "accept").json()["status"] == "accepted"


def test_an_item_the_point_does_not_offer_stops_the_whole_application(bundle, county, clerk):
    extra = f.ItemFactory(code="ZZ", name="林木采伐许可", department=county.departments["civil"])
    from yichuang.catalog.services import item_publish

    item_publish(item=extra)
    BundleItem.objects.create(bundle=bundle, item=extra, order=9)
    response = clerk.post("/api/v1/applications/", bundle_body(clerk), format="json")
    assert response.status_code == 422
    assert "林木采伐许可" in response.json()["detail"]
    assert (BundleApplication.objects.count(), Case.objects.count(), CaseEvent.objects.count()) == (0, 0, 0)


def test_a_material_no_item_of_the_bundle_asks_for_is_refused(bundle, clerk):
    body = bundle_body(clerk)
    body["tolerated"] = ["M001"]
    response = clerk.post("/api/v1/applications/", body, format="json")
    assert response.status_code == 422
    assert "tolerated" in response.json()["fields"]
    assert Case.objects.count() == 0


def test_another_towns_clerk_cannot_see_the_application(bundle, county, clerk):
    number = clerk.post("/api/v1/applications/", bundle_body(clerk), format="json").json()["number"]
    assert clerk.get(f"/api/v1/applications/{number}/").status_code == 200
    other = client_for(county.staff["other_clerk"])
    assert other.get(f"/api/v1/applications/{number}/").status_code == 404
    assert other.get("/api/v1/applications/").json()["count"] == 0


def test_a_retry_with_the_same_key_returns_the_same_application(bundle, clerk):
    body = bundle_body(clerk)
    first = clerk.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    again = clerk.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert first.json()["number"] == again.json()["number"]
    assert Case.objects.count() == 2


def test_the_same_key_with_another_application_is_refused(bundle, clerk):
    body = bundle_body(clerk)
    first = clerk.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert first.status_code == 201
    other = {**body, "tolerated": []}
    reused = clerk.post("/api/v1/applications/", other, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert BundleApplication.objects.count() == 1 and Case.objects.count() == 2


def test_an_unknown_code_in_tolerated_is_reported_under_tolerated(bundle, clerk):
    response = clerk.post("/api/v1/applications/", bundle_body(clerk, tolerated=["XX"]), format="json")
    assert response.status_code == 422
    assert response.json()["fields"] == {"tolerated": ["该事项没有材料 XX。"]}


@pytest.fixture
def eatery(county):
    """开办小餐饮: 个体工商户登记 issues the 营业执照 that 小餐饮登记 asks for."""
    from yichuang.catalog.services import item_publish

    licence = f.LicenseTypeFactory(code="L005", name="营业执照")
    civil = county.departments["civil"]
    register = f.ItemFactory(code="GT", name="个体工商户登记", department=civil, result_license_type=licence)
    f.MaterialFactory(item=register, code="M001", name="居民身份证")
    eating = f.ItemFactory(code="XCY", name="小餐饮登记", department=civil)
    f.MaterialFactory(item=eating, code="M001", name="居民身份证")
    f.MaterialFactory(item=eating, code="M005", name="营业执照", license_type=licence)
    one = Bundle.objects.create(code="YJS-T", name="开办小餐饮一件事")
    for order, item in enumerate((register, eating)):
        item_publish(item=item)
        f.OfferFactory(point=county.points["center_a"], item=item)
        BundleItem.objects.create(bundle=one, item=item, order=order)
    return one


def test_a_licence_an_earlier_step_of_the_bundle_issues_is_not_asked_of_the_applicant(eatery, clerk):
    listed = clerk.get("/api/v1/bundles/").json()
    listed = listed["results"] if isinstance(listed, dict) else listed
    asked = [m["name"] for m in next(b for b in listed if b["code"] == "YJS-T")["materials"]]
    assert asked == ["居民身份证"], "the 营业执照 comes from 个体工商户登记 in the same bundle"
    response = clerk.post(
        "/api/v1/applications/",
        bundle_body(clerk, provide=("M001",), tolerated=[], commitments=[]),
        format="json",
    )
    assert response.status_code == 201, response.content
    cases = response.json()["cases"]
    assert {c["status"] for c in cases} == {"accepted"}, "nothing is missing: both start at once"
    eating = Case.objects.get(number=cases[1]["number"])
    assert eating.materials.get(requirement="M005").get_state_display() == "由本“一件事”前序事项出具"
