"""No table holds a test person's whole phone number, ID number or address after everything the platform
does with them (issue 15, Deliver 3; decision 106): an online application with a fee and a mailing
address, paid, approved, sent by post with a waybill and delivered; a window case made with an
``Idempotency-Key`` and handed over to the county bureau on a paper list; a 12345 ticket from the same
person; a rating; a staff member's own phone; the SMS sent. Then every table of the database — ours,
Django's and the libraries' — is read whole, and no cell may hold those values in plain text."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests import factories as f
from tests.test_cases import upload
from tests.test_citizens import ID_NUMBER, PHONE, act, application, staff, verified
from tests.test_hotline import TICKETS, build_hotline, call, make_operator
from tests.test_payments import _office  # noqa: F401  (registers the fixture)
from tests.test_payments import office as fee_office  # noqa: F401  (registers the fixture "fee_office")
from yichuang.catalog.models import DelegationMode, ExerciseLevel
from yichuang.catalog.services import item_publish

pytestmark = pytest.mark.django_db

ADDRESS = "信阳市浉河区甲镇幸福路8号"
STAFF_PHONE = "13903769999"
SECRETS = {"phone": PHONE, "id_number": ID_NUMBER, "address": "幸福路8号", "staff_phone": STAFF_PHONE}


def cells() -> Iterator[tuple[str, str, str]]:
    """(table, column, text) of every cell of every table, bytes decoded; the sessions opened, and
    the cache's values (base64 of a pickle) decoded, since their encoding hides nothing."""
    quote = connection.ops.quote_name
    for table in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {quote(table)}")
            columns = [c[0] for c in cursor.description]
            rows = cursor.fetchall()
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, memoryview | bytes):
                    value = bytes(value).decode("utf-8", "replace")
                if value is None or not isinstance(value, str):
                    continue
                yield table, column, value
                if table == "django_session" and column == "session_data":
                    yield table, column, json.dumps(SessionStore().decode(value), ensure_ascii=False)
                elif re.fullmatch(r"[A-Za-z0-9+/=]{24,}", value):
                    with contextlib.suppress(binascii.Error, ValueError):
                        yield table, column, base64.b64decode(value).decode("utf-8", "replace")


def plain_personal_data() -> list[tuple[str, str, str]]:
    return sorted(
        {
            (table, column, what)
            for table, column, text in cells()
            for what, secret in SECRETS.items()
            if secret in text
        }
    )


@pytest.fixture
def county(request: pytest.FixtureRequest) -> Any:
    """The payments' county (an item with a fee), an item the county bureau decides (its papers go up
    on a handover list), 12345 and a clerk with a phone of his own."""
    office = request.getfixturevalue("fee_office")
    civil = office.departments["civil"]
    subsidy = f.ItemFactory(
        code="CJ", name="困难残疾人生活补贴申请", department=civil, exercise_level=ExerciseLevel.COUNTY
    )
    f.DelegationFactory(
        item=subsidy,
        from_department=civil,
        to_region=office.regions["town_a"],
        mode=DelegationMode.FRONT_DESK_ONLY,
    )
    f.MaterialFactory(item=subsidy, code="M001", name="居民身份证", required=False)
    item_publish(item=subsidy)
    f.OfferFactory(point=office.points["center_a"], item=subsidy)
    clerk = office.staff["town_clerk"]
    clerk.last_name, clerk.first_name, clerk.phone = "王", "芳", STAFF_PHONE
    clerk.save()
    office.hotline = build_hotline(office)
    return office


