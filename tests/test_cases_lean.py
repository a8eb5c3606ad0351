"""Lean actions: the rows a request needs again and again (the token, the catalog, offers,
delegations, seals, SMS templates) are kept in the process's memory and dropped when they change;
a new case answers from the rows it has just written. None of it may change what a clerk sees."""

from __future__ import annotations

from typing import Any

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.test_cases import accepted_case, application
from tests.test_licenses import approved_card, elder_card  # noqa: F401  (fixture)
from yichuang.catalog.models import ItemStatus, PointItem, ServiceItem
from yichuang.common.models import ChangeMarker
from yichuang.org.tokens import token_issue

pytestmark = pytest.mark.django_db


def with_token(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)[1]}")
    return client


def test_a_new_case_answers_exactly_what_its_page_shows_afterwards(clerk):
    body = application(clerk, tolerated=["M020"], commitments=["M010"])
    extra = application(clerk)["materials"]
    for row, more in zip(body["materials"], extra, strict=True):
        row["files"] += more["files"]  # two files for each material, the newest first in both answers
    created = clerk.post("/api/v1/cases/", body, format="json")
    assert created.status_code == 201, created.content
    shown = clerk.get(f"/api/v1/cases/{created.json()['number']}/").json()
    assert created.json() == shown
    assert [e["action"] for e in shown["timeline"]] == ["submit", "accept"]
    assert {d["type"] for d in shown["documents"]} == {"acceptance_notice", "commitment"}


def test_a_case_satisfied_by_a_licence_answers_what_its_page_shows(elder_card, clerk, reviewer):  # noqa: F811
    approved_card(clerk, reviewer)
    created = clerk.post("/api/v1/cases/", application(clerk, item="GLJT", provide=("M001",)), format="json")
    assert created.status_code == 201, created.content
    assert created.json() == clerk.get(f"/api/v1/cases/{created.json()['number']}/").json()


def test_a_case_left_for_the_window_answers_what_its_page_shows(clerk):
    created = clerk.post("/api/v1/cases/", application(clerk, provide=("M001",)), format="json")
    assert created.json()["status"] == "submitted"
    assert created.json() == clerk.get(f"/api/v1/cases/{created.json()['number']}/").json()


def test_an_item_taken_off_in_the_admin_is_refused_at_once_though_it_was_kept_in_memory(clerk, county):
    accepted_case(clerk)  # the item, its offer and version are now kept in memory
    item = ServiceItem.objects.get(code="DB")
    item.status = ItemStatus.DRAFT
    item.save()
    refused = clerk.post("/api/v1/cases/", application(clerk), format="json")
    assert refused.status_code == 422
    assert "未发布" in refused.json()["detail"]


def test_a_change_another_process_made_is_seen_once_the_marker_is_looked_at_again(clerk, county, settings):
    accepted_case(clerk)
    # Another process withdraws the offer: its write reaches this process only through the marker
    # (a queryset update sends no signal here).
    PointItem.objects.filter(item__code="DB").update(active=False)
    settings.MEMO_RECHECK_SECONDS = 3600
    still = clerk.post("/api/v1/cases/", application(clerk), format="json")
    assert still.status_code == 201  # within the interval the memory still has the offer
    ChangeMarker.objects.update_or_create(name="reference", defaults={"version": 99})
    settings.MEMO_RECHECK_SECONDS = 0
    refused = clerk.post("/api/v1/cases/", application(clerk), format="json")
    assert refused.status_code == 422
    assert refused.json()["code"] == "item_not_offered"


def test_a_deactivated_clerk_is_turned_away_on_his_next_request(county):
    clerk = county.staff["town_clerk"]
    client = with_token(clerk)
    assert client.get("/api/v1/cases/").status_code == 200
    clerk.is_active = False
    clerk.save()
    assert client.get("/api/v1/cases/").status_code == 401


def test_a_revoked_token_is_refused_on_its_next_request(county):
    clerk = county.staff["town_clerk"]
    client = with_token(clerk)
    assert client.get("/api/v1/cases/").status_code == 200
    AuthToken.objects.filter(user=clerk).delete()
    assert client.get("/api/v1/cases/").status_code == 401


def test_a_clerk_moved_to_another_point_sees_with_his_new_scope_at_once(county):
    clerk = county.staff["town_clerk"]
    client = with_token(clerk)
    case = accepted_case(client)
    assert client.get(f"/api/v1/cases/{case['number']}/").status_code == 200
    clerk.region = county.regions["town_b"]
    clerk.point = county.points["center_b"]
    clerk.save()
    assert client.get(f"/api/v1/cases/{case['number']}/").status_code == 404


def test_every_action_answers_what_the_database_then_holds(clerk, reviewer):
    """An action writes only the columns it changed: what it answers (from the row in memory) must be
    what a fresh read finds, step by step through a long life."""
    from tests.test_cases import act, upload

    body = application(clerk, channel="online", provide=("M002",), tolerated=["M020"], commitments=["M010"])
    number = clerk.post("/api/v1/cases/", body, format="json").json()["number"]
    steps = [
        (clerk, "notify", {"missing": ["M001"]}),
        (clerk, "supplement", {"materials": [{"requirement": "M001", "files": [upload(clerk)]}]}),
        (clerk, "accept", {}),
        (reviewer, "review", {}),
        (reviewer, "extend", {"reason": "需要现场核查", "days": 3}),
        (reviewer, "suspend", {"reason": "现场勘验", "kind": "inspection"}),
        (reviewer, "resume", {}),
        (reviewer, "approve", {"override_reason": "困难情况已入户核实"}),  # 困难情况证明 is still owed
        (clerk, "deliver", {"method": "mail", "tracking_number": "EMS1234567890"}),
    ]
    for who, action, extra in steps:
        answer = act(who, number, action, **extra)
        assert answer.status_code == 200, (action, answer.content)
        shown = who.get(f"/api/v1/cases/{number}/").json()
        answered = answer.json()
        answered.pop("notice", None)
        assert answered == shown, action
    assert shown["status"] == "delivered" and shown["extended_days"] == 3
    assert shown["tracking_number"] == "EMS1234567890"


@pytest.mark.parametrize(
    ("channel", "who", "action", "extra"),
    [
        ("window", "reviewer", "deny", {"reason": "不符合条件"}),
        ("online", "clerk", "refuse", {"reason": "不属于本机关职权范围"}),
        ("window", "clerk", "withdraw", {}),
    ],
)
def test_a_no_answers_what_the_database_then_holds(clerk, reviewer, channel, who, action, extra):
    from tests.test_cases import act

    body = application(clerk, channel=channel, tolerated=["M020"], commitments=["M010"])
    number = clerk.post("/api/v1/cases/", body, format="json").json()["number"]
    client = {"clerk": clerk, "reviewer": reviewer}[who]
    answer = act(client, number, action, **extra)
    assert answer.status_code == 200, answer.content
    assert answer.json() == client.get(f"/api/v1/cases/{number}/").json()
