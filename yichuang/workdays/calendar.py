"""The deadline (and month) arithmetic under one short name: ``from yichuang.workdays.calendar import add_workdays``.

The implementation lives in ``engine`` (pure arithmetic) and ``selectors`` (the cached calendar
read from the database); this module only gathers the public names.
"""

from yichuang.workdays.engine import DateOutOfRange, UncoveredYearWarning, WorkCalendar, month_end, next_month
from yichuang.workdays.selectors import (
    add_workdays,
    current_calendar,
    invalidate_calendar_cache,
    is_workday,
    uncovered_year_messages,
    uncovered_years,
    workdays_between,
)

__all__ = [
    "DateOutOfRange",
    "UncoveredYearWarning",
    "WorkCalendar",
    "add_workdays",
    "current_calendar",
    "invalidate_calendar_cache",
    "is_workday",
    "month_end",
    "next_month",
    "uncovered_year_messages",
    "uncovered_years",
    "workdays_between",
]
