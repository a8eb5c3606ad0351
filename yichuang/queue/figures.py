"""Waiting and service times of the hall (reads): per point, window, category or day.

Seed 002: "from taking a number to getting the card, ten minutes"; seed 001: "city 10 minutes,
town 30 minutes". The figures add up partial sums (counts, seconds, maxima) from two sources: the
monthly rollup ``QueueMonthFigure`` for the whole months the nightly close has summed
(``queue.rollup``; the current month up to yesterday), and the tickets themselves for the rest —
today, a part of a month, any day not yet summed. A clerk's own figures, figures by day and a
target other than the default are always read from the tickets. (``wait_seconds``
and ``service_seconds`` are stored on the ticket when it is called and served, so the same integer
arithmetic runs on SQLite and PostgreSQL.) The dashboard and the API show ``queue_figures``.

- waiting time: from taking the ticket to its first call, over every ticket that was called;
- service time: time at a window, from the call to the end, summed over the windows of a
  transferred ticket, over served tickets;
- within target: the share of called tickets called within ``target_minutes``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from yichuang.org.models import Region, Staff
from yichuang.org.selectors import limit_to_scope
from yichuang.queue.models import (
    Appointment,
    AppointmentStatus,
    PriorityReason,
    QueueMonthFigure,
    QueueRollupState,
    QueueTicket,
    QueueTicketEvent,
    TicketStatus,
)
from yichuang.workdays.calendar import month_end, next_month

GROUPS: dict[str, list[str]] = {
    "point": ["point__code", "point__name"],
    "window": ["window__point__code", "window__number", "window__name"],
    "category": ["category__code", "category__letter", "category__name"],
    "day": ["day"],
}
DEFAULT_TARGET_MINUTES = 10


@dataclass
class QueueFigures:
    key: str
    name: str
    taken: int = 0
    called: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    unserved: int = 0
    priority: int = 0
    from_appointments: int = 0
    average_wait_minutes: float | None = None
    max_wait_minutes: float | None = None
    within_target: float | None = None
    average_service_minutes: float | None = None
    max_service_minutes: float | None = None


@dataclass
class AppointmentFigures:
    booked: int = 0
    checked_in: int = 0
    cancelled: int = 0
    missed: int = 0
    #: checked in / (checked in + missed): how many booked places were honoured
    show_rate: float | None = None


@dataclass
class QueueReport:
    first: dt.date
    last: dt.date
    by: str
    target_minutes: int
    rows: list[QueueFigures] = field(default_factory=list)
    total: QueueFigures = field(default_factory=lambda: QueueFigures(key="", name=""))
    appointments: AppointmentFigures = field(default_factory=AppointmentFigures)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


#: Partial figures that add up across tickets, rollup rows and groups (the maxima take the larger);
#: named as the columns of ``QueueMonthFigure``, which stores them.
PARTIAL_SUMS = (
    "taken",
    "called",
    "served",
    "no_show",
    "cancelled",
    "unserved",
    "priority",
    "from_appointments",
    "within_target",
    "wait_sum",
    "service_sum",
    "service_count",
)
PARTIAL_MAXIMA = ("max_wait", "max_service")


def ticket_aggregates(target_minutes: int) -> dict[str, Any]:
    """The partial figures of tickets."""
    served = Q(status=TicketStatus.SERVED)
    return {
        "taken": Count("id"),
        "called": Count("id", filter=Q(wait_seconds__isnull=False)),
        "served": Count("id", filter=served),
        "no_show": Count("id", filter=Q(status=TicketStatus.NO_SHOW)),
        "cancelled": Count("id", filter=Q(status=TicketStatus.CANCELLED)),
        "unserved": Count("id", filter=Q(status=TicketStatus.EXPIRED)),
        "priority": Count("id", filter=Q(priority=True)),
        "from_appointments": Count("id", filter=Q(priority_reason=PriorityReason.APPOINTMENT)),
        "within_target": Count("id", filter=Q(wait_seconds__lte=target_minutes * 60)),
        "wait_sum": Sum("wait_seconds"),
        "max_wait": Max("wait_seconds"),
        "service_sum": Sum("service_seconds", filter=served),
        "service_count": Count("service_seconds", filter=served),
        "max_service": Max("service_seconds", filter=served),
    }


#: The same partial figures from ``QueueMonthFigure`` rows (their ``within_target`` is for the default).
ROLLUP_AGGREGATES: dict[str, Any] = {
    **{name: Sum(name) for name in PARTIAL_SUMS},
    "max_wait": Max("max_wait"),
    "max_service": Max("max_service"),
}


def add_partial(into: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    for name in PARTIAL_SUMS:
        into[name] = (into.get(name) or 0) + (row.get(name) or 0)
    for name in PARTIAL_MAXIMA:
        values = [v for v in (into.get(name), row.get(name)) if v is not None]
        into[name] = max(values) if values else None
    return into


def _figures(key: str, name: str, row: dict[str, Any]) -> QueueFigures:
    called = row.get("called") or 0
    served_timed = row.get("service_count") or 0
    return QueueFigures(
        key=key,
        name=name,
        taken=row.get("taken") or 0,
        called=called,
        served=row.get("served") or 0,
        no_show=row.get("no_show") or 0,
        cancelled=row.get("cancelled") or 0,
        unserved=row.get("unserved") or 0,
        priority=row.get("priority") or 0,
        from_appointments=row.get("from_appointments") or 0,
        average_wait_minutes=_minutes(row["wait_sum"] / called) if called else None,
        max_wait_minutes=_minutes(row.get("max_wait")),
        within_target=round((row.get("within_target") or 0) / called, 4) if called else None,
        average_service_minutes=_minutes(row["service_sum"] / served_timed) if served_timed else None,
        max_service_minutes=_minutes(row.get("max_service")),
    )


def _label(by: str, row: dict[str, Any]) -> tuple[str, str]:
    if by == "point":
        return row["point__code"], row["point__name"]
    if by == "window":
        return (
            f"{row['window__point__code']}#{row['window__number']}",
            _("%(number)s号窗口 %(name)s") % {"number": row["window__number"], "name": row["window__name"]},
        )
    if by == "category":
        return row["category__code"], f"{row['category__letter']} {row['category__name']}"
    return row["day"].isoformat(), row["day"].isoformat()


def rolled_up_to() -> dt.date | None:
    """The last day summed in ``QueueMonthFigure`` (None before the first nightly rollup)."""
    return QueueRollupState.objects.filter(pk=1).values_list("last_day", flat=True).first()


def summed_months(
    first: dt.date, last: dt.date, rolled: dt.date
) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]] | None:
    """The months whose rollup rows lie wholly inside ``first``–``last`` (a month's row holds its
    days up to ``rolled``), and the days they cover; None when no month fits."""
    month = first.replace(day=1)
    if month < first:
        month = next_month(month)
    months: list[dt.date] = []
    while month <= rolled and min(month_end(month), rolled) <= last:
        months.append(month)
        month = next_month(month)
    if not months:
        return None
    return (months[0], months[-1]), (months[0], min(month_end(months[-1]), rolled))


def tickets_in_scope(user: Any) -> QuerySet[QueueTicket]:
    return limit_to_scope(QueueTicket.objects.all(), user, region_field="point__region", point_field="point")


def queue_figures(
    *,
    user: Any,
    first: dt.date,
    last: dt.date,
    by: str = "point",
    point: str = "",
    target_minutes: int = DEFAULT_TARGET_MINUTES,
    region: Region | None = None,
    staff: Staff | None = None,
) -> QueueReport:
    """Figures of the tickets taken from ``first`` to ``last`` (inclusive) in the user's scope,
    optionally at one point, in one region, or of one member of staff, grouped ``by`` point, window,
    category or day, with the total.

    A member of staff's tickets are those he called or served (a transferred ticket counts for each
    clerk it went through). Appointments are made with a point, not a person: none are his."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    tickets = tickets_in_scope(user)
    appointments = limit_to_scope(
        Appointment.objects.all(), user, region_field="point__region", point_field="point"
    ).filter(day__gte=first, day__lte=last)
    rollup = limit_to_scope(
        QueueMonthFigure.objects.all(), user, region_field="point__region", point_field="point"
    )
    if point:
        tickets, rollup = tickets.filter(point__code=point), rollup.filter(point__code=point)
        appointments = appointments.filter(point__code=point)
    if region is not None:
        tickets = tickets.filter(point__region__code__startswith=region.prefix)
        rollup = rollup.filter(point__region__code__startswith=region.prefix)
        appointments = appointments.filter(point__region__code__startswith=region.prefix)
    if staff is not None:
        called = QueueTicketEvent.objects.filter(actor=staff, action="call").values("ticket_id")
        tickets = tickets.filter(Q(served_by=staff) | Q(pk__in=called))
        appointments = appointments.none()
    sources: list[tuple[QuerySet[Any], dict[str, Any]]] = []
    rolled = None
    if staff is None and by != "day" and target_minutes == DEFAULT_TARGET_MINUTES:
        rolled = rolled_up_to()
    summed = summed_months(first, last, rolled) if rolled is not None else None
    raw_days = [(first, last)]
    if summed is not None and rolled is not None:
        (first_month, last_month), (summed_from, summed_to) = summed
        # Each month's rows in the version that matches the state just read (queue.rollup keeps it
        # while a newer one is written), so a rollup committing meanwhile never counts a day twice.
        versions, month = Q(), first_month
        while month <= last_month:
            versions |= Q(month=month, through=min(month_end(month), rolled))
            month = next_month(month)
        sources.append((rollup.filter(versions), ROLLUP_AGGREGATES))
        raw_days = [(first, summed_from - dt.timedelta(days=1)), (summed_to + dt.timedelta(days=1), last)]
    for raw_first, raw_last in raw_days:
        if raw_first <= raw_last:
            days = tickets.filter(day__gte=raw_first, day__lte=raw_last)
            sources.append((days, ticket_aggregates(target_minutes)))
    report = QueueReport(first=first, last=last, by=by, target_minutes=target_minutes)
    fields = GROUPS[by]
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    total: dict[str, Any] = {}
    for qs, aggregates in sources:
        grouped = qs.filter(window__isnull=False) if by == "window" else qs
        for row in grouped.values(*fields).annotate(**aggregates).order_by():
            group = tuple(row[f] for f in fields)
            if group in groups:
                add_partial(groups[group], row)
            else:
                groups[group] = dict(row)
        add_partial(total, qs.aggregate(**aggregates))
    for group in sorted(groups):
        key, name = _label(by, groups[group])
        report.rows.append(_figures(key, name, groups[group]))
    if by == "window":
        report.rows.sort(key=lambda r: (r.key.split("#")[0], len(r.key), r.key))
    report.total = _figures("", _("合计"), total)
    counts = {
        row["status"]: row["n"] for row in appointments.values("status").annotate(n=Count("id")).order_by()
    }
    shown = counts.get(AppointmentStatus.CHECKED_IN, 0)
    missed = counts.get(AppointmentStatus.MISSED, 0)
    report.appointments = AppointmentFigures(
        booked=sum(counts.values()),
        checked_in=shown,
        cancelled=counts.get(AppointmentStatus.CANCELLED, 0),
        missed=missed,
        show_rate=round(shown / (shown + missed), 4) if shown + missed else None,
    )
    return report
