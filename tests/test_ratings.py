"""好差评: the citizen rates a finished case; a bad rating is rectified and called back; appeals."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.test_cases import PHONE, act, application, client_for
from yichuang.notify.models import SmsMessage
from yichuang.ratings.models import Rating, Rectification
from yichuang.ratings.services import send_rating_invitations
from yichuang.workdays.calendar import add_workdays

pytestmark = pytest.mark.django_db


def finished_case(clerk, reviewer) -> str:
    body = application(clerk, provide=("M001", "M002", "M020"), commitments=["M010"])
    number = clerk.post("/api/v1/cases/", body, format="json").json()["number"]
    act(reviewer, number, "approve")
    assert act(clerk, number, "deliver", method="pickup").json()["status"] == "delivered"
    return number


def rate(number: str, score: int, **extra):
    body = {"phone": PHONE, "score": score, **extra}
    return APIClient().post(f"/api/v1/track/{number}/rating/", body, format="json")


def test_a_citizen_rates_a_finished_case_once_per_channel(clerk, reviewer):
    number = finished_case(clerk, reviewer)
    first = rate(
        number, 5, comment="十分钟就办好了", dimensions={"efficiency": 5, "attitude": 5}, channel="pad"
    )
    assert first.status_code == 201, first.content
    assert first.json()["level"] == "非常满意"
    again = rate(number, 4, channel="pad")
    assert again.status_code == 409
    assert "只能评价一次" in again.json()["detail"]
    assert rate(number, 4, channel="sms").status_code == 201
    assert Rating.objects.filter(case__number=number).count() == 2


def test_only_the_applicants_phone_may_rate_and_only_after_completion(clerk, reviewer):
    number = finished_case(clerk, reviewer)
    wrong = APIClient().post(
        f"/api/v1/track/{number}/rating/", {"phone": "13900000000", "score": 5}, format="json"
    )
    assert wrong.status_code == 404
    open_case = clerk.post(
        "/api/v1/cases/",
        application(clerk, provide=("M001", "M002", "M020"), commitments=["M010"]),
        format="json",
    )
    assert rate(open_case.json()["number"], 5).status_code == 409
    assert rate(number, 6).status_code == 400
    assert rate(number, 5, dimensions={"speed": 5}).status_code == 400
    assert Rating.objects.count() == 0


def test_a_bad_rating_opens_a_rectification_followed_to_its_callback(county, clerk, reviewer):
    number = finished_case(clerk, reviewer)
    rate(number, 1, comment="材料跑了三趟")
    rectification = Rectification.objects.get()
    assert rectification.owner == county.staff["town_clerk"]
    assert rectification.due_date == add_workdays(dt.date.today(), 5)
    listed = clerk.get("/api/v1/rectifications/?status=open").json()["results"]
    assert [r["case"] for r in listed] == [number]
    rid = listed[0]["id"]
    early = clerk.post(f"/api/v1/rectifications/{rid}/actions/close/", {"outcome": "已改进"}, format="json")
    assert early.status_code == 409
    called = clerk.post(
        f"/api/v1/rectifications/{rid}/actions/callback/",
        {"note": "已电话致歉，说明容缺受理办法", "satisfied": True},
        format="json",
    )
    assert called.json()["status"] == "called_back"
    closed = clerk.post(
        f"/api/v1/rectifications/{rid}/actions/close/", {"outcome": "窗口增加一次性告知培训"}, format="json"
    )
    assert closed.json()["status"] == "closed"
    figures = clerk.get("/api/v1/ratings/figures/").json()
    assert (figures["ratings"], figures["bad"], figures["rectification_rate"]) == (1, 1, 1.0)
    assert figures["satisfaction_rate"] == 0.0


def test_another_towns_clerk_cannot_follow_the_rectification(county, clerk, reviewer):
    rate(finished_case(clerk, reviewer), 2)
    rid = Rectification.objects.get().pk
    other = client_for(county.staff["other_clerk"])
    response = other.post(f"/api/v1/rectifications/{rid}/actions/callback/", {"note": "x"}, format="json")
    assert response.status_code == 404


def test_an_upheld_appeal_takes_a_malicious_rating_out_of_the_figures(county, clerk, reviewer):
    number = finished_case(clerk, reviewer)
    rate(number, 1, comment="随便打的")
    rate(number, 5, channel="sms")
    rating_id = Rating.objects.get(score=1).pk
    appeal = clerk.post(f"/api/v1/ratings/{rating_id}/appeal/", {"reason": "评价人承认误操作"}, format="json")
    assert appeal.status_code == 201
    appeal_id = appeal.json()["id"]
    assert (
        clerk.post(f"/api/v1/appeals/{appeal_id}/actions/uphold/", {"note": "x"}, format="json").status_code
        == 403
    )
    supervisor = client_for(county.staff["supervisor"])
    decided = supervisor.post(
        f"/api/v1/appeals/{appeal_id}/actions/uphold/", {"note": "经回访核实"}, format="json"
    )
    assert decided.json()["status"] == "upheld"
    figures = supervisor.get("/api/v1/ratings/figures/").json()
    assert (figures["ratings"], figures["bad"], figures["satisfaction_rate"]) == (1, 0, 1.0)
    assert Rectification.objects.get().status == "closed"


def test_a_good_rating_cannot_be_appealed(clerk, reviewer):
    rate(finished_case(clerk, reviewer), 4)
    rating_id = Rating.objects.get().pk
    assert (
        clerk.post(f"/api/v1/ratings/{rating_id}/appeal/", {"reason": "x"}, format="json").status_code == 409
    )


def test_an_unrated_case_gets_one_invitation_three_days_after_completion(clerk, reviewer):
    unrated = finished_case(clerk, reviewer)
    rated = finished_case(clerk, reviewer)
    rate(rated, 5)
    assert send_rating_invitations() == 0  # too early
    with time_machine.travel(dt.datetime.now() + dt.timedelta(days=4)):
        assert send_rating_invitations() == 1
        assert send_rating_invitations() == 0  # once only
    invitations = SmsMessage.objects.filter(template="rating_invitation")
    assert [m.case_number for m in invitations] == [unrated]
