"""Deadline arithmetic in Chinese working days, against the chinesecalendar package as the oracle."""

from __future__ import annotations

import datetime as dt
import time
import warnings

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from yichuang.workdays.calendar import (
    UncoveredYearWarning,
    add_workdays,
    current_calendar,
    is_workday,
    uncovered_years,
    workdays_between,
)
from yichuang.workdays.engine import DateOutOfRange, WorkCalendar
from yichuang.workdays.models import CalendarDay, DayKind, ScheduleYear, Source
from yichuang.workdays.package import package_deviations, package_years
from yichuang.workdays.selectors import package_calendar
from yichuang.workdays.services import holidays_sync_from_package
from yichuang.workdays.testing import fresh_calendar  # noqa: F401

pytestmark = pytest.mark.django_db

D = dt.date
ONE_DAY = dt.timedelta(days=1)
DB_EXAMPLES = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def naive_between(a: dt.date, b: dt.date) -> int:
    count, day = 0, a + ONE_DAY
    while day <= b:
        count += chinese_calendar.is_workday(day)
        day += ONE_DAY
    return count


def naive_add(start: dt.date, n: int) -> dt.date:
    day = start
    while n > 0:
        day += ONE_DAY
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


dates_2005_2025 = st.dates(min_value=D(2005, 1, 1), max_value=D(2025, 12, 31))


# -- property-based: the fast arithmetic agrees with a day-by-day walk ---------------------------


@DB_EXAMPLES
@given(start=st.dates(min_value=D(2005, 1, 1), max_value=D(2024, 12, 31)), n=st.integers(0, 250))
def test_add_workdays_agrees_with_walking_day_by_day(start: dt.date, n: int) -> None:
    assert add_workdays(start, n) == naive_add(start, n)


@DB_EXAMPLES
@given(a=dates_2005_2025, span=st.integers(-30, 800))
def test_workdays_between_agrees_with_counting_day_by_day(a: dt.date, span: int) -> None:
    b = min(a + dt.timedelta(days=span), D(2025, 12, 31))
    assert workdays_between(a, b) == naive_between(a, b)


@DB_EXAMPLES
@given(start=dates_2005_2025, n=st.integers(0, 150))
def test_counting_back_from_a_deadline_gives_the_days_added(start: dt.date, n: int) -> None:
    due = add_workdays(start, n)
    assert workdays_between(start, due) == n
    assert n == 0 or is_workday(due)


@DB_EXAMPLES
@given(day=dates_2005_2025)
def test_is_workday_agrees_with_the_package(day: dt.date) -> None:
    assert is_workday(day) == chinese_calendar.is_workday(day)


@settings(max_examples=200, deadline=None)
@given(
    a=dates_2005_2025,
    span=st.integers(0, 400),
    spans=st.lists(st.tuples(st.integers(-20, 420), st.integers(0, 40)), max_size=4),
)
def test_suspended_spans_subtract_each_suspended_working_day_once(
    a: dt.date, span: int, spans: list[tuple[int, int]]
) -> None:
    calendar = package_calendar()
    b = min(a + dt.timedelta(days=span), D(2025, 12, 31))
    suspended = [(a + dt.timedelta(days=o), a + dt.timedelta(days=o + length)) for o, length in spans]
    off = {
        s + dt.timedelta(days=i) for s, e in suspended for i in range((e - s).days + 1)
    }  # the naive set of suspended days
    expected = sum(
        1
        for i in range(1, (b - a).days + 1)
        if (d := a + dt.timedelta(days=i)) not in off and chinese_calendar.is_workday(d)
    )
    assert calendar.between_suspended(a, b, suspended) == expected


# -- the seed ------------------------------------------------------------------------------------


