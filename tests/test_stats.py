"""The dashboard and the assessment read monthly figures kept up to date from the case timeline."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.stats_cast import LATER
from tests.test_cases import application, client_for
from yichuang.stats.models import MonthlyFigure
from yichuang.stats.services import rollup_all

pytestmark = pytest.mark.django_db


def complete(client, **extra):
    return application(client, tolerated=["M020"], commitments=["M010"], **extra)


def test_the_county_sees_accepted_completed_immediate_and_on_time_figures(month_of_work):
    supervisor = client_for(month_of_work.staff["supervisor"])
    board = supervisor.get("/api/v1/stats/dashboard/").json()
    totals = board["totals"]
    assert (totals["accepted"], totals["immediate"], totals["completed"]) == (4, 1, 2)
    assert totals["on_time_rate"] == 1.0
    assert totals["immediate_share"] == 0.25
    assert totals["one_visit_rate"] == 1.0  # everything picked up in the same sitting
    assert totals["average_statutory"] == pytest.approx((32 + 10) / 2)
    assert board["unit"]["name"] == "浉河区"
    assert board["hotline"] == {
        "received": 0,
        "closed": 0,
        "on_time_rate": None,
        "revisit_rate": None,
        "satisfaction_rate": None,
    }


def test_the_county_drills_down_to_towns_points_and_staff(month_of_work):
    supervisor = client_for(month_of_work.staff["supervisor"])
    towns = {c["name"]: c for c in supervisor.get("/api/v1/stats/dashboard/").json()["children"]}
    assert towns["甲镇"]["figures"]["accepted"] == 3
    assert towns["浉河区本级"]["figures"]["accepted"] == 1
    points = supervisor.get(f"/api/v1/stats/dashboard/?region={towns['甲镇']['code']}").json()["children"]
    assert [(p["code"], p["figures"]["accepted"]) for p in points] == [("CA", 3)]
    staff = supervisor.get("/api/v1/stats/dashboard/?point=CA").json()["children"]
    assert [(s["code"], s["figures"]["accepted"]) for s in staff] == [("clerk_a", 3)]


def test_a_town_clerk_sees_his_point_only(month_of_work):
    clerk_b = client_for(month_of_work.staff["other_clerk"])
    assert clerk_b.get("/api/v1/stats/dashboard/").json()["totals"]["accepted"] == 0
    assert clerk_b.get("/api/v1/stats/dashboard/?point=CA").status_code == 404


def test_the_rollup_counts_each_event_once_and_new_events_incrementally(month_of_work, clerk):
    before = sum(MonthlyFigure.objects.values_list("accepted", flat=True))
    assert rollup_all(now=timezone.now() + LATER) == 0
    clerk.post("/api/v1/cases/", complete(clerk), format="json")
    assert rollup_all(now=timezone.now()) == 0  # not settled yet: an open transaction may still commit
    assert rollup_all(now=timezone.now() + LATER) == 2  # submit + accept
    assert sum(MonthlyFigure.objects.values_list("accepted", flat=True)) == before + 1


def test_bad_months_are_a_400_in_chinese(month_of_work):
    supervisor = client_for(month_of_work.staff["supervisor"])
    response = supervisor.get("/api/v1/stats/dashboard/?from=2026-13")
    assert response.status_code == 400 and "YYYY-MM" in response.json()["fields"]["from"][0]
    assert supervisor.get("/api/v1/stats/dashboard/?from=2026-11&to=2026-01").status_code == 400


def test_the_dashboard_exports_to_excel(month_of_work):
    supervisor = client_for(month_of_work.staff["supervisor"])
    response = supervisor.get("/api/v1/stats/dashboard/export/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总", "按月", "超期办件", "取号排队"]
    rows = list(book["汇总"].iter_rows(values_only=True))
    assert rows[1][:2] == ("单位", "受理件数")
    assert rows[2][:2] == ("浉河区", 4)


def test_the_assessment_ranks_the_towns_by_weighted_indicators(month_of_work):
    supervisor = client_for(month_of_work.staff["supervisor"])
    ranked = supervisor.get("/api/v1/stats/assessment/").json()
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    town_a = next(r for r in ranked if r["name"] == "甲镇")
    # All on time (weight 30), one visit (10), faster than the law (10), one immediate case in three (10);
    # no ratings yet, so satisfaction (30) and rectification (10) are left out of the weights.
    assert town_a["metrics"]["immediate_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert town_a["rank"] == 1
    assert town_a["score"] == pytest.approx(100 * (30 + 10 + 10 + 10 / 3) / 60, abs=0.01)
    export = supervisor.get("/api/v1/stats/assessment/export/")
    assert load_workbook(io.BytesIO(export.content))["考核排名"]["B2"].value == "甲镇"
