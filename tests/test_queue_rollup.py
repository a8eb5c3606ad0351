"""Each night the hall's closed days are summed per month, and the figures read those sums: the
same numbers as counting the tickets, without reading millions of tickets for a year of a county."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.queue_cast import WEDNESDAY_MORNING, at
from yichuang.queue import services
from yichuang.queue.figures import GROUPS, queue_figures, summed_months
from yichuang.queue.models import QueueMonthFigure, TicketSource
from yichuang.queue.rollup import queue_rollup
from yichuang.queue.tasks import close_day

pytestmark = pytest.mark.django_db

WEDNESDAY = WEDNESDAY_MORNING.date()
THURSDAY = WEDNESDAY + dt.timedelta(days=1)
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def reports(user, last=OCTOBER[1], groups=tuple(GROUPS), **options):
    return {
        by: asdict(queue_figures(user=user, first=OCTOBER[0], last=last, by=by, **options)) for by in groups
    }


def test_the_summed_days_give_the_same_figures_as_the_tickets_by_point_window_category_and_day(morning):
    supervisor = morning.world.staff["supervisor"]
    services.tickets_close_day(today=THURSDAY)  # the checked-in number nobody called ends 当日未办理
    counted = reports(supervisor), reports(supervisor, last=WEDNESDAY)
    assert queue_rollup(today=THURSDAY) > 0
    with CaptureQueriesContext(connection) as queries:
        summed = reports(supervisor, last=WEDNESDAY, groups=("point", "window", "category"))
    assert not any("queue_queueticket" in q["sql"] for q in queries.captured_queries)  # only the sums
    assert reports(supervisor, last=WEDNESDAY) == counted[1]
    assert summed == {by: counted[1][by] for by in summed}
    assert reports(supervisor) == counted[0]  # the month: the sums, and the tickets of the days after
    assert summed["point"]["total"]["unserved"] == 1


def test_the_nightly_task_closes_yesterday_before_summing_it(morning, time_machine):
    time_machine.move_to(at(THURSDAY, 0, 10), tick=False)
    close_day()
    october = QueueMonthFigure.objects.filter(month=OCTOBER[0])
    assert sum(october.values_list("taken", flat=True)) == 5
    assert sum(october.values_list("unserved", flat=True)) == 1  # closed first, then summed


def test_today_is_read_from_the_tickets_beside_the_summed_days(morning, time_machine):
    queue_rollup(today=THURSDAY)
    time_machine.move_to(at(THURSDAY, 9, 0), tick=False)
    ticket = services.ticket_take(
        point=morning.point, category=morning.categories["general"], source=TicketSource.KIOSK
    )
    time_machine.move_to(at(THURSDAY, 9, 30), tick=False)
    services.ticket_call_next(window=morning.windows["1"], actor=morning.clerk)
    time_machine.move_to(at(THURSDAY, 9, 40), tick=False)
    services.ticket_serve(ticket=ticket, actor=morning.clerk)
    total = queue_figures(user=morning.world.staff["supervisor"], first=OCTOBER[0], last=OCTOBER[1]).total
    assert (total.taken, total.called, total.served, total.unserved) == (6, 5, 4, 1)
    assert total.max_wait_minutes == 30.0  # today's number, read from the tickets
    assert total.average_wait_minutes == pytest.approx((2 + 4 + 12 + 20 + 30) / 5, abs=0.05)


def test_summing_again_the_same_night_does_nothing_and_the_next_night_resums_the_month(morning):
    supervisor = morning.world.staff["supervisor"]
    first = queue_rollup(today=THURSDAY)
    figures = reports(supervisor)
    assert queue_rollup(today=THURSDAY) == 0
    assert queue_rollup(today=THURSDAY + dt.timedelta(days=1)) == first  # October again, to Thursday
    assert QueueMonthFigure.objects.filter(through=THURSDAY).count() == first
    assert reports(supervisor) == figures


def test_a_reader_that_saw_the_previous_night_still_counts_each_day_once(morning, monkeypatch):
    """The dashboard reads the state, then the rows, then today's tickets, each a statement of its
    own: a rollup committing in between must not make it count a day twice."""
    supervisor = morning.world.staff["supervisor"]
    queue_rollup(today=THURSDAY)
    figures = reports(supervisor)
    queue_rollup(today=THURSDAY + dt.timedelta(days=1))  # commits while the reader is half way
    monkeypatch.setattr("yichuang.queue.figures.rolled_up_to", lambda: WEDNESDAY)  # what it read
    assert reports(supervisor) == figures
    queue_rollup(today=THURSDAY + dt.timedelta(days=2))  # the version before is no longer read
    assert set(QueueMonthFigure.objects.values_list("through", flat=True)) == {
        THURSDAY,
        THURSDAY + dt.timedelta(days=1),
    }


def test_tickets_written_later_for_a_summed_day_count_once_summed_again(morning, time_machine):
    supervisor = morning.world.staff["supervisor"]
    queue_rollup(today=THURSDAY)
    time_machine.move_to(at(WEDNESDAY, 15, 0), tick=False)  # simulate writes past days like this
    services.ticket_take(
        point=morning.point, category=morning.categories["general"], source=TicketSource.CLERK
    )
    time_machine.move_to(at(THURSDAY, 9, 0), tick=False)
    assert queue_figures(user=supervisor, first=OCTOBER[0], last=OCTOBER[1]).total.taken == 5
    queue_rollup(today=THURSDAY, since=WEDNESDAY)
    assert queue_figures(user=supervisor, first=OCTOBER[0], last=OCTOBER[1]).total.taken == 6


def test_part_of_a_month_is_read_from_the_tickets(morning):
    supervisor = morning.world.staff["supervisor"]
    queue_rollup(today=THURSDAY)
    with CaptureQueriesContext(connection) as queries:
        total = queue_figures(user=supervisor, first=WEDNESDAY, last=WEDNESDAY).total
    assert any("queue_queueticket" in q["sql"] for q in queries.captured_queries)
    assert (total.taken, total.served, total.unserved) == (5, 3, 1)


def test_a_clerks_own_figures_and_another_target_still_count_the_tickets(morning):
    clerk = morning.clerk
    before = (reports(clerk, staff=clerk), reports(morning.world.staff["supervisor"], target_minutes=15))
    queue_rollup(today=THURSDAY)
    after = (reports(clerk, staff=clerk), reports(morning.world.staff["supervisor"], target_minutes=15))
    assert after[0] == before[0]
    assert after[1]["point"]["total"]["within_target"] == 0.75  # 2, 4 and 12 minutes are within 15


D = dt.date


@pytest.mark.parametrize(
    ("first", "last", "rolled", "expected"),
    [
        (
            D(2026, 10, 1),
            D(2026, 10, 31),
            D(2026, 10, 14),
            ((D(2026, 10, 1),) * 2, (D(2026, 10, 1), D(2026, 10, 14))),
        ),
        (
            D(2026, 9, 1),
            D(2026, 12, 31),
            D(2026, 11, 30),
            ((D(2026, 9, 1), D(2026, 11, 1)), (D(2026, 9, 1), D(2026, 11, 30))),
        ),
        (
            D(2026, 9, 1),
            D(2026, 10, 10),
            D(2026, 11, 30),
            ((D(2026, 9, 1),) * 2, (D(2026, 9, 1), D(2026, 9, 30))),
        ),
        (
            D(2026, 9, 15),
            D(2026, 10, 31),
            D(2026, 10, 31),
            ((D(2026, 10, 1),) * 2, (D(2026, 10, 1), D(2026, 10, 31))),
        ),
        (D(2026, 10, 2), D(2026, 10, 31), D(2026, 10, 14), None),
        (D(2026, 10, 1), D(2026, 10, 31), D(2026, 9, 30), None),
    ],
)
def test_only_months_wholly_inside_the_range_are_read_from_the_sums(first, last, rolled, expected):
    assert summed_months(first, last, rolled) == expected