def test_the_seed_stores_exactly_the_packages_deviations_from_the_ordinary_week() -> None:
    expected = sum(1 for d in chinese_calendar.constants.holidays if d.weekday() < 5) + sum(
        1 for d in chinese_calendar.constants.workdays if d.weekday() >= 5
    )
    assert (
        CalendarDay.objects.filter(source=Source.CHINESECALENDAR).count()
        == expected
        == len(package_deviations())
    )
    assert sorted(ScheduleYear.objects.values_list("year", flat=True)) == package_years()
    assert package_years()[0] == 2004


def test_the_calendar_compiled_from_the_database_equals_the_one_from_the_package() -> None:
    assert current_calendar() == package_calendar()


def test_syncing_again_changes_nothing() -> None:
    report = holidays_sync_from_package()
    assert not report.changed
    assert report.years_skipped == []


def test_sync_restores_a_deleted_package_day_and_fixes_a_changed_one() -> None:
    CalendarDay.objects.filter(date=D(2025, 1, 28)).delete()
    CalendarDay.objects.filter(date=D(2025, 1, 29)).update(name="错误名称")
    report = holidays_sync_from_package()
    assert (report.created, report.updated) == (1, 1)
    assert CalendarDay.objects.get(date=D(2025, 1, 29)).name == "春节"


def test_sync_leaves_a_year_an_admin_has_taken_over_alone() -> None:
    ScheduleYear.objects.filter(year=2025).update(source=Source.ADMIN)
    CalendarDay.objects.filter(date=D(2025, 1, 28)).delete()
    report = holidays_sync_from_package()
    assert 2025 in report.years_skipped
    assert not CalendarDay.objects.filter(date=D(2025, 1, 28)).exists()


def test_sync_keeps_a_single_day_an_admin_edited_in_a_package_year() -> None:
    CalendarDay.objects.filter(date=D(2024, 2, 12)).update(source=Source.ADMIN, name="春节（本地）")
    holidays_sync_from_package()
    assert CalendarDay.objects.get(date=D(2024, 2, 12)).name == "春节（本地）"


# -- calendar edges --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [D(2026, 2, 28), D(2026, 10, 10), D(2025, 1, 26), D(2025, 2, 8)],
    ids=["sat-2026-02-28", "sat-2026-10-10", "sun-2025-01-26", "sat-2025-02-08"],
)
def test_a_make_up_weekend_is_a_working_day(day: dt.date) -> None:
    assert day.weekday() >= 5
    assert is_workday(day)


def test_spring_festival_2025_is_skipped_and_its_make_up_days_count() -> None:
    # 除夕 is 2025-01-28; holiday 01-28 .. 02-04; make-up Sunday 01-26 and Saturday 02-08.
    assert add_workdays(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert add_workdays(D(2025, 1, 27), 1) == D(2025, 2, 5)
    assert workdays_between(D(2025, 1, 27), D(2025, 2, 4)) == 0
    assert add_workdays(D(2025, 2, 7), 1) == D(2025, 2, 8)


def test_national_day_2025_with_mid_autumn_is_eight_days_off() -> None:
    assert [is_workday(D(2025, 10, d)) for d in range(1, 9)] == [False] * 8
    assert is_workday(D(2025, 9, 28)) and is_workday(D(2025, 10, 11))  # Sunday and Saturday
    assert add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 9)


