"""What the ``chinesecalendar`` package knows (2004 to its last published year), as plain tuples.

The package is the seed, not the authority: it ends with the last schedule its maintainers
released, so later years come from an official import (``services.holidays_import``). Only the
deviations from the ordinary week are returned, since nothing else changes a count.
The seed migration imports this module, so keep it free of models and of Django.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from chinese_calendar import constants

HOLIDAY = "holiday"
WORKDAY = "workday"

# The package names holidays in English; staff and citizens read Chinese.
CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class PackageDay(NamedTuple):
    date: datetime.date
    kind: str
    name: str


def chinese_name(english: str) -> str:
    return CHINESE_NAMES.get(english, english)


def package_years() -> list[int]:
    """Every year the installed package has a schedule for (2004–2026 for chinesecalendar 1.11)."""
    return sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})


def package_deviations(year: int | None = None) -> list[PackageDay]:
    """Holidays on Monday–Friday and working weekends, in date order (optionally one year)."""
    days = [
        PackageDay(d, HOLIDAY, chinese_name(name))
        for d, name in constants.holidays.items()
        if d.weekday() < 5
    ]
    days += [
        PackageDay(d, WORKDAY, chinese_name(name))
        for d, name in constants.workdays.items()
        if d.weekday() >= 5
    ]
    if year is not None:
        days = [day for day in days if day.date.year == year]
    return sorted(days)
