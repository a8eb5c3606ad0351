"""Is a point open now, and if not, when does it open next (办公时间)?

A point's hours are its ``OpeningHours`` lines, read by kind of day (``queue.days``: a working day
as the holiday calendar says, an ordinary weekend, a statutory holiday). A point without active
lines has no hours on record and counts as always open, as before hours existed; the kiosk then
gives numbers at any time. A period runs from its start up to, not including, its end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from yichuang.org.models import ServicePoint
from yichuang.queue.days import DayType, day_type
from yichuang.queue.models import OpeningHours, ScheduleDays
from yichuang.workdays.models import WEEKDAY_NAMES

#: Which kinds of day a line's ``days`` covers (the appointment schedules read them the same way).
APPLIES: dict[str, set[DayType]] = {
    ScheduleDays.WORKDAYS: {DayType.WORKDAY},
    ScheduleDays.REST_DAYS: {DayType.REST_DAY},
    ScheduleDays.HOLIDAYS: {DayType.HOLIDAY},
    ScheduleDays.EVERY_DAY: {DayType.WORKDAY, DayType.REST_DAY, DayType.HOLIDAY},
}
#: How far ahead the next opening is looked for: the Spring Festival closes a hall for nine days.
HORIZON_DAYS = 31


@dataclass(frozen=True)
class Opening:
    """``open`` now or not; ``opens_at``: the next opening when closed (None when open, or when no
    line opens within ``HORIZON_DAYS``); ``closes_at``: the end of the current period when open."""

    open: bool
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None


def _lines(point: ServicePoint) -> list[OpeningHours]:
    return list(OpeningHours.objects.filter(point=point, active=True).order_by("start", "id"))


def periods_on(lines: list[OpeningHours], day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """The periods of ``day``, by start."""
    kind = day_type(day)
    return sorted(
        (line.start, line.end)
        for line in lines
        if kind in APPLIES[line.days] and line.applies_on_weekday(day.isoweekday())
    )


def _aware(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def opening(point: ServicePoint, now: dt.datetime | None = None) -> Opening | None:
    """Whether ``point`` is open at ``now`` (default: now); None when it has no hours on record."""
    lines = _lines(point)
    if not lines:
        return None
    local = timezone.localtime(now or timezone.now())
    today, clock = local.date(), local.time()
    todays = periods_on(lines, today)
    ends = [end for start, end in todays if start <= clock < end]
    if ends:
        # Touching periods (8:30-12:00 and 12:00-14:30, 中午不打烊) make one stretch.
        close = max(ends)
        for start, end in todays:
            if start <= close < end:
                close = end
        return Opening(open=True, closes_at=_aware(today, close))
    later = [start for start, _end in todays if start > clock]
    if later:
        return Opening(open=False, opens_at=_aware(today, min(later)))
    for ahead in range(1, HORIZON_DAYS + 1):
        day = today + dt.timedelta(days=ahead)
        periods = periods_on(lines, day)
        if periods:
            return Opening(open=False, opens_at=_aware(day, periods[0][0]))
    return Opening(open=False)


def _clock(time: dt.time) -> str:
    return f"{time.hour}:{time.minute:02d}"


def when_text(moment: dt.datetime, now: dt.datetime | None = None) -> str:
    """今天 14:30 / 明天（周一）8:30 / 10月18日（周日）9:00, in the hall's time zone."""
    local = timezone.localtime(moment)
    today = timezone.localtime(now or timezone.now()).date()
    day = local.date()
    weekday = WEEKDAY_NAMES[day.weekday()]
    if day == today:
        return _("今天 %(time)s") % {"time": _clock(local.time())}
    if day == today + dt.timedelta(days=1):
        return _("明天（%(weekday)s）%(time)s") % {"weekday": weekday, "time": _clock(local.time())}
    return _("%(month)d月%(day)d日（%(weekday)s）%(time)s") % {
        "month": day.month,
        "day": day.day,
        "weekday": weekday,
        "time": _clock(local.time()),
    }


def closed_message(point: ServicePoint, state: Opening, now: dt.datetime | None = None) -> str:
    """The sentence the kiosk shows when the point is closed."""
    if state.opens_at is None:
        return _("%(point)s现在不在办公时间，暂停取号。") % {"point": point.name}
    return _("%(point)s现在不在办公时间，暂停取号。下次开始办理：%(when)s。") % {
        "point": point.name,
        "when": when_text(state.opens_at, now),
    }
