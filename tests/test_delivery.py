"""Results by post (免费邮寄): the citizen's choice and address stay on the case (masked in lists and
logs), the window makes a waybill through the carrier (寄递) and delivers with method mail, and the
tracking pages show the waybill with the carrier's last events. The EMS-style backend is driven
against a fake platform on the loopback that checks every signature."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.carrier_fake import APP_KEY, FakeCarrier, serve
from tests.test_citizens import PHONE, act, application, staff, verified
from tests.test_documents import office as _office  # noqa: F401  (registers the fixture "_office")
from yichuang.delivery.models import Waybill
from yichuang.notify.models import SmsMessage

pytestmark = pytest.mark.django_db

ADDRESS = "信阳市浉河区甲镇幸福路8号"


@pytest.fixture
def office(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("_office")


@pytest.fixture
def fake_carrier(settings: Any) -> Iterator[FakeCarrier]:
    yield from serve(settings)


def approved_online_case(office: Any, citizen: APIClient) -> str:
    body = application(citizen, provide=("M001", "M020"))
    sent = citizen.post("/api/v1/citizen/applications/", body, format="json")
    assert sent.status_code == 201, sent.content
    number = str(sent.json()["number"])
    clerk, reviewer = staff(office.staff["town_clerk"]), staff(office.staff["reviewer"])
    act(clerk, number, "accept")
    act(reviewer, number, "review")
    act(reviewer, number, "approve")
    return number


def track(number: str) -> dict[str, Any]:
    answer = APIClient().post(f"/api/v1/track/{number}/", {"phone": PHONE}, format="json")
    assert answer.status_code == 200, answer.content
    return dict(answer.json())


class TestTheCarrierOverHttp:
    def test_the_window_makes_a_signed_waybill_delivers_by_mail_and_everyone_sees_the_tracks(
        self, office, fake_carrier: FakeCarrier
    ):
        citizen = verified()
        number = approved_online_case(office, citizen)
        clerk = staff(office.staff["town_clerk"])

        seen = clerk.get(f"/api/v1/cases/{number}/").json()
        assert seen["delivery"] == {"method": "mail", "address": ADDRESS}  # whole, for the window

        made = clerk.post(f"/api/v1/cases/{number}/waybill/", {}, format="json")
        assert made.status_code == 201, made.content
        assert made.json()["number"] == "1100123456789" and made.json()["carrier"] == "ems"
        assert made.json()["address"] == "信阳市浉河区甲镇******"
        path, request = fake_carrier.requests[0]
        assert path == "/waybills" and request["app_key"] == APP_KEY
        assert request["data"]["order_no"] == number
        assert request["data"]["receiver"] == {"name": "李金文", "phone": PHONE, "address": ADDRESS}
        again = clerk.post(f"/api/v1/cases/{number}/waybill/", {}, format="json")
        assert again.status_code == 409 and again.json()["detail"] == "该办件已经下过运单。"

        # delivering by mail takes the waybill's number
        fake_carrier.traces = [
            {"time": "2026-03-10 09:00:00", "desc": "已收寄", "city": "信阳市"},
            {"time": "2026-03-10 18:00:00", "desc": "离开信阳处理中心", "city": "信阳市"},
        ]
        done = act(clerk, number, "deliver", method="mail")
        assert done["tracking_number"] == "1100123456789"
        sms = SmsMessage.objects.filter(case_number=number, template="case_delivered").get()
        assert sms.to == PHONE and "1100123456789" in sms.body

        public = track(number)
        assert public["waybill"]["number"] == "1100123456789"
        assert [e["description"] for e in public["waybill"]["events"]] == ["离开信阳处理中心", "已收寄"]
        mine = citizen.get(f"/api/v1/citizen/cases/{number}/").json()
        assert mine["waybill"]["events"][0]["description"] == "离开信阳处理中心"
        assert [p for p, _r in fake_carrier.requests].count("/tracks") == 1  # fetched once, then kept

    def test_the_tracks_are_fetched_again_when_stale_and_kept_when_the_carrier_fails(
        self, office, fake_carrier: FakeCarrier, settings
    ):
        settings.CARRIER_TRACK_MINUTES = 30
        citizen = verified()
        start = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
        with time_machine.travel(start, tick=False):
            number = approved_online_case(office, citizen)
            fake_carrier.traces = [{"time": "2026-03-10 17:00:00", "desc": "已收寄", "city": "信阳市"}]
            act(staff(office.staff["town_clerk"]), number, "deliver", method="mail", tracking_number="EA1234")
            assert [e["description"] for e in track(number)["waybill"]["events"]] == ["已收寄"]
        fake_carrier.mode = "error"
        with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
            assert [e["description"] for e in track(number)["waybill"]["events"]] == ["已收寄"]
        fake_carrier.mode = "ok"
        fake_carrier.traces.append({"time": "2026-03-11 10:00:00", "desc": "已签收", "city": "信阳市"})
        with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
            assert track(number)["waybill"]["events"][0]["description"] == "已签收"
        assert Waybill.objects.get().number == "EA1234"

    @pytest.mark.parametrize(
        ("mode", "message"),
        [("forged", "寄递服务的应答签名不符，已拒收。"), ("refused", "寄递服务未受理：收件地址超出服务范围")],
    )
    def test_a_forged_or_refused_answer_stores_no_waybill(
        self, office, fake_carrier: FakeCarrier, mode, message
    ):
        number = approved_online_case(office, verified())
        fake_carrier.mode = mode
        answer = staff(office.staff["town_clerk"]).post(f"/api/v1/cases/{number}/waybill/", {}, format="json")
        assert answer.status_code == 409 and answer.json()["detail"] == message
        assert not Waybill.objects.exists()

    def test_a_waybill_only_for_an_approved_case_in_scope(self, office, fake_carrier: FakeCarrier):
        citizen = verified()
        sent = citizen.post("/api/v1/citizen/applications/", application(citizen), format="json")
        number = sent.json()["number"]
        clerk = staff(office.staff["town_clerk"])
        assert clerk.post(f"/api/v1/cases/{number}/waybill/", {}, format="json").status_code == 409
        other = staff(office.staff["other_clerk"])
        assert other.post(f"/api/v1/cases/{number}/waybill/", {}, format="json").status_code == 404
        assert fake_carrier.requests == []


class TestTheConsoleCarrier:
    def test_the_demo_prints_the_parcel_masked_and_a_window_case_needs_an_address(self, office, capsys):
        number = approved_online_case(office, verified())
        made = staff(office.staff["town_clerk"]).post(f"/api/v1/cases/{number}/waybill/", {}, format="json")
        assert made.status_code == 201 and made.json()["carrier"] == "console"
        printed = capsys.readouterr().out
        assert made.json()["number"] in printed and "甲镇******" in printed
        assert "幸福路" not in printed and PHONE not in printed and "138****5678" in printed

    def test_a_typed_in_waybill_is_kept_on_a_mail_delivery(self, office):
        number = approved_online_case(office, verified())
        act(
            staff(office.staff["town_clerk"]),
            number,
            "deliver",
            method="mail",
            tracking_number="EMS1234567890",
        )
        kept = Waybill.objects.get(case__number=number)
        assert (kept.number, kept.carrier, kept.address, kept.created_online) == (
            "EMS1234567890",
            "console",
            ADDRESS,
            False,
        )
        assert track(number)["waybill"]["events"] == []


class TestThePages:
    def test_the_clerk_makes_the_waybill_on_the_case_page_and_the_tracking_page_shows_it(self, office):
        from django.test import Client

        number = approved_online_case(office, verified())
        browser = Client()
        browser.force_login(office.staff["town_clerk"])
        page = browser.get(f"/work/cases/{number}/").content.decode()
        assert ADDRESS in page and "邮寄下单" in page
        made = browser.post(f"/work/cases/{number}/waybill/", {"address": ""})
        assert made.status_code == 302
        waybill = Waybill.objects.get(case__number=number)
        page = browser.get(f"/work/cases/{number}/").content.decode()
        assert waybill.number in page and '<option value="mail" selected>' in page
        tracked = Client().post("/track/", {"number": number, "phone": PHONE}).content.decode()
        assert waybill.number in tracked and "邮寄进度" in tracked


def test_accepting_an_online_application_by_mail_says_the_result_is_posted_not_picked_up(office):
    from django.test import Client

    citizen = verified()
    sent = citizen.post(
        "/api/v1/citizen/applications/", application(citizen, provide=("M001", "M020")), format="json"
    )
    number = sent.json()["number"]
    browser = Client()
    browser.force_login(office.staff["town_clerk"])
    page = browser.get(f"/work/cases/{number}/").content.decode()
    row_version = page.split('name="row_version" value="')[1].split('"')[0]
    done = browser.post(f"/work/cases/{number}/act/accept/", {"row_version": row_version}, follow=True)
    said = done.content.decode().split("已受理 · 办件编号")[1].split("</section>")[0]
    assert "结果免费邮寄到申请人填写的地址" in said
    assert "领取结果" not in said and "请打印受理通知书" not in said
    assert "受理通知书可在其手机“我的办件”中查看" in said
