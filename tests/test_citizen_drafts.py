"""A citizen fills an online application in several sittings: what he has filled is kept as a draft
(草稿) of that item, his own only, until he applies — then it is gone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_case_forms import FILLED, give_form
from tests.test_citizens import OTHER_ID, application, sign_in, upload, verified
from tests.test_citizens import office as office  # the fixture, with its own "_office"
from tests.test_documents import office as _office  # noqa: F401
from yichuang.catalog.models import ServiceItem
from yichuang.citizens.models import ApplicationDraft

pytestmark = pytest.mark.django_db

DRAFTS = "/api/v1/citizen/drafts/"


def half_filled(client: Any) -> dict[str, Any]:
    return {
        "point": "CA",
        "form": {"address": "甲镇甲村3组12号", "bank": "河南农信社", "amount": ""},
        "materials": [{"requirement": "M001", "files": [upload(client)]}],
        "commitments": ["M010"],
        "delivery": {"method": "mail", "address": ""},
    }


def test_a_half_filled_application_is_kept_and_given_back(office):
    citizen = sign_in()
    body = half_filled(citizen)

    saved = citizen.put(f"{DRAFTS}OWN/", body, format="json")

    assert saved.status_code == 200, saved.content
    again = citizen.get(f"{DRAFTS}OWN/")
    assert again.status_code == 200
    draft = again.json()
    assert draft["item"] == "OWN"
    assert draft["point"] == "CA"
    assert draft["form"] == body["form"]
    assert draft["materials"] == body["materials"]
    assert draft["commitments"] == ["M010"]
    assert draft["delivery"] == {"method": "mail", "address": ""}
    assert [row["item"] for row in citizen.get(DRAFTS).json()] == ["OWN"]


def test_saving_again_replaces_the_draft_of_that_item(office):
    citizen = sign_in()
    citizen.put(f"{DRAFTS}OWN/", half_filled(citizen), format="json")

    citizen.put(f"{DRAFTS}OWN/", {"form": {"address": "乙镇"}}, format="json")

    assert ApplicationDraft.objects.count() == 1
    draft = citizen.get(f"{DRAFTS}OWN/").json()
    assert draft["form"] == {"address": "乙镇"}
    assert draft["materials"] == [] and draft["point"] == ""


def test_nobody_else_sees_a_draft_and_a_missing_one_is_a_404(office):
    mine = sign_in()
    mine.put(f"{DRAFTS}OWN/", half_filled(mine), format="json")
    other = sign_in("13900009999")

    assert other.get(f"{DRAFTS}OWN/").status_code == 404
    assert other.get(DRAFTS).json() == []
    assert other.delete(f"{DRAFTS}OWN/").status_code == 404
    assert mine.get(f"{DRAFTS}NOPE/").status_code == 404
    assert mine.put(f"{DRAFTS}NOPE/", {}, format="json").status_code == 404


def test_a_draft_names_only_his_own_files_and_a_sane_form(office):
    mine = sign_in()
    theirs = upload(sign_in("13900009999"))

    foreign = mine.put(
        f"{DRAFTS}OWN/", {"materials": [{"requirement": "M001", "files": [theirs]}]}, format="json"
    )
    nested = mine.put(f"{DRAFTS}OWN/", {"form": {"address": {"省": "河南"}}}, format="json")
    long = mine.put(f"{DRAFTS}OWN/", {"form": {"address": "长" * 1001}}, format="json")
    nowhere = mine.put(f"{DRAFTS}OWN/", {"point": "NOWHERE"}, format="json")
    drone = mine.put(f"{DRAFTS}OWN/", {"delivery": {"method": "drone"}}, format="json")

    assert foreign.status_code == 422 and "materials" in foreign.json()["fields"]
    assert nested.status_code == 422 and nested.json()["fields"]["form"] == ["“address”的值应为文字或数字。"]
    assert long.status_code == 422 and long.json()["fields"]["form"] == ["“address”的值过长。"]
    assert nowhere.status_code == 422 and "point" in nowhere.json()["fields"]
    assert drone.status_code == 422 and "delivery.method" in drone.json()["fields"]
    assert not ApplicationDraft.objects.exists()


def test_a_staff_token_opens_no_draft(office, clerk):
    assert clerk.get(DRAFTS).status_code in (401, 403)


def test_discarding_removes_it(office):
    citizen = sign_in()
    citizen.put(f"{DRAFTS}OWN/", half_filled(citizen), format="json")

    assert citizen.delete(f"{DRAFTS}OWN/").status_code == 204

    assert citizen.get(f"{DRAFTS}OWN/").status_code == 404


def test_applying_for_the_item_removes_its_draft_and_only_that_one(office):
    give_form(ServiceItem.objects.get(code="OWN"))
    citizen = verified()
    citizen.put(f"{DRAFTS}OWN/", half_filled(citizen), format="json")
    citizen.put(f"{DRAFTS}DESK/", {"form": {"x": "y"}}, format="json")

    failed = citizen.post("/api/v1/citizen/applications/", application(citizen, form={}), format="json")
    assert failed.status_code == 422
    assert citizen.get(f"{DRAFTS}OWN/").status_code == 200  # a refused application keeps the draft

    applied = citizen.post("/api/v1/citizen/applications/", application(citizen, form=FILLED), format="json")

    assert applied.status_code == 201, applied.content
    assert citizen.get(f"{DRAFTS}OWN/").status_code == 404
    assert citizen.get(f"{DRAFTS}DESK/").status_code == 200


def test_another_citizens_application_leaves_my_draft(office):
    mine = sign_in()
    mine.put(f"{DRAFTS}OWN/", half_filled(mine), format="json")
    other = verified("13900009999", name="张三", id_number=OTHER_ID)

    assert other.post("/api/v1/citizen/applications/", application(other), format="json").status_code == 201

    assert mine.get(f"{DRAFTS}OWN/").status_code == 200
