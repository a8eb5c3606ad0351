"""Waiting and service times of the hall (reads): per point, window, category or day.

Seed 002: "from taking a number to getting the card, ten minutes"; seed 001: "city 10 minutes,
town 30 minutes". Each figure is one aggregate query over the tickets in the caller's scope
(``wait_seconds`` and ``service_seconds`` are stored on the ticket when it is called and served,
so the same integer arithmetic runs on SQLite and PostgreSQL). The dashboard may call
``queue_figures`` as it is; the API shows it.

- waiting time: from taking the ticket to its first call, over every ticket that was called;
- service time: time at a window, from the call to the end, summed over the windows of a
  transferred ticket, over served tickets;
- within target: the share of called tickets called within ``target_minutes``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Max, Q, QuerySet
from django.utils.translation import gettext as _

from yichuang.org.models import Region, Staff
from yichuang.org.selectors import limit_to_scope
from yichuang.queue.models import (
    Appointment,
    AppointmentStatus,
    PriorityReason,
    QueueTicket,
    QueueTicketEvent,
    TicketStatus,
)

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


def _aggregates(target_minutes: int) -> dict[str, Any]:
    return {
        "taken": Count("id"),
        "called": Count("id", filter=Q(wait_seconds__isnull=False)),
        "served": Count("id", filter=Q(status=TicketStatus.SERVED)),
        "no_show": Count("id", filter=Q(status=TicketStatus.NO_SHOW)),
        "cancelled": Count("id", filter=Q(status=TicketStatus.CANCELLED)),
        "unserved": Count("id", filter=Q(status=TicketStatus.EXPIRED)),
        "priority": Count("id", filter=Q(priority=True)),
        "from_appointments": Count("id", filter=Q(priority_reason=PriorityReason.APPOINTMENT)),
        "within": Count("id", filter=Q(wait_seconds__lte=target_minutes * 60)),
        "avg_wait": Avg("wait_seconds"),
        "max_wait": Max("wait_seconds"),
        "avg_service": Avg("service_seconds", filter=Q(status=TicketStatus.SERVED)),
        "max_service": Max("service_seconds", filter=Q(status=TicketStatus.SERVED)),
    }


def _figures(key: str, name: str, row: dict[str, Any]) -> QueueFigures:
    called = row["called"] or 0
    return QueueFigures(
        key=key,
        name=name,
        taken=row["taken"] or 0,
        called=called,
        served=row["served"] or 0,
        no_show=row["no_show"] or 0,
        cancelled=row["cancelled"] or 0,
        unserved=row["unserved"] or 0,
        priority=row["priority"] or 0,
        from_appointments=row["from_appointments"] or 0,
        average_wait_minutes=_minutes(row["avg_wait"]),
        max_wait_minutes=_minutes(row["max_wait"]),
        within_target=round(row["within"] / called, 4) if called else None,
        average_service_minutes=_minutes(row["avg_service"]),
        max_service_minutes=_minutes(row["max_service"]),
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
    qs = tickets_in_scope(user).filter(day__gte=first, day__lte=last)
    appointments = limit_to_scope(
        Appointment.objects.all(), user, region_field="point__region", point_field="point"
    ).filter(day__gte=first, day__lte=last)
    if point:
        qs = qs.filter(point__code=point)
        appointments = appointments.filter(point__code=point)
    if region is not None:
        qs = qs.filter(point__region__code__startswith=region.prefix)
        appointments = appointments.filter(point__region__code__startswith=region.prefix)
    if staff is not None:
        called = QueueTicketEvent.objects.filter(actor=staff, action="call").values("ticket_id")
        qs = qs.filter(Q(served_by=staff) | Q(pk__in=called))
        appointments = appointments.none()
    report = QueueReport(first=first, last=last, by=by, target_minutes=target_minutes)
    aggregates = _aggregates(target_minutes)
    grouped = qs.filter(window__isnull=False) if by == "window" else qs
    fields = GROUPS[by]
    for row in grouped.values(*fields).annotate(**aggregates).order_by(*fields):
        key, name = _label(by, row)
        report.rows.append(_figures(key, name, row))
    if by == "window":
        report.rows.sort(key=lambda r: (r.key.split("#")[0], len(r.key), r.key))
    report.total = _figures("", _("合计"), qs.aggregate(**aggregates))
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
