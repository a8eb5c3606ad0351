"""一件事 online: a citizen applies for a whole bundle with one set of materials and one form; each
item becomes a case of his own, waiting for the window's pre-review, with the values its own form
asks for."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.test_case_forms import FILLED, give_form
from tests.test_citizens import office as office  # the fixture, with its own "_office"
from tests.test_citizens import sign_in, upload, verified
from tests.test_documents import office as _office  # noqa: F401
from yichuang.cases.models import BundleApplication, Case, CaseForm
from yichuang.catalog.models import Bundle, BundleItem, FormField, FormFieldKind, ServiceItem
from yichuang.citizens.models import ApplicationDraft

pytestmark = pytest.mark.django_db

APPLY = "/api/v1/citizen/bundle-applications/"


@pytest.fixture
def bundle(office: Any) -> Bundle:
    """老年人优待证 and 高龄津贴 together: both ask for the ID card; 高龄津贴 has the bank form, 优待证 a
    field of its own and one it shares."""
    one = Bundle.objects.create(code="YJS-OLD", name="老年人福利一件事")
    for order, code in enumerate(("OWN", "IMM")):
        BundleItem.objects.create(bundle=one, item=ServiceItem.objects.get(code=code), order=order)
    give_form(ServiceItem.objects.get(code="IMM"))
    own = ServiceItem.objects.get(code="OWN")
    FormField.objects.create(item=own, key="address", label="户籍地址", kind=FormFieldKind.ADDRESS, order=1)
    FormField.objects.create(
        item=own,
        key="photo_size",
        label="照片规格",
        kind=FormFieldKind.CHOICE,
        choices=["一寸", "二寸"],
        order=2,
    )
    return one


def body(client: APIClient, **extra: Any) -> dict[str, Any]:
    return {
        "bundle": "YJS-OLD",
        "point": "CA",
        "materials": [{"requirement": "M001", "files": [upload(client)]}],
        "commitments": ["M010"],
        "delivery": {"method": "pickup"},
        "form": {**FILLED, "photo_size": "一寸"},
        **extra,
    }


def test_the_bundle_lists_one_merged_form(bundle):
    answer = APIClient().get("/api/v1/bundles/").json()
    found = next(b for b in answer["results"] if b["code"] == "YJS-OLD")

    keys = [field["key"] for field in found["form_fields"]]
    assert keys == ["address", "photo_size", "bank", "account", "amount", "agent_id", "agent_phone"]


def test_one_online_application_makes_a_case_per_item_each_with_its_own_form(bundle):
    citizen = verified()
    citizen.put("/api/v1/citizen/drafts/IMM/", {"form": {"bank": "河南农信社"}}, format="json")

    answer = citizen.post(APPLY, body(citizen), format="json")

    assert answer.status_code == 201, answer.content
    application = answer.json()
    assert application["number"].startswith("YJS")
    assert [c["item_name"] for c in application["cases"]] == ["老年人优待证办理", "高龄津贴申领"]
    assert {(c["channel"], c["status"]) for c in application["cases"]} == {("online", "submitted")}
    own, allowance = (Case.objects.get(number=c["number"]) for c in application["cases"])
    assert CaseForm.objects.get(case=own).values == {"address": "甲镇甲村3组12号", "photo_size": "一寸"}
    assert set(CaseForm.objects.get(case=allowance).values) == set(FILLED)
    assert BundleApplication.objects.get().cases.count() == 2
    for case in (own, allowance):
        mine = citizen.get(f"/api/v1/citizen/cases/{case.number}/")
        assert mine.status_code == 200
    assert not ApplicationDraft.objects.exists()


def test_every_items_faults_are_named_at_once_and_nothing_is_written(bundle):
    citizen = verified()
    wrong = {**FILLED, "photo_size": "三寸"}
    wrong.pop("address")

    answer = citizen.post(APPLY, body(citizen, form=wrong), format="json")

    assert answer.status_code == 422, answer.content
    fields = answer.json()["fields"]
    assert fields["form.address"] == ["请填写户籍地址。"]  # both items ask: said once
    assert fields["form.photo_size"] == ["照片规格请从以下选项中选择：一寸、二寸。"]
    assert not Case.objects.exists() and not BundleApplication.objects.exists()


def test_a_citizen_must_bind_his_identity_and_a_staff_token_is_not_his(bundle, clerk):
    unbound = sign_in("13900007777")

    assert unbound.post(APPLY, body(unbound), format="json").status_code == 403
    assert clerk.post(APPLY, {}, format="json").status_code in (401, 403)


def test_an_unknown_bundle_is_a_clear_422(bundle):
    citizen = verified()

    answer = citizen.post(APPLY, body(citizen, bundle="NOPE"), format="json")

    assert answer.status_code == 422
    assert answer.json()["fields"] == {"bundle": ["没有这个“一件事”。"]}
