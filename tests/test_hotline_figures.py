"""按时办结率, 回访率 and 满意率 by period and by unit: counted in the database, limited to what the
caller may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import World
from tests.test_hotline import TZ, Hotline, at, build_hotline, client_for
from yichuang.hotline import services
from yichuang.hotline.models import Ticket, Unit
from yichuang.hotline.selectors import Figures, UnitRef, ticket_figures

pytestmark = pytest.mark.django_db

NOW = at(2025, 12, 5, 12, 0)
NOVEMBER = (dt.date(2025, 11, 1), dt.date(2025, 11, 30))


@pytest.fixture
def hotline(world: World) -> Hotline:
    return build_hotline(world)


def _create(
    hotline: Hotline, when: dt.datetime, *, category: str = "0403", region: str = "village_a2"
) -> Ticket:
    with time_machine.travel(when, tick=False):
        return services.ticket_create(
            actor=hotline.staff["operator"],
            type="help",
            category=hotline.categories[category],
            region=hotline.world.regions[region],
            title="求助",
            content="诉求内容",
            caller_phone="13812345678",
            dispatch=True,
        )


def _handle(
    hotline: Hotline, ticket: Ticket, who: str, *, reply_at: dt.datetime, revisit: str = ""
) -> Ticket:
    staff = hotline.staff[who]
    with time_machine.travel(reply_at, tick=False):
        ticket = services.ticket_accept(ticket=ticket, actor=staff)
        ticket = services.ticket_reply(ticket=ticket, actor=staff, reply="已办理")
        ticket = services.ticket_close(ticket=ticket, actor=hotline.staff["operator"])
        if revisit:
            ticket = services.ticket_revisit(
                ticket=ticket, actor=hotline.staff["operator"], satisfaction=revisit
            )
    return ticket


@pytest.fixture
def month(hotline: Hotline) -> Hotline:
    """November 2025 at the test county's hotline (7 working days for each ticket):

    1. 甲镇 answers in time; the caller is satisfied.
    2. 甲镇 answers late; the caller is not satisfied.
    3. 民政局 answers in time; the caller is basically satisfied.
    4. 民政局 answers in time; nobody has called back yet.
    5. 甲镇 signed and is still working on it, past the due date.
    6. a duplicate call, cancelled (not counted).
    7. the operator answers on the phone (the hotline's own).
    And in December one ticket, not yet due.
    """
    start = at(2025, 11, 3, 9, 0)  # a Monday; due 2025-11-12
    in_time, late = at(2025, 11, 6, 10, 0), at(2025, 11, 14, 10, 0)
    _handle(hotline, _create(hotline, start), "town_clerk", reply_at=in_time, revisit="satisfied")
    _handle(hotline, _create(hotline, start), "town_clerk", reply_at=late, revisit="unsatisfied")
    civil_region = "village_b1"  # 乙镇 has no 低保 rule of its own: 民政局
    third = _create(hotline, start, region=civil_region)
    _handle(hotline, third, "civil", reply_at=in_time, revisit="basically_satisfied")
    _handle(hotline, _create(hotline, start, region=civil_region), "civil", reply_at=in_time)
    fifth = _create(hotline, start)
    with time_machine.travel(in_time, tick=False):
        services.ticket_accept(ticket=fifth, actor=hotline.staff["town_clerk"])
    with time_machine.travel(start, tick=False):
        sixth = services.ticket_create(
            actor=hotline.staff["operator"],
            type="help",
            category=hotline.categories["0403"],
            region=hotline.world.regions["village_a2"],
            title="重复",
            content="重复来电",
            caller_phone="13812345678",
        )
        services.ticket_cancel(ticket=sixth, actor=hotline.staff["operator"], reason="重复来电")
        seventh = services.ticket_create(
            actor=hotline.staff["operator"],
            type="consult",
            category=hotline.categories["0403"],
            region=hotline.world.regions["village_a2"],
            title="咨询",
            content="低保去哪里申请",
            caller_phone="13812345678",
        )
        services.ticket_answer(
            ticket=seventh, actor=hotline.staff["operator"], reply="到乡镇便民服务中心申请"
        )
    _create(hotline, at(2025, 12, 2, 9, 0))
    return hotline


def figures(hotline: Hotline, who: str = "operator", **kwargs: Any) -> list[Figures]:
    kwargs.setdefault("start", NOVEMBER[0])
    kwargs.setdefault("end", dt.date(2025, 12, 31))
    return ticket_figures(user=hotline.staff[who], now=NOW, **kwargs)


def test_the_months_figures(month: Hotline) -> None:
    november, december = figures(month)
    assert november.period == dt.date(2025, 11, 1) and december.period == dt.date(2025, 12, 1)
    assert (november.received, november.closed, november.closed_on_time, november.overdue_open) == (
        6,
        5,
        4,
        1,
    )
    assert november.due == 6
    assert november.on_time_rate == round(4 / 6, 4)
    assert (november.revisited, november.satisfied) == (3, 2)
    assert november.revisit_rate == 0.6
    assert november.satisfaction_rate == round(2 / 3, 4)
    assert (december.received, december.due, december.on_time_rate) == (1, 0, None)
    assert december.revisit_rate is None and december.satisfaction_rate is None


def test_the_figures_by_unit(month: Hotline) -> None:
    rows = {row.unit: row for row in figures(month, start=NOVEMBER[0], end=NOVEMBER[1], by_unit=True)}
    town = rows[UnitRef("point", "CA", "甲镇便民服务中心")]
    civil = rows[UnitRef("department", "MZJ", "浉河区民政局")]
    hotline = rows[UnitRef("hotline", "", "12345热线")]
    assert (town.received, town.closed, town.closed_on_time, town.overdue_open) == (3, 2, 1, 1)
    assert (town.on_time_rate, town.revisit_rate, town.satisfaction_rate) == (round(1 / 3, 4), 1.0, 0.5)
    assert (civil.received, civil.on_time_rate, civil.revisit_rate, civil.satisfaction_rate) == (
        2,
        1.0,
        0.5,
        1.0,
    )
    assert (hotline.received, hotline.on_time_rate) == (1, 1.0)
    assert len(rows) == 3


def test_the_whole_span_in_one_row(month: Hotline) -> None:
    (total,) = figures(month, period=None)
    assert total.period is None and total.unit is None
    assert (total.received, total.due, total.closed_on_time) == (7, 6, 4)


def test_the_figures_follow_the_callers_scope(month: Hotline) -> None:
    (town,) = figures(month, "town_clerk", start=NOVEMBER[0], end=NOVEMBER[1])
    assert (town.received, town.closed_on_time) == (4, 2), "甲镇's three and the operator's answer there"
    (civil,) = figures(month, "civil", start=NOVEMBER[0], end=NOVEMBER[1])
    assert civil.received == 2
    assert figures(month, "water") == []


def test_the_figures_are_one_aggregate_query_however_many_tickets(month: Hotline) -> None:
    operator = month.staff["operator"]
    scope_of_user = operator.region  # the scope's region is loaded once with the user
    assert scope_of_user is not None

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            ticket_figures(user=operator, start=NOVEMBER[0], end=dt.date(2025, 12, 31), by_unit=True, now=NOW)
        return len(queries)

    before = count()
    for _ in range(5):
        _create(month, at(2025, 11, 20, 9, 0))
    assert count() == before <= 2


def test_a_period_outside_the_tickets_is_empty(month: Hotline) -> None:
    assert figures(month, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)) == []


def test_days_and_years_are_periods_too(month: Hotline) -> None:
    days = figures(month, period="day")
    assert [row.period for row in days] == [dt.date(2025, 11, 3), dt.date(2025, 12, 2)]
    (year,) = figures(month, period="year")
    assert year.period == dt.date(2025, 1, 1) and year.received == 7
    with pytest.raises(ValueError):
        figures(month, period="week")


class TestStatsApi:
    URL = "/api/v1/hotline/stats/"

    def test_the_api_gives_the_total_and_the_rows(self, month: Hotline) -> None:
        with time_machine.travel(NOW, tick=False):
            body = client_for(month.staff["operator"]).get(
                self.URL, {"start": "2025-11-01", "end": "2025-11-30", "by": "unit"}
            )
        assert body.status_code == 200, body.content
        data = body.json()
        assert (data["start"], data["end"], data["period"], data["by"]) == (
            "2025-11-01",
            "2025-11-30",
            "month",
            "unit",
        )
        assert data["total"]["received"] == 6 and data["total"]["on_time_rate"] == round(4 / 6, 4)
        assert data["total"]["period"] is None and data["total"]["unit"] is None
        units = {row["unit"]["code"] for row in data["rows"]}
        assert units == {"CA", "MZJ", ""}
        assert all(row["period"] == "2025-11-01" for row in data["rows"])

    def test_by_default_this_month_up_to_today(self, month: Hotline) -> None:
        with time_machine.travel(NOW, tick=False):
            data = client_for(month.staff["operator"]).get(self.URL).json()
        assert (data["start"], data["end"]) == ("2025-12-01", "2025-12-05")
        assert data["total"]["received"] == 1

    def test_bad_periods_are_refused_in_chinese(self, month: Hotline) -> None:
        client = client_for(month.staff["operator"])
        backwards = client.get(self.URL, {"start": "2025-12-01", "end": "2025-11-01"})
        assert backwards.status_code == 400
        assert backwards.json()["fields"]["start"] == ["开始日期不能晚于结束日期。"]
        assert client.get(self.URL, {"start": "2020-01-01", "end": "2025-01-01"}).status_code == 400
        assert client.get(self.URL, {"period": "week"}).status_code == 400
        assert client.get(self.URL, {"start": "yesterday"}).status_code == 400

    def test_an_empty_span_has_zero_and_no_rates(self, month: Hotline) -> None:
        data = (
            client_for(month.staff["water"])
            .get(self.URL, {"start": "2025-11-01", "end": "2025-11-30"})
            .json()
        )
        assert data["rows"] == []
        assert data["total"]["received"] == 0 and data["total"]["on_time_rate"] is None


def test_units_compare_by_identity(hotline: Hotline) -> None:
    water = hotline.units["water"]
    assert water == Unit(department=water.department) and water != hotline.units["civil"]
    with pytest.raises(ValueError):
        Unit()
    assert TZ.key == "Asia/Shanghai"
