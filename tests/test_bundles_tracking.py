"""一件事 as one (issue 16, item 7): the applicant gets one message for the whole application, not one
per item, and tracks it by the YJS number on his one receipt."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import test_bundles as base
from tests.test_bundles import bundle_body
from tests.test_cases import PHONE, act
from yichuang.notify.models import SmsMessage

pytestmark = pytest.mark.django_db

bundle = base.bundle


def apply(clerk):
    response = clerk.post("/api/v1/applications/", bundle_body(clerk), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_one_application_sends_one_message_with_its_number(bundle, clerk):
    application = apply(clerk)
    sent = list(SmsMessage.objects.filter(template__in=["case_accepted", "case_submitted"]))
    assert len(sent) == 1
    [message] = sent
    assert message.case_number == application["number"] and application["number"] in message.body
    assert "困难老人救助一件事" in message.body and "2个事项" in message.body
    latest = max(c["due_date"] for c in application["cases"])
    assert latest in message.body


def test_the_applicant_tracks_the_whole_application_by_its_yjs_number(bundle, clerk, reviewer):
    application = apply(clerk)
    low_income, elder = application["cases"]
    act(clerk, elder["number"], "approve")
    tracked = APIClient().post(f"/api/v1/track/{application['number']}/", {"phone": PHONE}, format="json")
    assert tracked.status_code == 200, tracked.content
    body = tracked.json()
    assert body["number"] == application["number"] and body["item_name"] == "困难老人救助一件事"
    assert [c["number"] for c in body["cases"]] == [low_income["number"], elder["number"]]
    assert [c["status"] for c in body["cases"]] == ["accepted", "approved"]
    assert body["status"] == "accepted"  # as far as the least advanced of its cases
    assert body["due_date"] == max(low_income["due_date"], elder["due_date"])
    assert any("高龄津贴申领" in line["status_display"] for line in body["timeline"])
    assert "clerk_a" not in str(body)


def test_a_wrong_phone_answers_like_an_unknown_number(bundle, clerk):
    application = apply(clerk)
    public = APIClient()
    wrong = public.post(f"/api/v1/track/{application['number']}/", {"phone": "13900000000"}, format="json")
    unknown = public.post("/api/v1/track/YJS41150220990101000001/", {"phone": PHONE}, format="json")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


def test_a_single_case_is_tracked_as_before_with_no_cases_listed(bundle, clerk):
    application = apply(clerk)
    number = application["cases"][0]["number"]
    body = APIClient().post(f"/api/v1/track/{number}/", {"phone": PHONE}, format="json").json()
    assert body["number"] == number and body["cases"] == []
