"""网上预审: an online application waits at the point that will handle it, and the window must look at
it within one working day (a setting) — accept it, send the one-time notice, or refuse. The deadline
shows on the case and in the queue with its light; an overdue one is flagged. The citizen sees
exactly what is missing, and every step reaches his phone."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from tests.test_citizens import PHONE, act, application, staff, upload, verified
from tests.test_documents import office as _office  # noqa: F401  (registers the fixture "_office")
from yichuang.common.identity import mask_address
from yichuang.notify.models import SmsMessage

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = dt.datetime(2026, 3, 6, 16, 30, tzinfo=SHANGHAI)
MONDAY = dt.datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
TUESDAY = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
WEDNESDAY = dt.datetime(2026, 3, 11, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def office(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("_office")


def at(moment: dt.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def apply(citizen: Any) -> str:
    sent = citizen.post("/api/v1/citizen/applications/", application(citizen), format="json")
    assert sent.status_code == 201, sent.content
    return str(sent.json()["number"])


def queue_page(user: Any, **query: str) -> str:
    browser = Client()
    browser.force_login(user)
    page = browser.get("/work/queue/", {"status": "submitted", **query})
    assert page.status_code == 200
    return page.content.decode()


class TestTheDeadline:
    def test_an_application_sent_on_friday_must_be_pre_reviewed_by_monday_and_is_flagged_on_tuesday(
        self, office
    ):
        clerk_user = office.staff["town_clerk"]
        clerk = staff(clerk_user)
        with at(FRIDAY):
            number = apply(verified())
            seen = clerk.get(f"/api/v1/cases/{number}/").json()
        assert (seen["prereview_due"], seen["prereview_overdue"]) == ("2026-03-09", False)

        with at(FRIDAY):
            assert "待预审" in queue_page(clerk_user) and "预审 2026-03-09" in queue_page(clerk_user)
        with at(MONDAY):
            assert "今日预审到期" in queue_page(clerk_user)
            assert clerk.get("/api/v1/cases/", {"prereview_overdue": "true"}).json()["results"] == []
        with at(TUESDAY):
            seen = clerk.get(f"/api/v1/cases/{number}/").json()
            assert seen["prereview_overdue"] is True
            late = clerk.get("/api/v1/cases/", {"prereview_overdue": "true"}).json()["results"]
            assert [c["number"] for c in late] == [number]
            page = queue_page(clerk_user, prereview_overdue="on")
            assert "预审超期" in page and number in page

    def test_the_deadline_is_a_setting_counted_in_working_days(self, office, settings):
        settings.PREREVIEW_WORKDAYS = 3
        with at(FRIDAY):
            number = apply(verified())
            seen = staff(office.staff["town_clerk"]).get(f"/api/v1/cases/{number}/").json()
        assert seen["prereview_due"] == "2026-03-11"  # Mon, Tue, Wed: the weekend does not count

    def test_a_window_case_has_no_pre_review(self, office):
        from tests.test_cases import application as window_application

        clerk = staff(office.staff["town_clerk"])
        body = window_application(clerk, item="OWN", point="CA", provide=())
        created = clerk.post("/api/v1/cases/", body, format="json")
        assert created.status_code == 201, created.content
        assert created.json()["status"] == "submitted"
        assert (created.json()["prereview_due"], created.json()["prereview_overdue"]) == (None, False)


class TestThePreReview:
    def test_a_notice_tells_the_citizen_exactly_what_is_missing_and_his_supplement_restarts_the_clock(
        self, office
    ):
        clerk = staff(office.staff["town_clerk"])
        with at(FRIDAY):
            citizen = verified()
            number = apply(citizen)
        with at(MONDAY):
            notice = act(clerk, number, "notify", missing=["M020", "M010"], note="请补交村委会盖章意见")
            assert notice["prereview_due"] is None  # the clock is with the citizen now
            mine = citizen.get(f"/api/v1/citizen/cases/{number}/").json()
        assert mine["status"] == "needs_supplement"
        assert mine["missing"] == ["村委会意见", "收入状况证明"]
        assert mine["missing_materials"] == [
            {"requirement": "M020", "name": "村委会意见"},
            {"requirement": "M010", "name": "收入状况证明"},
        ]
        with at(WEDNESDAY):
            back = citizen.post(
                f"/api/v1/citizen/cases/{number}/supplement/",
                {
                    "materials": [
                        {"requirement": "M020", "files": [upload(citizen)]},
                        {"requirement": "M010", "files": [upload(citizen)]},
                    ]
                },
                format="json",
            )
            assert back.status_code == 200, back.content
            assert back.json()["missing"] == [] and back.json()["missing_materials"] == []
            seen = clerk.get(f"/api/v1/cases/{number}/").json()
        assert (seen["status"], seen["prereview_due"]) == ("submitted", "2026-03-12")
        with at(WEDNESDAY):
            act(clerk, number, "accept")

        sms = list(SmsMessage.objects.filter(case_number=number).order_by("id").values_list("to", "template"))
        assert sms == [
            (PHONE, "case_submitted"),
            (PHONE, "case_needs_supplement"),
            (PHONE, "case_supplement_received"),
            (PHONE, "case_accepted"),
        ]
        told = SmsMessage.objects.get(case_number=number, template="case_needs_supplement").body
        assert "村委会意见、收入状况证明" in told

    def test_a_refusal_with_its_reason_reaches_the_citizen(self, office):
        clerk = staff(office.staff["town_clerk"])
        citizen = verified()
        number = apply(citizen)
        refused = clerk.post(f"/api/v1/cases/{number}/actions/refuse/", {}, format="json")
        assert refused.status_code == 400 and "理由" in str(refused.json())
        act(clerk, number, "refuse", reason="申请人不在本镇居住")
        mine = citizen.get(f"/api/v1/citizen/cases/{number}/").json()
        assert (mine["status"], mine["decision_reason"]) == ("refused", "申请人不在本镇居住")
        last = SmsMessage.objects.filter(case_number=number).latest("id")
        assert (last.to, last.template) == (PHONE, "case_refused") and "申请人不在本镇居住" in last.body

    def test_the_address_is_masked_in_the_timeline(self, office):
        citizen = verified()
        number = apply(citizen)
        seen = staff(office.staff["town_clerk"]).get(f"/api/v1/cases/{number}/").json()
        note = seen["timeline"][0]["note"]
        assert "幸福路8号" not in note and "信阳市浉河区甲镇" in note


def test_an_address_keeps_its_places_and_hides_the_door() -> None:
    assert mask_address("信阳市浉河区甲镇幸福路8号") == "信阳市浉河区甲镇******"
    assert mask_address("幸福路8号3单元") == "幸福路8******"
    assert mask_address("") == ""
    assert "8号" not in mask_address("北京路8号")
