"""Reads of the hall that check scope as they fetch: tickets, windows, the board, appointments.

Public reads (the kiosk, the board, free slots) take a point code and show no personal data; staff
reads go through ``limit_to_scope`` and answer 404 outside the caller's scope.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from yichuang.common.identity import mobile_valid, validate_mobile
from yichuang.org.models import PointKind, Role, ServicePoint, Staff, Window, WindowKind
from yichuang.org.selectors import is_admin_of, is_platform_admin, limit_to_scope
from yichuang.queue.models import (
    Appointment,
    AppointmentSlot,
    QueueTicket,
    QueueTicketEvent,
    ServiceCategory,
    TicketStatus,
    WindowService,
)

#: How many calls the board lists besides the windows' current ones.
BOARD_RECENT = 8
#: How many announcements one board answer carries at most (a board that was off catches up on the
#: last ones, not on the whole morning).
BOARD_ANNOUNCEMENTS = 5


# —— points and categories ————————————————————————————————————————————————————————————————————


def queue_point(code: str) -> ServicePoint:
    """The point whose queue a public page or a kiosk uses. A self-service kiosk (自助终端) queues
    for the hall or center it stands in."""
    point = (
        ServicePoint.objects.select_related("parent", "region").filter(code=code[:20], active=True).first()
    )
    if point is None:
        raise NotFound(_("没有这个服务点。"))
    if point.kind == PointKind.KIOSK and point.parent is not None:
        return point.parent
    return point


def categories_offered(point: ServicePoint) -> QuerySet[ServiceCategory]:
    """Categories some active window of the point takes tickets for, in display order."""
    return (
        ServiceCategory.objects.filter(
            active=True,
            window_services__window__point=point,
            window_services__window__active=True,
        )
        .distinct()
        .order_by("order", "letter")
    )


def waiting_counts(point: ServicePoint, day: dt.date) -> dict[int, int]:
    """Waiting tickets by category id."""
    rows = (
        QueueTicket.objects.filter(point=point, day=day, status=TicketStatus.WAITING)
        .values("category_id")
        .annotate(n=Count("id"))
    )
    return {row["category_id"]: row["n"] for row in rows}


def ahead_of(ticket: QueueTicket) -> int:
    """Waiting tickets of the same category that will be called before this one (an estimate: a
    comprehensive window may call another category first)."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    before = Q(queued_at__lt=ticket.queued_at) | Q(queued_at=ticket.queued_at, id__lt=ticket.pk)
    if not ticket.priority:
        before = Q(priority=True) | (Q(priority=False) & before)
    else:
        before = Q(priority=True) & before
    return (
        QueueTicket.objects.filter(
            point_id=ticket.point_id,
            day=ticket.day,
            category_id=ticket.category_id,
            status=TicketStatus.WAITING,
        )
        .filter(before)
        .exclude(pk=ticket.pk)
        .count()
    )


# —— windows and who may call ——————————————————————————————————————————————————————————————————

#: Roles that work a window: they take tickets for people, call, serve and check appointments in.
CALLING_ROLES = {Role.WINDOW_CLERK, Role.BANK_CLERK, Role.CENTER_MANAGER, Role.ADMIN}


def may_operate(user: Any, point_id: int) -> bool:
    """Whether a user may call and serve at a point: its own staff with a window role, or an admin.
    Staff whose scope only lets them read (a supervisor, a clerk of another point) may not."""
    if not isinstance(user, Staff) or not user.is_authenticated:
        return False
    if is_platform_admin(user):
        return True
    if user.role == Role.ADMIN:  # a county's administrator, at the points of his county
        point = ServicePoint.objects.select_related("region").filter(pk=point_id).first()
        return point is not None and is_admin_of(user, region=point.region, point_id=point.pk)
    return user.role in CALLING_ROLES and user.point_id == point_id


