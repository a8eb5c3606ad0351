"""Fees (统一公共支付): an item with a fee is billed on acceptance; the citizen pays online through the
payment platform (the demo's cashier), whose signed notification marks the order paid; a result is
not delivered while its fee is unpaid; a denial or refusal refunds what was paid."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests import factories as f
from tests.test_citizens import act, application, staff, verified
from tests.test_documents import office as _office  # noqa: F401  (registers the fixture "_office")
from yichuang.catalog.models import ExerciseLevel, ItemType
from yichuang.catalog.services import item_publish
from yichuang.payments.gateway import demo_secret, sign
from yichuang.payments.models import OrderStatus, PaymentOrder
from yichuang.payments.services import fee_amount

pytestmark = pytest.mark.django_db

NOTIFY = "/api/v1/payments/notify/"


@pytest.fixture
def office(request: pytest.FixtureRequest) -> Any:
    county = request.getfixturevalue("_office")
    item = f.ItemFactory(
        code="FEE",
        name="农村宅基地使用权登记",
        department=county.departments["civil"],
        exercise_level=ExerciseLevel.TOWN,
        type=ItemType.CONFIRMATION,
        fee_charged=True,
        fee_standard="每件80元",
        fee_basis="《不动产登记收费标准》",
    )
    f.MaterialFactory(item=item, code="M001", name="居民身份证", order=1)
    item_publish(item=item)
    f.OfferFactory(point=county.points["center_a"], item=item)
    return county


def accepted_fee_case(office: Any, citizen: APIClient) -> str:
    body = application(citizen, item="FEE", commitments=[])
    sent = citizen.post("/api/v1/citizen/applications/", body, format="json")
    assert sent.status_code == 201, sent.content
    number = str(sent.json()["number"])
    act(staff(office.staff["town_clerk"]), number, "accept")
    return number


def approve(office: Any, number: str) -> None:
    reviewer = staff(office.staff["reviewer"])
    act(reviewer, number, "review")
    act(reviewer, number, "approve")


def notify(body: dict[str, Any], secret: str | None = None) -> Any:
    raw = json.dumps(body).encode()
    return APIClient().post(
        NOTIFY, raw, content_type="application/json", HTTP_X_SIGNATURE=sign(raw, secret or demo_secret())
    )


class TestTheOrder:
    def test_acceptance_bills_the_fee_the_citizen_pays_online_and_only_then_the_result_leaves(self, office):
        citizen = verified()
        number = accepted_fee_case(office, citizen)
        clerk = staff(office.staff["town_clerk"])
        order = clerk.get(f"/api/v1/cases/{number}/").json()["payment"]
        assert (order["number"], order["amount"], order["amount_fen"], order["status"]) == (
            f"JF{number}",
            "80.00",
            8000,
            "unpaid",
        )
        approve(office, number)

        refused = clerk.post(f"/api/v1/cases/{number}/actions/deliver/", {"method": "pickup"}, format="json")
        assert refused.status_code == 409
        assert refused.json()["detail"] == (
            f"该办件有未缴清的费用（缴费单 JF{number}，80.00 元），缴费后才能送达。"
        )
        assert clerk.get(f"/api/v1/cases/{number}/").json()["status"] == "approved"

        mine = citizen.get(f"/api/v1/citizen/cases/{number}/").json()["payment"]
        assert mine["status"] == "unpaid" and mine["pay_url"].startswith("/pay/demo/")
        started = citizen.post(f"/api/v1/citizen/cases/{number}/payment/")
        assert started.status_code == 200, started.content
        cashier = Client()
        page = cashier.get(started.json()["pay_url"]).content.decode()
        assert "¥80.00" in page and "农村宅基地使用权登记" in page
        paid = cashier.post(started.json()["pay_url"])
        assert paid.status_code == 302
        order_row = PaymentOrder.objects.get()
        assert (order_row.status, order_row.provider) == (OrderStatus.PAID, "demo")
        assert order_row.trade_number.startswith("DEMO")
        again = citizen.post(f"/api/v1/citizen/cases/{number}/payment/")
        assert again.status_code == 409 and again.json()["detail"] == "该缴费单当前为“已缴费”。"

        act(clerk, number, "deliver", method="pickup")
        assert citizen.get(f"/api/v1/citizen/cases/{number}/").json()["payment"]["pay_url"] is None

    def test_an_item_without_a_fee_has_no_order(self, office):
        citizen = verified()
        sent = citizen.post(
            "/api/v1/citizen/applications/", application(citizen, provide=("M001", "M020")), format="json"
        )
        number = sent.json()["number"]
        act(staff(office.staff["town_clerk"]), number, "accept")
        assert citizen.get(f"/api/v1/citizen/cases/{number}/").json()["payment"] is None
        assert citizen.get(f"/api/v1/citizen/cases/{number}/payment/").status_code == 404
        assert not PaymentOrder.objects.exists()

    def test_the_window_records_a_fee_paid_at_the_counter(self, office):
        number = accepted_fee_case(office, verified())
        clerk = staff(office.staff["town_clerk"])
        empty = clerk.post(f"/api/v1/cases/{number}/payment/", {"receipt": ""}, format="json")
        assert empty.status_code == 400
        paid = clerk.post(f"/api/v1/cases/{number}/payment/", {"receipt": "POS20260310001"}, format="json")
        assert (
            paid.status_code == 200
            and paid.json()["status"] == "paid"
            and paid.json()["provider"] == "window"
        )
        other = staff(office.staff["other_clerk"])
        assert (
            other.post(f"/api/v1/cases/{number}/payment/", {"receipt": "X"}, format="json").status_code == 404
        )


class TestTheCallback:
    def test_only_a_genuine_notification_for_the_right_sum_marks_the_order_paid(self, office):
        number = accepted_fee_case(office, verified())
        body = {
            "order_no": f"JF{number}",
            "trade_no": "T0001",
            "amount": 8000,
            "paid_at": "2026-03-10T10:00:00",
        }
        forged = notify(body, secret="not-the-platform")
        assert forged.status_code == 422 and forged.json()["detail"] == "缴费通知签名不符，已拒收。"
        short = notify({**body, "amount": 800})
        assert short.status_code == 422 and short.json()["detail"] == "缴费金额与缴费单不符。"
        unknown = notify({**body, "order_no": "JF0"})
        assert unknown.status_code == 422
        assert PaymentOrder.objects.get().status == OrderStatus.UNPAID

        assert notify(body).json() == {"code": "SUCCESS"}
        assert notify(body).status_code == 200  # the platform repeats itself: nothing changes
        order = PaymentOrder.objects.get()
        assert (order.status, order.trade_number) == (OrderStatus.PAID, "T0001")
        garbled = APIClient().post(
            NOTIFY, b"{", content_type="application/json", HTTP_X_SIGNATURE=sign(b"{", demo_secret())
        )
        assert garbled.status_code in (400, 422)


class TestRefunds:
    def test_a_denial_refunds_a_paid_fee_and_records_why(self, office, django_capture_on_commit_callbacks):
        number = accepted_fee_case(office, verified())
        notify({"order_no": f"JF{number}", "trade_no": "T0002", "amount": 8000, "paid_at": ""})
        reviewer = staff(office.staff["reviewer"])
        act(reviewer, number, "review")
        with django_capture_on_commit_callbacks(execute=True):
            act(reviewer, number, "deny", reason="宅基地超出规定面积")
        order = PaymentOrder.objects.get()
        assert (order.status, order.refund_reason) == (OrderStatus.REFUNDED, "宅基地超出规定面积")
        assert order.refund_number.startswith("DEMOREFUND") and order.refunded_at is not None
        seen = staff(office.staff["town_clerk"]).get(f"/api/v1/cases/{number}/").json()["payment"]
        assert seen["status_display"] == "已退费"

    def test_withdrawing_cancels_an_unpaid_order(self, office):
        number = accepted_fee_case(office, verified())
        act(staff(office.staff["town_clerk"]), number, "withdraw")
        assert PaymentOrder.objects.get().status == OrderStatus.CANCELLED


@pytest.mark.parametrize(
    ("standard", "fen"),
    [
        ("每件80元", 8000),
        ("工本费10.5元", 1050),
        ("申领、换领、补领每证20元；临时居民身份证每证10元", 2000),
        ("不收费", None),
        ("按规定标准", None),
        ("0元", None),
    ],
)
def test_the_amount_is_the_first_sum_of_the_standard(standard: str, fen: int | None) -> None:
    assert fee_amount(standard) == fen


def test_a_cashier_link_is_signed(db) -> None:
    assert Client().get("/pay/demo/JF123/").status_code == 404
    assert re.search(r"[\u4e00-\u9fff]", Client().get("/pay/demo/JF123/").content.decode())
