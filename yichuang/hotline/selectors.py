"""Reads of 12345 tickets that check scope as they fetch (style.md habit 2), the routing rule for a
ticket, who may do what, and the figures 按时办结率, 回访率, 满意率 (one aggregate query each).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound

from yichuang.hotline.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    SATISFIED_LEVELS,
    Category,
    RoutingRule,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from yichuang.hotline.workflow import (
    ASSIGNED_UNIT_ACTIONS,
    OPERATOR_ACTIONS,
    RESPONSIBLE_UNIT_ACTIONS,
    actions_from,
)
from yichuang.org.models import PREFIX_LENGTH, Region, RegionLevel, Role, Staff
from yichuang.org.selectors import scope_of
from yichuang.org.units import Unit

OPERATE_PERMISSION = "hotline.operate_ticket"
#: The holder of a ticket no unit has signed for (and of tickets the operators answered themselves).
HOTLINE_NAME = _("12345热线")

# —— who may do what ——————————————————————————————————————————————————————————————————————


def is_admin(user: Any) -> bool:
    return isinstance(user, Staff) and (user.is_superuser or user.role == Role.ADMIN)


def is_operator(user: Any) -> bool:
    """A 12345 operator (坐席): holds the ``operate_ticket`` permission (the demo's group
    “12345热线坐席”), or is an administrator."""
    return (
        isinstance(user, Staff) and user.is_active and (is_admin(user) or user.has_perm(OPERATE_PERMISSION))
    )


def is_member(user: Any, unit: Unit | None) -> bool:
    """Whether ``user`` works for ``unit``: staff of the department, or staff at the service point."""
    if unit is None or not isinstance(user, Staff):
        return False
    if unit.department is not None:
        return user.department_id is not None and user.department_id == unit.department.pk
    return unit.point is not None and user.point_id is not None and user.point_id == unit.point.pk


def _in_region_scope(user: Any, ticket: Ticket) -> bool:
    return scope_of(user).covers(region=ticket.region, point_id=None)


def may_act(user: Any, ticket: Ticket, action: str) -> bool:
    """Whether ``user`` may take ``action`` on ``ticket`` (the transitions table is checked apart)."""
    if is_admin(user):
        return _in_region_scope(user, ticket)  # a county's administrator: his county's tickets
    if action in OPERATOR_ACTIONS:
        return is_operator(user) and _in_region_scope(user, ticket)
    if action in ASSIGNED_UNIT_ACTIONS:
        return is_member(user, ticket.assigned_unit)
    if action in RESPONSIBLE_UNIT_ACTIONS:
        return is_member(user, ticket.responsible_unit)
    return False


#: While the responsible unit works on a ticket, its staff may need to call the caller back.
CALLBACK_STATUSES = (TicketStatus.PROCESSING, TicketStatus.TRANSFERRING, TicketStatus.REPLIED)


def may_contact(user: Any, ticket: Ticket) -> bool:
    """Who may read the caller's full number: operators (they call back and revisit) and, unless the
    caller asked for confidentiality (举报 by default), the staff of the responsible unit while
    they handle it."""
    if is_operator(user) and _in_region_scope(user, ticket):
        return True
    if ticket.confidential:
        return False
    return ticket.status in CALLBACK_STATUSES and is_member(user, ticket.responsible_unit)


def allowed_actions(*, user: Any, ticket: Ticket) -> list[str]:
    return [action for action in actions_from(ticket.status) if may_act(user, ticket, action)]


# —— scope ————————————————————————————————————————————————————————————————————————————————


def _unit_q(user: Staff) -> Q | None:
    """Tickets that wait with, or are held by, the user's own department or service point."""
    parts: list[Q] = []
    if user.department_id:
        parts.append(
            Q(responsible_department_id=user.department_id) | Q(assigned_department_id=user.department_id)
        )
    if user.point_id:
        parts.append(Q(responsible_point_id=user.point_id) | Q(assigned_point_id=user.point_id))
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def tickets_for(user: Any) -> QuerySet[Ticket]:
    """Tickets a user may see: an admin all; a back-office reviewer those of his department (as for
    cases, decision 13); everyone else those of his region (a town's staff: the town's tickets)
    and those waiting with or held by his own department or point."""
    qs = Ticket.objects.all()
    if not isinstance(user, Staff) or not user.is_authenticated:
        return qs.none()
    scope = scope_of(user)
    if scope.everything:
        return qs
    units = _unit_q(user)
    if user.role == Role.REVIEWER and user.department_id and not is_operator(user):
        return qs.filter(units) if units is not None else qs.none()
    condition = units
    if scope.region is not None:
        in_region = Q(region__code__startswith=scope.region.prefix)
        condition = in_region if condition is None else in_region | condition
    return qs.filter(condition) if condition is not None else qs.none()


