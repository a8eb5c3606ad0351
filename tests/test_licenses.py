"""免证办: approving a certificate item issues a licence; a later application uses it instead of paper."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f
from tests.test_cases import ID_NUMBER, act, application
from yichuang.catalog.services import item_publish
from yichuang.licenses.models import License
from yichuang.licenses.services import license_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def elder_card(county):
    """老年人优待证 (a certificate, valid 5 years) and a benefit that accepts it instead of paper."""
    civil = county.departments["civil"]
    card_type = f.LicenseTypeFactory(code="LNR", name="老年人优待证", validity_years=5, issuer="浉河区民政局")
    card = f.ItemFactory(
        code="YDZ",
        name="老年人优待证办理",
        department=civil,
        result_type="certificate",
        result_license_type=card_type,
    )
    f.MaterialFactory(item=card, code="M001", name="居民身份证")
    allowance = f.ItemFactory(code="GLJT", name="高龄津贴申领", department=civil, promised_days=5)
    f.MaterialFactory(item=allowance, code="M001", name="居民身份证")
    f.MaterialFactory(item=allowance, code="M030", name="老年人优待证", license_type=card_type)
    for item in (card, allowance):
        item_publish(item=item)
        f.OfferFactory(point=county.points["center_a"], item=item)
    return county


def approved_card(clerk, reviewer) -> dict:
    number = clerk.post(
        "/api/v1/cases/", application(clerk, item="YDZ", provide=("M001",)), format="json"
    ).json()["number"]
    approved = act(reviewer, number, "approve")
    assert approved.status_code == 200, approved.content
    return approved.json()


def test_approving_a_certificate_item_issues_a_licence_to_the_holder(elder_card, clerk, reviewer):
    case = approved_card(clerk, reviewer)
    issued = case["issued_license"]
    assert issued["number"] == f"LNR-{case['number']}"
    assert issued["type_name"] == "老年人优待证"
    today = dt.date.today()
    assert issued["valid_until"] == (today.replace(year=today.year + 5) - dt.timedelta(days=1)).isoformat()
    licence = License.objects.get()
    assert (licence.holder_id_number, licence.source_case.number) == (ID_NUMBER, case["number"])
    assert case["timeline"][-1]["action"] == "approve"


def test_a_later_application_is_satisfied_by_the_licence_without_an_upload(elder_card, clerk, reviewer):
    card = approved_card(clerk, reviewer)
    response = clerk.post("/api/v1/cases/", application(clerk, item="GLJT", provide=("M001",)), format="json")
    case = response.json()
    assert case["status"] == "accepted"
    by_licence = next(m for m in case["materials"] if m["requirement"] == "M030")
    assert by_licence["state"] == "license"
    assert by_licence["files"] == []
    assert by_licence["license"]["number"] == card["issued_license"]["number"]


def test_someone_else_without_the_licence_must_still_bring_the_paper(elder_card, clerk, reviewer):
    approved_card(clerk, reviewer)
    body = application(clerk, item="GLJT", provide=("M001",))
    body["applicant"]["id_number"] = "11010519491231002X"
    case = clerk.post("/api/v1/cases/", body, format="json").json()
    assert case["status"] == "submitted"
    assert next(m for m in case["materials"] if m["requirement"] == "M030")["state"] == "missing"


def test_a_revoked_licence_no_longer_stands_in_for_the_paper(elder_card, clerk, reviewer):
    approved_card(clerk, reviewer)
    license_revoke(license=License.objects.get(), actor=elder_card.staff["admin"], reason="信息有误")
    case = clerk.post(
        "/api/v1/cases/", application(clerk, item="GLJT", provide=("M001",)), format="json"
    ).json()
    assert next(m for m in case["materials"] if m["requirement"] == "M030")["state"] == "missing"


def test_an_uploaded_paper_is_kept_even_when_a_licence_exists(elder_card, clerk, reviewer):
    approved_card(clerk, reviewer)
    body = application(clerk, item="GLJT", provide=("M001", "M030"))
    case = clerk.post("/api/v1/cases/", body, format="json").json()
    row = next(m for m in case["materials"] if m["requirement"] == "M030")
    assert (row["state"], row["license"]) == ("provided", None)


def test_the_window_looks_up_an_applicants_licences_with_the_id_number_masked(elder_card, clerk, reviewer):
    approved_card(clerk, reviewer)
    found = clerk.post("/api/v1/licenses/lookup/", {"id_number": ID_NUMBER}, format="json")
    assert found.status_code == 200
    [row] = found.json()
    assert row["type_name"] == "老年人优待证" and row["in_force"] is True
    assert ID_NUMBER not in found.content.decode()
    wrong = clerk.post("/api/v1/licenses/lookup/", {"id_number": "123"}, format="json")
    assert wrong.status_code == 400 and "id_number" in wrong.json()["fields"]


def test_the_licence_lookup_needs_a_login(elder_card):
    from rest_framework.test import APIClient

    response = APIClient().post("/api/v1/licenses/lookup/", {"id_number": ID_NUMBER}, format="json")
    assert response.status_code == 401


def test_an_item_whose_result_is_no_certificate_issues_nothing(county, clerk, reviewer):
    number = clerk.post(
        "/api/v1/cases/",
        application(clerk, provide=("M001", "M002", "M020"), commitments=["M010"]),
        format="json",
    ).json()["number"]
    assert act(reviewer, number, "approve").json()["issued_license"] is None
    assert License.objects.count() == 0
