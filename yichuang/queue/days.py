"""What kind of day a date is for opening hours: a working day, an ordinary weekend, or a holiday.

The holiday calendar (``yichuang.workdays``) answers only "working day or not". A Saturday inside
the National Day week is not a working day, and neither is an ordinary Saturday, but a hall that
opens on weekends (延时服务) stays closed on the first and opens on the second. The State Council's
schedules always give a holiday as one unbroken run of days off that holds at least one weekday
(国庆节 10月1日至8日, 端午节 a Friday to a Sunday …), while an ordinary weekend is a run of two
days off with no weekday in it. So a day off is a holiday when its run of days off holds a
weekday; that needs nothing but ``is_workday``.
"""

from __future__ import annotations

import datetime as dt
import warnings
from enum import StrEnum

from yichuang.workdays.calendar import UncoveredYearWarning, is_workday

#: No holiday run is longer than this (Spring Festival with the weekends around it: 9 days).
LONGEST_RUN = 12


class DayType(StrEnum):
    WORKDAY = "workday"
    REST_DAY = "rest_day"
    HOLIDAY = "holiday"


def _workday(day: dt.date) -> bool:
    # A year without an official schedule counts weekends only; slots for it are still offered
    # (the workdays app warns elsewhere), so the warning is not repeated for every day here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UncoveredYearWarning)
        return is_workday(day)


def day_type(day: dt.date) -> DayType:
    if _workday(day):
        return DayType.WORKDAY
    if day.weekday() < 5:
        return DayType.HOLIDAY
    one = dt.timedelta(days=1)
    for step in (-one, one):
        other = day + step
        for _ in range(LONGEST_RUN):
            if _workday(other):
                break
            if other.weekday() < 5:
                return DayType.HOLIDAY
            other += step
    return DayType.REST_DAY