def _in_queue_scope(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """The queue of the points in ``user``'s scope, except for a reviewer of a department: his scope
    region is where his department works (a county bureau's: the whole county), but he takes no
    numbers and sees only the cases his department handles, so of the queue he sees his own point's
    — not the phone numbers of every town's visitors (issue 15, the scope matrix)."""
    if isinstance(user, Staff) and user.role == Role.REVIEWER and user.department_id:
        return queryset.filter(point_id=user.point_id) if user.point_id else queryset.none()
    return limit_to_scope(queryset, user, region_field="point__region", point_field="point")


def windows_for(user: Any) -> QuerySet[Window]:
    return _in_queue_scope(Window.objects.select_related("point"), user)


def window_get_for(*, user: Any, pk: int) -> Window:
    window = windows_for(user).filter(pk=pk).first()
    if window is None:
        raise NotFound(_("没有这个窗口。"))
    return window


def window_categories(window: Window) -> list[int]:
    return list(WindowService.objects.filter(window=window).values_list("category_id", flat=True))


def waiting_for_window(window: Window, day: dt.date) -> QuerySet[QueueTicket]:
    """The tickets a window may call, in calling order: those transferred to it first, then
    priority tickets (老年人, 残疾人, 预约签到), then by the time they joined the queue.

    A comprehensive window (综合受理窗口) takes every category of its point; a dedicated window
    (专业窗口) only its own. A ticket transferred to another window waits for that window only."""
    mine = Q(transfer_to__isnull=True)
    if window.kind != WindowKind.COMPREHENSIVE:
        mine &= Q(category_id__in=WindowService.objects.filter(window=window).values("category_id"))
    return (
        QueueTicket.objects.filter(point_id=window.point_id, day=day, status=TicketStatus.WAITING)
        .filter(Q(transfer_to=window) | mine)
        .annotate(
            rank=Case(When(transfer_to=window, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("rank", "-priority", "queued_at", "id")
    )


def current_ticket(window: Window, day: dt.date) -> QueueTicket | None:
    return (
        QueueTicket.objects.select_related("category")
        .filter(window=window, day=day, status=TicketStatus.CALLED)
        .order_by("-called_at")
        .first()
    )


# —— tickets ———————————————————————————————————————————————————————————————————————————————————


def tickets_for(user: Any) -> QuerySet[QueueTicket]:
    return _in_queue_scope(
        QueueTicket.objects.select_related("point", "category", "window", "transfer_to"), user
    )


def ticket_list(*, user: Any, filters: dict[str, Any]) -> QuerySet[QueueTicket]:
    qs = tickets_for(user).filter(day=filters.get("day") or timezone.localdate())
    if filters.get("point"):
        qs = qs.filter(point__code=filters["point"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(category__code=filters["category"])
    return qs.order_by("point", "queued_at", "id")


def ticket_get_for(*, user: Any, pk: int) -> QueueTicket:
    ticket = tickets_for(user).filter(pk=pk).prefetch_related("cases").first()
    if ticket is None:
        raise NotFound(_("没有这个排队号。"))
    return ticket


# —— the display board ——————————————————————————————————————————————————————————————————————————


@dataclass
class BoardCall:
    event: int
    number: str
    window: str
    window_name: str
    category: str
    at: dt.datetime
    text: str


@dataclass
class BoardQueue:
    code: str
    letter: str
    name: str
    waiting: int


@dataclass
class Board:
    point: ServicePoint
    now: dt.datetime
    current: list[BoardCall] = field(default_factory=list)
    recent: list[BoardCall] = field(default_factory=list)
    queues: list[BoardQueue] = field(default_factory=list)
    announcements: list[BoardCall] = field(default_factory=list)
    last_event: int = 0


def speech(number: str, window: str) -> str:
    """The sentence the hall's speaker reads (and the board shows): 请A023号到3号窗口办理."""
    return _("请%(number)s号到%(window)s号窗口办理") % {"number": number, "window": window}


def _call(event: QueueTicketEvent) -> BoardCall:
    window = event.window
    number = window.number if window is not None else ""
    return BoardCall(
        event=event.pk,
        number=event.ticket.number,
        window=number,
        window_name=window.name if window is not None else "",
        category=event.ticket.category.name,
        at=event.at,
        text=speech(event.ticket.number, number),
    )


def board(*, point: ServicePoint, after: int | None = None) -> Board:
    """What the hall's screen shows: each window's current number, the last calls, how many wait in
    each queue, and the calls to announce since the board's last poll (``after``: the last event id
    it has seen; none on its first poll, so it does not replay the morning)."""
    now = timezone.now()
    day = timezone.localdate(now)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    calls = QueueTicketEvent.objects.filter(
        point=point, action__in=["call", "recall"], at__gte=start
    ).select_related("ticket__category", "window")
    recent_events = list(calls.order_by("-id")[:BOARD_RECENT])
    result = Board(point=point, now=now)
    result.last_event = recent_events[0].pk if recent_events else 0
    seen: set[int] = set()
    for event in recent_events:
        if event.ticket_id in seen:
            continue
        seen.add(event.ticket_id)
        result.recent.append(_call(event))
    current = (
        QueueTicket.objects.filter(point=point, day=day, status=TicketStatus.CALLED)
        .select_related("window", "category")
        .order_by("window__number")
    )
    for ticket in current:
        window = ticket.window
        if window is None:
            continue
        result.current.append(
            BoardCall(
                event=0,
                number=ticket.number,
                window=window.number,
                window_name=window.name,
                category=ticket.category.name,
                at=ticket.called_at or now,
                text=speech(ticket.number, window.number),
            )
        )
    result.current.sort(key=lambda c: (len(c.window), c.window))
    if after is not None:
        fresh = list(calls.filter(id__gt=after).order_by("-id")[:BOARD_ANNOUNCEMENTS])
        result.announcements = [_call(e) for e in reversed(fresh)]
    counts = waiting_counts(point, day)
    result.queues = [
        BoardQueue(code=c.code, letter=c.letter, name=c.name, waiting=counts.get(c.pk, 0))
        for c in categories_offered(point)
    ]
    return result


# —— appointments ——————————————————————————————————————————————————————————————————————————————


def appointments_for(user: Any) -> QuerySet[Appointment]:
    return _in_queue_scope(Appointment.objects.select_related("point", "category", "ticket"), user)


def appointment_list(*, user: Any, filters: dict[str, Any]) -> QuerySet[Appointment]:
    qs = appointments_for(user).filter(day=filters.get("day") or timezone.localdate())
    if filters.get("point"):
        qs = qs.filter(point__code=filters["point"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(category__code=filters["category"])
    return qs.order_by("day", "start", "id")


def appointment_get_for(*, user: Any, reference: str) -> Appointment:
    found = appointments_for(user).filter(reference=reference.strip().upper()[:12]).first()
    if found is None:
        raise NotFound(_("没有这个预约。"))
    return found


def appointment_find(*, reference: str, phone: str) -> Appointment:
    """An appointment for the citizen who booked it: the reference and the phone used; a wrong phone
    answers exactly like an unknown reference, so references cannot be probed."""
    found = (
        Appointment.objects.select_related("point", "category", "ticket")
        .filter(reference=reference.strip().upper()[:12])
        .first()
    )
    normalised = validate_mobile(phone) if mobile_valid(phone) else phone.strip()
    if found is None or not hmac.compare_digest(found.phone.encode(), normalised.encode()):
        raise NotFound(_("没有这个预约。"))
    return found


def slots_open(
    *, point: ServicePoint, category: ServiceCategory | None, first: dt.date, last: dt.date
) -> QuerySet[AppointmentSlot]:
    """Slots between two days, in time order; today's only those not begun yet."""
    now = timezone.localtime()
    qs = (
        AppointmentSlot.objects.filter(point=point, day__gte=first, day__lte=last, category__active=True)
        .filter(closed=False)
        .select_related("category")
        .exclude(day=now.date(), start__lte=now.time())
    )
    if category is not None:
        qs = qs.filter(category=category)
    return qs.order_by("day", "start", "category__order")
