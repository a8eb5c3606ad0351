"""一件事: the applicant hears once per step of the bundle — accepted, decided, delivered — under its YJS
number, when the last of its cases passes that step; not once per item (issue 16 item 7)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import test_bundles as base
from tests.test_bundles import bundle_body
from tests.test_cases import act
from yichuang.notify.models import SmsMessage

pytestmark = pytest.mark.django_db

bundle = base.bundle

STEP_TEMPLATES = ["case_accepted", "case_approved", "case_denied", "case_picked_up", "case_delivered"]


def apply(clerk: Any) -> dict[str, Any]:
    body = bundle_body(clerk, provide=("M001", "M002", "M020"), tolerated=[])
    response = clerk.post("/api/v1/applications/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def sent(template: str) -> list[SmsMessage]:
    return list(SmsMessage.objects.filter(template=template).order_by("id"))


def test_approval_of_both_items_sends_one_message_for_the_bundle(
    bundle: Any, clerk: Any, reviewer: Any
) -> None:
    application = apply(clerk)
    low_income, elder = (c["number"] for c in application["cases"])
    assert act(clerk, elder, "approve").json()["status"] == "approved"
    assert sent("case_approved") == []  # one of two decided: nothing yet
    assert act(reviewer, low_income, "approve").json()["status"] == "approved"
    [message] = sent("case_approved")
    assert message.case_number == application["number"]
    assert application["number"] in message.body and "困难老人救助一件事" in message.body
    assert "2个事项" in message.body and low_income not in message.body


def test_a_denied_item_is_named_with_its_reason_in_the_one_decision_message(
    bundle: Any, clerk: Any, reviewer: Any
) -> None:
    application = apply(clerk)
    low_income, elder = (c["number"] for c in application["cases"])
    assert act(reviewer, low_income, "deny", reason="家庭人均收入高于当地低保标准。").status_code == 200
    assert sent("case_denied") == []
    assert act(clerk, elder, "approve").status_code == 200
    assert sent("case_approved") == []
    [message] = sent("case_denied")
    assert "“农村最低生活保障审批”：家庭人均收入高于当地低保标准" in message.body
    assert "其余1个事项已审批通过" in message.body and "。。" not in message.body


def test_delivery_of_the_last_item_sends_one_message_and_a_single_case_still_hears_each_step(
    bundle: Any, clerk: Any, reviewer: Any
) -> None:
    application = apply(clerk)
    low_income, elder = (c["number"] for c in application["cases"])
    act(clerk, elder, "approve")
    act(reviewer, low_income, "approve")
    assert act(clerk, elder, "deliver", method="pickup").json()["status"] == "delivered"
    assert sent("case_picked_up") == []
    assert act(clerk, low_income, "deliver", method="pickup").json()["status"] == "delivered"
    [message] = sent("case_picked_up")
    assert message.case_number == application["number"]
    # one message per step in all: submitted-and-accepted at intake, decided, delivered
    assert SmsMessage.objects.filter(template__in=STEP_TEMPLATES).count() == 3


def test_a_withdrawn_item_does_not_hold_back_the_others_message(
    bundle: Any, clerk: Any, reviewer: Any
) -> None:
    application = apply(clerk)
    low_income, elder = (c["number"] for c in application["cases"])
    withdrawn = act(clerk, low_income, "withdraw", reason="申请人撤回")
    assert withdrawn.status_code == 200, withdrawn.content
    assert act(clerk, elder, "approve").status_code == 200
    [message] = sent("case_approved")
    assert message.case_number == application["number"]
