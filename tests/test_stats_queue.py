"""The dashboard shows the hall's queue figures of the unit it is about: a county all its points, a
town its own, a point its windows, a clerk the numbers he called and served; the Excel export has them
on a sheet of their own. Every ticket is taken, called and served through the queue's services."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.queue_cast import at, client_for
from yichuang.queue import services

pytestmark = pytest.mark.django_db

OCTOBER = {"from": "2026-10"}


def queue_of(user: Any, **query: str) -> dict[str, Any]:
    response = client_for(user).get("/api/v1/stats/dashboard/", {**OCTOBER, **query})
    assert response.status_code == 200, response.content
    return response.json()["queue"]


def test_the_county_sees_the_waiting_and_service_times_of_every_hall_and_center(morning):
    queue = queue_of(morning.world.staff["supervisor"])
    assert (queue["taken"], queue["called"], queue["served"], queue["no_show"]) == (5, 4, 3, 1)
    assert queue["average_wait_minutes"] == 9.5  # (2 + 4 + 12 + 20) / 4
    assert queue["within_target"] == 0.5  # 2 and 4 minutes are within 10; 12 and 20 are not
    assert queue["target_minutes"] == 10
    assert queue["average_service_minutes"] == 6.3  # (3 + 6 + 10) / 3
    assert (queue["priority"], queue["from_appointments"]) == (1, 1)
    assert queue["appointments"] == {
        "booked": 2,
        "checked_in": 1,
        "cancelled": 0,
        "missed": 1,
        "show_rate": 0.5,
    }


def test_a_town_counts_only_the_numbers_taken_at_its_own_points(morning):
    town = morning.world.regions["town_a"]
    queue = queue_of(morning.world.staff["supervisor"], region=town.code)
    assert (queue["taken"], queue["served"]) == (1, 1)
    assert (queue["average_wait_minutes"], queue["average_service_minutes"]) == (2.0, 3.0)
    assert queue["appointments"]["booked"] == 0 and queue["appointments"]["show_rate"] is None


def test_a_point_counts_its_own_numbers_and_appointments(morning):
    queue = queue_of(morning.world.staff["supervisor"], point="HALL")
    assert (queue["taken"], queue["called"], queue["served"], queue["no_show"]) == (4, 3, 2, 1)
    assert queue["average_wait_minutes"] == 12.0  # (4 + 12 + 20) / 3
    assert queue["average_service_minutes"] == 8.0
    assert queue["appointments"]["show_rate"] == 0.5


def test_a_clerk_counts_the_numbers_he_called_and_served(morning):
    supervisor = morning.world.staff["supervisor"]
    mine = queue_of(supervisor, staff="hall")
    assert (mine["taken"], mine["called"], mine["served"], mine["no_show"]) == (2, 2, 1, 1)
    assert (mine["average_wait_minutes"], mine["average_service_minutes"]) == (12.0, 6.0)
    assert mine["appointments"] is None, "appointments are made with a point, not with a clerk"
    colleague = queue_of(supervisor, staff="hall2")
    assert (colleague["taken"], colleague["served"], colleague["average_service_minutes"]) == (1, 1, 10.0)


def test_a_town_clerk_sees_only_his_towns_queue(morning):
    clerk = morning.world.staff["town_clerk"]
    assert queue_of(clerk)["taken"] == 1
    assert client_for(clerk).get("/api/v1/stats/dashboard/", {**OCTOBER, "point": "HALL"}).status_code == 404


def test_numbers_taken_in_other_months_are_not_counted(morning, time_machine):
    time_machine.move_to(at(dt.date(2026, 11, 4), 9, 0), tick=False)
    services.ticket_take(point=morning.point, category=morning.categories["general"], source="kiosk")
    supervisor = morning.world.staff["supervisor"]
    assert queue_of(supervisor)["taken"] == 5
    assert queue_of(supervisor, **{"from": "2026-11"})["taken"] == 1
    assert queue_of(supervisor, **{"to": "2026-11"})["taken"] == 6


def test_the_dashboard_keeps_its_earlier_fields_beside_the_queue(morning):
    board = client_for(morning.world.staff["supervisor"]).get("/api/v1/stats/dashboard/", OCTOBER).json()
    assert set(board) == {
        "unit",
        "first",
        "last",
        "totals",
        "by_month",
        "children",
        "satisfaction",
        "hotline",
        "overdue_count",
        "overdue",
        "queue",
        "uncovered_count",
        "calendar_reminder",
    }


def test_the_excel_export_has_the_queue_per_point_of_a_region(morning):
    response = client_for(morning.world.staff["supervisor"]).get("/api/v1/stats/dashboard/export/", OCTOBER)
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总", "按月", "超期办件", "取号排队"]
    rows = list(book["取号排队"].iter_rows(values_only=True))
    assert rows[0][:4] == ("服务点", "取号", "叫号", "办结")
    assert "10分钟内叫号率" in rows[0]
    wait = rows[0].index("平均等候(分钟)")
    assert [(r[0], r[1], r[wait]) for r in rows[1:4]] == [
        ("甲镇便民服务中心", 1, 2.0),
        ("区政务服务中心", 4, 12.0),
        ("合计", 5, 9.5),
    ]
    assert rows[-2][:6] == ("预约", "预约数", "签到", "爽约", "取消", "预约到场率")
    assert rows[-1][1:6] == (2, 1, 1, 0, 0.5)


def test_the_excel_export_of_a_point_has_a_row_per_window(morning):
    response = client_for(morning.world.staff["supervisor"]).get(
        "/api/v1/stats/dashboard/export/", {**OCTOBER, "point": "HALL"}
    )
    rows = list(load_workbook(io.BytesIO(response.content))["取号排队"].iter_rows(values_only=True))
    assert rows[0][0] == "窗口"
    assert [(r[0], r[3]) for r in rows[1:5]] == [
        ("1号窗口 综合受理窗口", 1),
        ("2号窗口 综合受理窗口", 1),
        ("10号窗口 不动产登记窗口", 0),
        ("合计", 2),
    ]