_UNIT_FIELDS = ("responsible_department", "responsible_point", "assigned_department", "assigned_point")


def ticket_list(*, user: Any, filters: dict[str, Any]) -> QuerySet[Ticket]:
    qs = tickets_for(user).select_related("category", "region", "case", *_UNIT_FIELDS)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("type"):
        qs = qs.filter(type=filters["type"])
    if filters.get("source"):
        qs = qs.filter(source=filters["source"])
    if filters.get("case"):
        qs = qs.filter(case__number=filters["case"])
    if filters.get("category"):
        qs = qs.filter(category__code__startswith=filters["category"])
    if filters.get("overdue"):
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    if filters.get("mine") and isinstance(user, Staff):
        units = _unit_q(user)
        qs = qs.filter(units) if units is not None else qs.none()
    return qs.order_by("-created_at", "-id")


def with_details(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    from yichuang.ratings.models import Rectification

    return qs.select_related("category", "region", "case", "subject_staff", *_UNIT_FIELDS).prefetch_related(
        Prefetch("events", queryset=TicketEvent.objects.order_by("at", "id")),
        Prefetch(
            "rectifications",
            queryset=Rectification.objects.select_related(
                "owner", "owner_department", "owner_point"
            ).order_by("created_at", "id"),
        ),
    )


def ticket_get_for(*, user: Any, number: str, details: bool = True) -> Ticket:
    """The ticket ``number`` if ``user`` may see it, else ``NotFound`` (out of scope looks unknown)."""
    qs = tickets_for(user).filter(number=number[:24])
    ticket = (with_details(qs) if details else qs.select_related("region")).first()
    if ticket is None:
        raise NotFound()
    return ticket


# —— categories and routing ———————————————————————————————————————————————————————————————


def categories() -> QuerySet[Category]:
    return Category.objects.filter(active=True).select_related("parent").order_by("code")


def region_chain_codes(region: Region) -> list[str]:
    """The division codes of ``region`` and every region above it (prefixes padded with zeros)."""
    significant = PREFIX_LENGTH[RegionLevel(region.level)]
    return [region.code[:n].ljust(12, "0") for n in sorted(set(PREFIX_LENGTH.values())) if n <= significant]


def route_for(*, category: Category, region: Region) -> RoutingRule | None:
    """The routing rule for a ticket of ``category`` in ``region``: among the active rules for the
    category or one of its parents (or for every category) and for the region or a region above
    it, the highest priority, then the deepest category, then the smallest region."""
    chain = [c.pk for c in category.ancestors()]
    depth = {pk: len(chain) - index for index, pk in enumerate(chain)}
    rules = list(
        RoutingRule.objects.filter(active=True, region__code__in=region_chain_codes(region))
        .filter(Q(category__isnull=True) | Q(category_id__in=chain))
        .select_related("region", "department", "point")
    )
    if not rules:
        return None

    def rank(rule: RoutingRule) -> tuple[int, int, int, int]:
        return (
            rule.priority,
            depth.get(rule.category_id, 0) if rule.category_id else 0,
            PREFIX_LENGTH[RegionLevel(rule.region.level)],
            -rule.pk,
        )

    return max(rules, key=rank)


# —— figures ——————————————————————————————————————————————————————————————————————————————

PERIODS = ("day", "month", "year")


@dataclass(frozen=True)
class UnitRef:
    kind: str  # "department", "point", or "hotline" (tickets no unit has signed for)
    code: str
    name: str


@dataclass(frozen=True)
class Figures:
    """Tickets registered in a period (cancelled ones left out) and what became of them.

    - ``due``: tickets that should be closed by now (closed, or still open past their due time);
    - ``closed_on_time``: closed, with the reply (or the operator's direct answer) by the due time;
    - 按时办结率 = closed_on_time / due; 回访率 = revisited / closed; 满意率 = (满意 + 基本满意) / revisited.
    A rate is ``None`` when its denominator is zero.
    """

    period: dt.date | None
    unit: UnitRef | None
    received: int
    closed: int
    closed_on_time: int
    overdue_open: int
    revisited: int
    satisfied: int
    #: the hotline (12345, 12315, 12369) when grouped by it
    source: str | None = None

    @property
    def due(self) -> int:
        return self.closed + self.overdue_open

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.closed_on_time, self.due)

    @property
    def revisit_rate(self) -> float | None:
        return _rate(self.revisited, self.closed)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.revisited)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def ticket_figures(
    *,
    user: Any,
    start: dt.date,
    end: dt.date,
    period: str | None = "month",
    by_unit: bool = False,
    by_source: bool = False,
    now: dt.datetime | None = None,
    within: Q | None = None,
) -> list[Figures]:
    """按时办结率, 回访率 and 满意率 of the tickets registered from ``start`` to ``end`` (local dates,
    both included) that ``user`` may see, per ``period`` (day, month, year, or ``None`` for the whole
    span) and, with ``by_unit``, per responsible unit, with ``by_source`` per hotline (12345, 12315, 12369); ``within`` narrows them further. One aggregate query, grouped in the database."""
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS} or None")
    now = now or timezone.now()
    qs = tickets_for(user).filter(
        created_at__gte=_local_midnight(start), created_at__lt=_local_midnight(end + dt.timedelta(days=1))
    )
    qs = qs.exclude(status=TicketStatus.CANCELLED)
    if within is not None:  # one unit of the dashboard: a region, a point
        qs = qs.filter(within)
    group: list[str] = []
    if period is not None:
        qs = qs.annotate(bucket=Trunc("created_at", period, tzinfo=timezone.get_current_timezone()))
        group.append("bucket")
    if by_source:
        group.append("source")
    if by_unit:
        group += [
            "responsible_department__code",
            "responsible_department__name",
            "responsible_point__code",
            "responsible_point__name",
        ]
    done = Q(status__in=DONE_STATUSES)
    counts = {
        "received": Count("id"),
        "closed": Count("id", filter=done),
        "closed_on_time": Count("id", filter=done & Q(replied_at__lte=F("due_at"))),
        "overdue_open": Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        "revisited": Count("id", filter=Q(status=TicketStatus.REVISITED)),
        "satisfied": Count("id", filter=Q(status=TicketStatus.REVISITED, satisfaction__in=SATISFIED_LEVELS)),
    }
    if not group:
        total = qs.aggregate(**counts)
        return [_figures(total, period=None, by_unit=False)] if total["received"] else []
    rows = qs.values(*group).annotate(**counts).order_by(*group)
    return [_figures(row, period=period, by_unit=by_unit) for row in rows]


def _figures(row: dict[str, Any], *, period: str | None, by_unit: bool) -> Figures:
    bucket = row.get("bucket")
    if isinstance(bucket, dt.datetime):
        bucket = timezone.localtime(bucket).date() if timezone.is_aware(bucket) else bucket.date()
    unit: UnitRef | None = None
    if by_unit:
        if row["responsible_department__code"]:
            unit = UnitRef(
                "department", row["responsible_department__code"], row["responsible_department__name"]
            )
        elif row["responsible_point__code"]:
            unit = UnitRef("point", row["responsible_point__code"], row["responsible_point__name"])
        else:
            unit = UnitRef("hotline", "", str(HOTLINE_NAME))
    return Figures(
        period=bucket if period is not None else None,
        unit=unit,
        received=row["received"],
        closed=row["closed"],
        closed_on_time=row["closed_on_time"],
        overdue_open=row["overdue_open"],
        revisited=row["revisited"],
        satisfied=row["satisfied"],
        source=row.get("source"),
    )