def the_whole_story(county: Any) -> None:
    clerk, reviewer = staff(county.staff["town_clerk"]), staff(county.staff["reviewer"])

    # 掌上办: signed in by SMS, identity checked, a draft kept, an application with a fee sent by post
    citizen = verified()
    draft = {"point": "CA", "form": {"address": ADDRESS}, "delivery": {"method": "mail", "address": ADDRESS}}
    assert citizen.put("/api/v1/citizen/drafts/OWN/", draft, format="json").status_code == 200
    sent = citizen.post(
        "/api/v1/citizen/applications/", application(citizen, item="FEE", commitments=[]), format="json"
    )
    assert sent.status_code == 201, sent.content
    number = sent.json()["number"]
    act(clerk, number, "accept")
    started = citizen.post(f"/api/v1/citizen/cases/{number}/payment/")
    assert Client().post(started.json()["pay_url"]).status_code == 302
    act(reviewer, number, "review")
    act(reviewer, number, "approve")
    waybill = clerk.post(f"/api/v1/cases/{number}/waybill/", {}, format="json")
    assert waybill.status_code == 201, waybill.content
    act(clerk, number, "deliver", method="mail")
    rated = APIClient().post(
        f"/api/v1/track/{number}/rating/",
        {"phone": PHONE, "score": 5, "comment": f"办得很快，有事请打我电话{PHONE}"},
        format="json",
    )
    assert rated.status_code in (200, 201), rated.content

    # at the window, with an Idempotency-Key retried once, then the papers to the county bureau
    body = {
        "item": "CJ",
        "point": "CA",
        "channel": "window",
        "applicant": {"kind": "person", "name": "李金文", "id_number": ID_NUMBER, "phone": PHONE},
        "materials": [{"requirement": "M001", "files": [upload(clerk)]}],
    }
    for _ in range(2):
        made = clerk.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="scan-1")
        assert made.status_code == 201, made.content
    window_case = made.json()["number"]
    listed = clerk.post(
        "/api/v1/handovers/",
        {
            "to_unit": {"kind": "department", "code": "MZJ"},
            "entries": [{"case": window_case, "note": "原件1份"}],
        },
        format="json",
    )
    assert listed.status_code == 201, listed.content
    assert (
        clerk.post(
            f"/api/v1/handovers/{listed.json()['number']}/actions/send/", {}, format="json"
        ).status_code
        == 200
    )

    # 12345: the same person calls
    operator = staff(make_operator("operator2", county.regions["county"]))
    # people say their numbers and their address in what they tell the hotline: the free text is sealed too
    said = f"来电人李金文（身份证{ID_NUMBER}，住{ADDRESS}）反映低保申请无人答复，请回电{PHONE}。"
    ticket = operator.post(TICKETS, call(county.hotline, address=ADDRESS, content=said), format="json")
    assert ticket.status_code == 201, ticket.content

    # the staff member's own phone, typed in the admin
    admin = Client()
    admin.force_login(county.staff["admin"])
    assert county.staff["town_clerk"].phone == STAFF_PHONE


def test_no_table_holds_a_whole_phone_id_number_or_address_after_everything(
    county, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        the_whole_story(county)

    assert plain_personal_data() == []


def test_the_scan_would_see_a_plain_value_anywhere(county):
    """The scan is no formality: a number typed into a note (free text, not sealed) is found."""
    county.staff["town_clerk"].email = f"{PHONE}@example.com"
    county.staff["town_clerk"].save()

    assert ("org_staff", "email", "phone") in plain_personal_data()


def test_rows_written_before_the_upgrade_are_sealed_by_the_migrations(
    county, django_capture_on_commit_callbacks
):
    from yichuang.common.models import IdempotencyRecord
    from yichuang.delivery.models import Waybill
    from yichuang.handover.models import Handover
    from yichuang.org.models import Staff
    from yichuang.pii.migration import reseal

    with django_capture_on_commit_callbacks(execute=True):
        the_whole_story(county)
    quote = connection.ops.quote_name
    plain = {
        Waybill: {"recipient_phone": PHONE, "address": ADDRESS},
        Handover: {"contact_phone": STAFF_PHONE},
        Staff: {"phone": STAFF_PHONE, "phone_index": ""},
        IdempotencyRecord: {"response": json.dumps({"applicant": {"phone": PHONE}})},
    }
    with connection.cursor() as cursor:  # the rows as they were before the migrations
        for model, values in plain.items():
            sets = ", ".join(f"{quote(column)} = %s" for column in values)
            only = " WHERE id = %s" if model is Staff else ""
            params = [*values.values(), *([county.staff["town_clerk"].pk] if only else [])]
            cursor.execute(f"UPDATE {quote(model._meta.db_table)} SET {sets}{only}", params)
    assert {what for _t, _c, what in plain_personal_data()} == {"phone", "address", "staff_phone"}

    for model in plain:
        assert reseal(model, connection, batch=1) >= 1

    assert plain_personal_data() == []
    assert Waybill.objects.get().address == ADDRESS
    assert IdempotencyRecord.objects.get().response == {"applicant": {"phone": PHONE}}
    assert Staff.objects.filter(phone=STAFF_PHONE).get() == county.staff["town_clerk"]


def test_the_admin_finds_a_colleague_by_his_whole_phone_number(county):
    clerk = county.staff["town_clerk"]
    clerk.phone = STAFF_PHONE
    clerk.save()
    admin = Client()
    admin.force_login(county.staff["admin"])

    found = admin.get("/admin/org/staff/", {"q": STAFF_PHONE}).content.decode()
    assert "clerk_a" in found and "139****9999" in found  # listed, masked
    assert "clerk_a" not in admin.get("/admin/org/staff/", {"q": "1390376"}).content.decode()
