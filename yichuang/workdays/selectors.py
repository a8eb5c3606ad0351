"""Reads of the holiday calendar: working-day arithmetic for deadlines, and the stored days.

Everything here reads one compiled ``WorkCalendar`` kept in process memory. It is rebuilt when
the tables change; to notice changes made by other processes (another web worker, the import
command) a cheap marker — row counts and latest ``updated_at`` of both tables — is compared at
most once per ``WORKDAYS_RECHECK_SECONDS`` (default 1 s). Writes in this process
(``services``) drop the cache at once.

Years without an official schedule (before 2004, after the last import, 2100 …) never fail: they
count weekends only, and the functions warn with ``UncoveredYearWarning``; callers that must
show the caveat ask ``uncovered_years`` for the years a computation touched.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from yichuang.workdays.engine import UncoveredYearWarning, WorkCalendar
from yichuang.workdays.models import CalendarDay, DayKind, ScheduleYear

logger = logging.getLogger(__name__)

__all__ = [
    "UncoveredYearWarning",
    "add_workdays",
    "calendar_days_of_year",
    "current_calendar",
    "invalidate_calendar_cache",
    "is_workday",
    "uncovered_year_messages",
    "uncovered_years",
    "workdays_between",
]


@dataclass
class _Cache:
    calendar: WorkCalendar | None = None
    marker: tuple[Any, ...] | None = None
    checked_at: float = 0.0


_cache = _Cache()
_lock = threading.Lock()


def _marker() -> tuple[Any, ...]:
    days = CalendarDay.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    years = ScheduleYear.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return (days["n"], days["last"], years["n"], years["last"])


def _compile() -> WorkCalendar:
    rows = list(CalendarDay.objects.values_list("date", "kind"))
    covered = list(ScheduleYear.objects.values_list("year", flat=True))
    if not rows and not covered:
        # An empty calendar is never right: the table was flushed (a transactional test) or the
        # seed migration was faked. Counting weekends only would silently shorten every deadline
        # around Spring Festival, so fall back to the package the seed comes from.
        logger.warning("workdays tables are empty; using the chinesecalendar package directly")
        return package_calendar()
    # Days of a year without a ScheduleYear row are left out: a year being typed in day by day
    # counts weekends only (and warns) until staff mark it complete, never half a schedule.
    known = set(covered)
    rows = [(d, kind) for d, kind in rows if d.year in known]
    return WorkCalendar.build(
        holidays=[d for d, kind in rows if kind == DayKind.HOLIDAY],
        workdays=[d for d, kind in rows if kind == DayKind.WORKDAY],
        covered_years=covered,
    )


def package_calendar() -> WorkCalendar:
    """The calendar the chinesecalendar package alone describes (also the reference in tests)."""
    from yichuang.workdays.package import HOLIDAY, package_deviations, package_years

    days = package_deviations()
    return WorkCalendar.build(
        holidays=[d.date for d in days if d.kind == HOLIDAY],
        workdays=[d.date for d in days if d.kind != HOLIDAY],
        covered_years=package_years(),
    )


def current_calendar() -> WorkCalendar:
    """The compiled calendar, checked against the database at most once per recheck interval."""
    now = time.monotonic()
    interval = float(getattr(settings, "WORKDAYS_RECHECK_SECONDS", 1.0))
    cached = _cache.calendar
    if cached is not None and now - _cache.checked_at < interval:
        return cached
    with _lock:
        if _cache.calendar is not None and now - _cache.checked_at < interval:
            return _cache.calendar
        marker = _marker()
        if _cache.calendar is None or marker != _cache.marker:
            _cache.calendar = _compile()
            _cache.marker = marker
        _cache.checked_at = time.monotonic()
        return _cache.calendar


def invalidate_calendar_cache() -> None:
    """Forget the compiled calendar in this process; the next read rebuilds it."""
    with _lock:
        _cache.calendar = None
        _cache.marker = None
        _cache.checked_at = 0.0


# -- warnings about years without a schedule -------------------------------------------------


def uncovered_year_messages(years: Iterable[int]) -> list[str]:
    """One sentence per year, for API answers and notices: “2027年尚未录入…，仅按周末计算。”"""
    return [_("%(year)s年尚未录入官方节假日安排，仅按周末计算。") % {"year": year} for year in years]


def _warn(years: list[int]) -> None:
    if years:
        warnings.warn(
            UncoveredYearWarning("".join(uncovered_year_messages(years)), years),
            stacklevel=3,
        )


def uncovered_years(a: datetime.date, b: datetime.date) -> list[int]:
    """Years without an official schedule among the days d with a < d <= b.

    These are the days ``workdays_between(a, b)`` and ``add_workdays(a, n)`` (with b its result)
    look at, so a caller can show the caveat next to the deadline.
    """
    return current_calendar().uncovered_in(a, b)


# -- arithmetic ------------------------------------------------------------------------------


def is_workday(day: datetime.date) -> bool:
    """Whether ``day`` is a working day (调休上班 weekends included, public holidays excluded)."""
    calendar = current_calendar()
    _warn(calendar.uncovered_years(day.year, day.year))
    return calendar.is_workday(day)


def add_workdays(start: datetime.date, n: int) -> datetime.date:
    """The n-th working day after ``start``; ``start`` itself is not counted, n == 0 returns it.

    This is how 承诺时限/法定时限 run: a case accepted on a Friday with 3 working days is due on
    Wednesday; one accepted on the eve of Spring Festival is due after the holiday, and the make-up
    Saturday counts. Raises ``ValueError`` for negative n (deadlines only run forward) and
    ``engine.DateOutOfRange`` (a ``ValueError``) past 9999-12-31.
    """
    calendar = current_calendar()
    result = calendar.add(start, n)
    _warn(calendar.uncovered_in(start, result))
    return result


def workdays_between(
    a: datetime.date,
    b: datetime.date,
    *,
    suspended: Iterable[tuple[datetime.date, datetime.date]] = (),
) -> int:
    """Working days d with a < d <= b, minus those inside the suspended spans.

    The spans (中止/暂停计时, 听证, 专家评审 … that do not count toward the time limit) are
    inclusive at both ends and may overlap; a day is subtracted at most once. Consistent with
    ``add_workdays``: ``workdays_between(s, add_workdays(s, n)) == n``. 0 when b <= a.
    """
    calendar = current_calendar()
    _warn(calendar.uncovered_in(a, b))
    return calendar.between_suspended(a, b, suspended)


# -- the stored days -------------------------------------------------------------------------


@dataclass(frozen=True)
class YearSchedule:
    year: int
    covered: bool
    source: str | None
    published: datetime.date | None
    days: list[CalendarDay]


def calendar_days_of_year(year: int) -> YearSchedule:
    """The stored holidays and make-up days of a year, and whether its schedule is official."""
    schedule = ScheduleYear.objects.filter(year=year).first()
    days = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    return YearSchedule(
        year=year,
        covered=schedule is not None,
        source=schedule.source if schedule else None,
        published=schedule.published if schedule else None,
        days=days,
    )


# -- the yearly reminder ---------------------------------------------------------------------

#: The State Council publishes next year's schedule late in the year (2025's on 2024-11-12, 2026's
#: on 2025-11-04): from November on, a missing next year is worth a reminder to admins.
REMINDER_FROM_MONTH = 11


def schedule_reminder(today: datetime.date | None = None) -> str | None:
    """In November and December, a sentence for admins when next year's schedule is not on file."""
    from django.utils import timezone

    today = today or timezone.localdate()
    if today.month < REMINDER_FROM_MONTH:
        return None
    year = today.year + 1
    if not current_calendar().uncovered_years(year, year):
        return None
    return _(
        "%(year)s年官方节假日安排尚未录入：国务院办公厅发布通知后，请在“节假日调整 → 导入年度安排”中导入；"
        "在办办件的办结期限将自动重新计算。在此之前，%(year)s年的期限仅按周末计算。"
    ) % {"year": year}
