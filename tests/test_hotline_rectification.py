"""12345 ↔ cases: a ticket names the case and the staff member it is about; an unsatisfied revisit
opens a rectification (整改) of the unit responsible, followed to its end and revisited again; 12315
and 12369 come in beside 12345."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection

from tests import factories as f
from tests.test_cases import accepted_case
from tests.test_hotline import TICKETS, TZ, Hotline, act, build_hotline, client_for, ok, register
from yichuang.hotline import services
from yichuang.hotline.models import Ticket
from yichuang.org.models import Role
from yichuang.ratings.models import Rectification
from yichuang.workdays.calendar import add_workdays

pytestmark = pytest.mark.django_db

RECTIFICATIONS = "/api/v1/rectifications/"


@pytest.fixture
def hotline(county: Any) -> Hotline:
    return build_hotline(county)


@pytest.fixture
def operator(hotline: Hotline) -> Any:
    return client_for(hotline.staff["operator"])


def handled(hotline: Hotline, operator: Any, **overrides: Any) -> str:
    """A ticket registered, signed and answered by 甲镇, closed by the hotline: ready to revisit."""
    clerk = client_for(hotline.staff["town_clerk"])
    number = register(operator, hotline, **overrides)["number"]
    ok(act(clerk, number, "accept"))
    ok(act(clerk, number, "reply", reply="已联系来电人说明低保审批进度。"))
    ok(act(operator, number, "close"))
    return number


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=TZ), tick=False)
def test_an_unsatisfied_revisit_of_a_ticket_about_a_case_is_rectified_by_its_handling_unit(
    hotline, operator, clerk
):
    case = accepted_case(clerk)
    number = handled(hotline, operator, case=case["number"], staff="clerk_a")
    ticket = ok(operator.get(f"{TICKETS}{number}/"))
    assert ticket["case"] == case["number"]
    assert ticket["subject_staff"]["username"] == "clerk_a"
    assert ticket["timeline"][0]["details"]["case"] == case["number"]

    revisited = ok(act(operator, number, "revisit", satisfaction="unsatisfied", note="来电人说仍未收到答复"))
    assert revisited["status"] == "revisited" and revisited["satisfaction"] == "unsatisfied"
    [rect] = revisited["rectifications"]
    assert rect["status"] == "open"
    assert case["handling_unit"] == "SPA" and rect["unit"] == "甲镇行政审批服务中心"
    assert rect["owner"] == "review_a", "the reviewer of the case's handling unit"
    assert rect["due_date"] == add_workdays(dt.date(2026, 11, 23), 5).isoformat()
    assert revisited["timeline"][-1]["action"] == "rectify_open"
    assert "甲镇行政审批服务中心" in revisited["timeline"][-1]["note"]

    # The handling unit's reviewer finds it among the rectifications the ratings app lists.
    reviewer = client_for(hotline.staff["reviewer"])
    listed = ok(reviewer.get(f"{RECTIFICATIONS}?source=ticket"))["results"]
    assert [(r["ticket"], r["case"], r["source"]) for r in listed] == [(number, case["number"], "ticket")]
    assert ok(reviewer.get(f"{RECTIFICATIONS}?source=rating"))["results"] == []

    again = act(operator, number, "revisit", satisfaction="satisfied")
    assert again.status_code == 409, "not before the rectification is closed"

    rid = rect["id"]
    ok(reviewer.post(f"{RECTIFICATIONS}{rid}/actions/callback/", {"note": "已致电说明", "satisfied": True}))
    closed = ok(reviewer.post(f"{RECTIFICATIONS}{rid}/actions/close/", {"outcome": "补发审批进度告知"}))
    assert closed["status"] == "closed"

    final = ok(act(operator, number, "revisit", satisfaction="satisfied", note="已满意"))
    assert final["satisfaction"] == "satisfied"
    assert [e["action"] for e in final["timeline"]][-5:] == [
        "revisit",
        "rectify_open",
        "rectify_callback",
        "rectified",
        "revisit_again",
    ]
    satisfied_again = act(operator, number, "revisit", satisfaction="satisfied")
    assert satisfied_again.status_code == 409


def test_a_ticket_about_a_staff_member_is_rectified_by_his_point_not_by_the_unit_that_answered(
    hotline, operator
):
    manager = f.StaffFactory(
        username="manager_b",
        role=Role.CENTER_MANAGER,
        point=hotline.world.points["center_b"],
        region=hotline.world.regions["town_b"],
    )
    number = handled(hotline, operator, staff="clerk_b")
    ok(act(operator, number, "revisit", satisfaction="unsatisfied"))
    rect = Rectification.objects.get(ticket__number=number)
    assert rect.owner == manager and rect.owner_point == hotline.world.points["center_b"]
    assert rect.rating is None

    # 甲镇 answered the ticket and sees it, but the rectification is 乙镇's to follow.
    answered = client_for(hotline.staff["town_clerk"])
    assert answered.post(f"{RECTIFICATIONS}{rect.pk}/actions/callback/", {"note": "x"}).status_code == 403
    # The named clerk's own point follows it with its manager.
    colleague = client_for(hotline.staff["other_clerk"])
    assert [r["id"] for r in ok(colleague.get(RECTIFICATIONS))["results"]] == [rect.pk]
    assert (
        colleague.post(f"{RECTIFICATIONS}{rect.pk}/actions/callback/", {"note": "已回电"}).status_code == 200
    )


def test_a_ticket_without_case_or_staff_is_rectified_by_the_unit_that_handled_it(hotline, operator):
    number = handled(hotline, operator)
    ok(act(operator, number, "revisit", satisfaction="unsatisfied"))
    rect = Rectification.objects.get(ticket__number=number)
    assert rect.owner_point == hotline.world.points["center_a"]


def test_a_satisfied_revisit_opens_nothing(hotline, operator):
    number = handled(hotline, operator)
    ok(act(operator, number, "revisit", satisfaction="basically_satisfied"))
    assert not Rectification.objects.exists()


def test_the_case_and_staff_named_must_be_in_the_operators_scope(hotline, clerk):
    case = accepted_case(clerk)
    from tests.test_hotline import make_operator

    town_b = client_for(make_operator("operator_b", hotline.world.regions["town_b"]))
    body = {"region": hotline.region("village_b1"), "dispatch": False}
    refused = town_b.post(
        TICKETS, _call(hotline, case=case["number"], staff="clerk_a", **body), format="json"
    )
    assert refused.status_code == 422
    assert set(refused.json()["fields"]) == {"case", "staff"}
    assert "不在您的受理范围内" in refused.json()["fields"]["case"][0]
    unknown = town_b.post(TICKETS, _call(hotline, staff="nobody", **body), format="json")
    assert unknown.status_code == 422 and Ticket.objects.count() == 0


def _call(hotline: Hotline, **overrides: Any) -> dict[str, Any]:
    from tests.test_hotline import call

    return call(hotline, **overrides)


def test_12315_and_12369_are_intake_sources_filtered_and_counted(hotline, operator):
    register(operator, hotline)
    market = register(operator, hotline, source="12315", type="complaint", title="超市销售过期食品")
    env = register(operator, hotline, source="12369", type="report", title="夜间工地噪声扰民")
    assert (market["source"], env["source"]) == ("12315", "12369")
    assert [t["number"] for t in ok(operator.get(f"{TICKETS}?source=12315"))["results"]] == [market["number"]]
    assert operator.get(f"{TICKETS}?source=110").status_code == 400
    stats = ok(operator.get("/api/v1/hotline/stats/?by=source&period=all"))
    assert {row["source"]: row["received"] for row in stats["rows"]} == {"12315": 1, "12345": 1, "12369": 1}
    only = ok(operator.get("/api/v1/hotline/stats/?source=12369&period=all"))
    assert only["total"]["received"] == 1
    bad = operator.post(TICKETS, _call(hotline, source="10086"), format="json")
    assert bad.status_code == 400 and "source" in bad.json()["fields"]


@pytest.mark.django_db(transaction=True)
def test_two_operators_revisiting_at_once_open_one_rectification(county):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    hotline = build_hotline(county)
    operator = client_for(hotline.staff["operator"])
    number = handled(hotline, operator)
    ticket = Ticket.objects.get(number=number)
    results: list[str] = []

    def revisit() -> None:
        try:
            services.ticket_revisit(
                ticket=ticket, actor=hotline.staff["operator"], satisfaction="unsatisfied", row_version=None
            )
            results.append("ok")
        except Exception as exc:
            results.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=revisit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results)[0] != sorted(results)[1] or results.count("ok") == 1
    assert results.count("ok") == 1
    assert Rectification.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_rectifications_of_bad_ratings_and_names_their_point(county, clerk, reviewer):
    from django.db.migrations.executor import MigrationExecutor

    from tests.test_ratings import finished_case, rate

    number = finished_case(clerk, reviewer)
    assert rate(number, 1, comment="等了一个小时").status_code == 201
    before = Rectification.objects.get()
    Rectification.objects.filter(pk=before.pk).update(owner_point=None)  # as rows were before 0003

    executor = MigrationExecutor(connection)
    executor.migrate([("ratings", "0002_monthly_satisfaction")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    after = Rectification.objects.get()
    assert (after.pk, after.rating_id, after.ticket_id) == (before.pk, before.rating_id, None)
    assert after.owner_point_id == after.rating.point_id == county.points["center_a"].pk
    assert after.source == "rating" and after.subject_number == number