def test_a_deadline_crosses_the_new_year() -> None:
    # 元旦 2026: Thursday 1 to Saturday 3 January off, Sunday 4 January a make-up working day.
    assert add_workdays(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert add_workdays(D(2025, 12, 31), 2) == D(2026, 1, 5)
    assert workdays_between(D(2025, 12, 31), D(2026, 1, 5)) == 2


def test_zero_days_is_the_start_itself_even_on_a_holiday() -> None:
    assert add_workdays(D(2025, 10, 1), 0) == D(2025, 10, 1)


def test_a_holiday_start_counts_from_the_next_working_day() -> None:
    assert add_workdays(D(2025, 10, 3), 1) == D(2025, 10, 9)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_workdays(D(2025, 1, 1), -1)


def test_between_is_zero_when_the_end_is_not_after_the_start() -> None:
    assert workdays_between(D(2025, 3, 10), D(2025, 3, 10)) == 0
    assert workdays_between(D(2025, 3, 10), D(2025, 3, 1)) == 0


def test_suspended_spans_may_overlap_and_stick_out_of_the_range() -> None:
    a, b = D(2025, 3, 2), D(2025, 3, 16)  # Sunday .. Sunday: ten working days
    assert workdays_between(a, b) == 10
    spans = [(D(2025, 3, 3), D(2025, 3, 5)), (D(2025, 3, 4), D(2025, 3, 7)), (D(2025, 3, 14), D(2025, 4, 30))]
    assert workdays_between(a, b, suspended=spans) == 10 - 5 - 1


def test_an_inverted_suspended_span_is_an_error() -> None:
    with pytest.raises(ValueError):
        workdays_between(D(2025, 3, 1), D(2025, 4, 1), suspended=[(D(2025, 3, 9), D(2025, 3, 3))])


# -- years without a schedule ---------------------------------------------------------------------


def test_a_year_without_a_schedule_counts_weekends_only_and_warns() -> None:
    with pytest.warns(UncoveredYearWarning, match="2027年尚未录入官方节假日安排") as caught:
        due = add_workdays(D(2027, 2, 5), 1)  # Friday; 春节 2027 is not known
    assert due == D(2027, 2, 8)
    assert caught[0].message.years == [2027]  # type: ignore[union-attr]
    assert uncovered_years(D(2026, 12, 1), D(2027, 1, 4)) == [2027]
    assert uncovered_years(D(2026, 1, 1), D(2026, 12, 31)) == []


def test_a_covered_computation_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        add_workdays(D(2026, 9, 30), 3)


@pytest.mark.parametrize("start", [D(1999, 12, 31), D(2003, 6, 1), D(2100, 2, 26), D(9999, 1, 4)])
def test_far_years_never_crash(start: dt.date) -> None:
    with pytest.warns(UncoveredYearWarning):
        due = add_workdays(start, 5)
    assert due > start
    with pytest.warns(UncoveredYearWarning):
        assert workdays_between(start, due) == 5


def test_a_result_past_the_last_representable_date_is_a_value_error() -> None:
    with pytest.raises(DateOutOfRange), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        add_workdays(D(9999, 12, 30), 5)


def test_the_empty_table_falls_back_to_the_package() -> None:
    CalendarDay.objects.all().delete()
    ScheduleYear.objects.all().delete()
    assert current_calendar() == package_calendar()


# -- the cache ---------------------------------------------------------------------------------


def test_another_processs_change_is_seen_within_the_recheck_interval(settings: Settings) -> None:
    current_calendar()  # compiled and cached
    CalendarDay.objects.create(date=D(2026, 6, 1), kind=DayKind.HOLIDAY, name="测试", source=Source.ADMIN)
    # Written behind the cache's back, as another process would; the marker notices.
    settings.WORKDAYS_RECHECK_SECONDS = 0
    assert not is_workday(D(2026, 6, 1))


def test_within_the_interval_the_cached_calendar_is_reused(
    settings: Settings, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    settings.WORKDAYS_RECHECK_SECONDS = 60
    current_calendar()
    with django_assert_num_queries(0):
        for _ in range(100):
            add_workdays(D(2025, 1, 1), 30)


def test_long_spans_cost_no_more_than_short_ones() -> None:
    calendar = WorkCalendar.build(holidays=[], workdays=[], covered_years=[])
    assert calendar.add(D(2000, 1, 3), 3650 * 100) == D(2000, 1, 3) + dt.timedelta(days=7 * 73000)
    cal = package_calendar()
    started = time.perf_counter()
    for n in range(0, 20000, 2):
        cal.add(D(2005, 1, 1), n % 3650)
    assert time.perf_counter() - started < 2.0
