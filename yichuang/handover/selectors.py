"""Reads of handover lists that check who is asking as they fetch (style.md habit 2).

Who sees a list: whoever's scope covers its sending or its receiving *point* (the clerks of that
town, the county hall, a county supervisor: ``org.selectors.limit_to_scope``), and the reviewers of
its sending or receiving *department* (like cases, a reviewer's view is his department's:
decision 13). Everyone else gets 404. Who may act is narrower: the staff *of* the unit at the
right end (``is_unit_staff``), or a platform administrator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.cases.models import Case, CaseStatus, Channel
from yichuang.cases.selectors import OPEN_STATUSES, cases_for
from yichuang.common.identity import mask_name, mask_phone
from yichuang.documents.models import Document
from yichuang.handover.models import (
    ARRIVED_STATES,
    EntryState,
    Handover,
    HandoverEntry,
    HandoverStatus,
    route_key,
)
from yichuang.handover.workflow import RECEIVER_ACTIONS, SENDER_ACTIONS, actions_from
from yichuang.org.models import Department, Role, ServicePoint, Staff
from yichuang.org.selectors import is_admin_of, limit_to_scope, scope_of
from yichuang.org.units import Unit, UnitKind

#: Roles that work at a point and hand paper over the counter (a village agent at his station too).
POINT_ROLES = {Role.WINDOW_CLERK, Role.BANK_CLERK, Role.CENTER_MANAGER, Role.VILLAGE_AGENT}
#: The paper goes to the deciding department once the case is accepted.
FORWARD_STATUSES = [CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW, CaseStatus.SUSPENDED]
#: The result (certificate, written decision) goes back once decided.
RESULT_STATUSES = [CaseStatus.APPROVED, CaseStatus.DENIED]

UNIT_RELATED = ("from_point", "from_department", "to_point", "to_department")


# ------------------------------------------------------------------------------------------ units


def unit_get(kind: str, code: str, *, field_name: str) -> Unit:
    """The point or department a client names, or a 400 on ``field_name``."""
    code = (code or "").strip()
    if kind == UnitKind.POINT:
        point = ServicePoint.objects.select_related("region").filter(code=code).first()
        if point is not None:
            return Unit(point=point)
        raise exceptions.ValidationError({field_name: [_("没有编码为 %(code)s 的服务点。") % {"code": code}]})
    if kind == UnitKind.DEPARTMENT:
        department = Department.objects.select_related("region").filter(code=code).first()
        if department is not None:
            return Unit(department=department)
        raise exceptions.ValidationError({field_name: [_("没有编码为 %(code)s 的部门。") % {"code": code}]})
    raise exceptions.ValidationError({field_name: [_("单位类型应为 point（服务点）或 department（部门）。")]})


def unit_from_ref(ref: str, *, field_name: str) -> Unit:
    """``point:CA`` or ``department:MZJ`` (as query parameters carry a unit)."""
    kind, sep, code = (ref or "").partition(":")
    if not sep or not code:
        raise exceptions.ValidationError(
            {field_name: [_("请写成 point:编码 或 department:编码，例如 department:MZJ。")]}
        )
    return unit_get(kind.strip(), code, field_name=field_name)


def is_admin(user: Any) -> bool:
    return isinstance(user, Staff) and (user.is_superuser or user.role == Role.ADMIN)


def is_unit_staff(user: Any, unit: Unit) -> bool:
    """Whether ``user`` works *in* ``unit``: a clerk (or agent) of the point, a reviewer of the department."""
    if not isinstance(user, Staff) or not user.is_active:
        return False
    if unit.point is not None:
        return user.point_id == unit.pk and user.role in POINT_ROLES
    return user.department_id == unit.pk and user.role == Role.REVIEWER


def own_unit(user: Any) -> Unit | None:
    """The unit a user sends from by default: a reviewer's department, else a clerk's point."""
    if not isinstance(user, Staff):
        return None
    if user.role == Role.REVIEWER and user.department is not None:
        return Unit(department=user.department)
    if user.role in POINT_ROLES and user.point is not None:
        return Unit(point=user.point)
    return None


def administers(user: Any, unit: Unit) -> bool:
    """An administrator acts for a unit of his own: the platform's anywhere, a county's in his county."""
    return is_admin(user) and is_admin_of(
        user, region=unit.region, point_id=unit.point.pk if unit.point else None
    )


def may_act(user: Any, handover: Handover, action: str) -> bool:
    if is_admin(user):
        return administers(user, handover.from_unit) or administers(user, handover.to_unit)
    if action in SENDER_ACTIONS:
        return is_unit_staff(user, handover.from_unit)
    if action in RECEIVER_ACTIONS:
        return is_unit_staff(user, handover.to_unit)
    return False


def may_see_contact(user: Any, handover: Handover) -> bool:
    """Whether ``user`` may read the contact's full number: the receiving unit's staff, who must call
    the sender about a file that did not arrive. Everyone else (and every list, log and print) sees it
    masked."""
    return bool(handover.contact_phone) and is_unit_staff(user, handover.to_unit)


def allowed_actions(*, user: Any, handover: Handover) -> list[str]:
    return [action for action in actions_from(handover.status) if may_act(user, handover, action)]


def relates(case: Case, unit: Unit) -> bool:
    """Whether ``unit`` is one of the places a case's paper belongs: its accepting point, the center
    that point belongs to (a village station's town center), or its handling department."""
    if unit.point is not None:
        return case.point_id == unit.pk or case.point.parent_id == unit.pk
    return case.handling_department_id == unit.pk


# ------------------------------------------------------------------------------------------ lists


def handovers_for(user: Any) -> QuerySet[Handover]:
    qs = Handover.objects.all()
    scope = scope_of(user)
    if scope.everything:
        return qs
    if isinstance(user, Staff) and user.role == Role.REVIEWER and user.department_id:
        return qs.filter(Q(from_department_id=user.department_id) | Q(to_department_id=user.department_id))
    sending = limit_to_scope(qs, user, region_field="from_point__region", point_field="from_point")
    receiving = limit_to_scope(qs, user, region_field="to_point__region", point_field="to_point")
    return sending | receiving


def with_details(qs: QuerySet[Handover]) -> QuerySet[Handover]:
    return qs.select_related(
        *UNIT_RELATED, "created_by", "sent_by", "received_by", "cancelled_by"
    ).prefetch_related(
        Prefetch(
            "entries",
            queryset=HandoverEntry.objects.select_related("case", "case__item").order_by("position", "id"),
        ),
        Prefetch("documents", queryset=Document.objects.order_by("issued_at", "id")),
    )


def handover_list(*, user: Any, filters: dict[str, Any]) -> QuerySet[Handover]:
    """Lists the user may see, newest first. ``direction`` is relative to the caller's own unit:
    ``incoming`` (to it: what waits for his confirmation) or ``outgoing`` (from it); a user without a
    unit of his own (an administrator, a supervisor) has neither."""
    qs = handovers_for(user).select_related(*UNIT_RELATED).annotate(entry_count=Count("entries"))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    direction = filters.get("direction")
    if direction:
        mine = own_unit(user)
        end = "to" if direction == "incoming" else "from"
        qs = qs.filter(**_unit_lookup(end, mine)) if mine is not None else qs.none()
    for end in ("from", "to"):
        unit = filters.get(f"{end}_unit")
        if unit is not None:
            qs = qs.filter(**_unit_lookup(end, unit))
    if filters.get("case"):
        qs = qs.filter(entries__case__number=filters["case"])
    return qs.order_by("-created_at", "-id")


def _unit_lookup(end: str, unit: Unit) -> dict[str, Any]:
    return {f"{end}_{unit.kind}_id": unit.pk}


def handover_get_for(*, user: Any, number: str, details: bool = True) -> Handover:
    """The list ``number`` if ``user`` may see it, else ``NotFound``."""
    qs = handovers_for(user).filter(number=number[:24])
    handover = (with_details(qs) if details else qs.select_related(*UNIT_RELATED)).first()
    if handover is None:
        raise exceptions.NotFound()
    return handover


# ------------------------------------------------------------------------------------- candidates


def _route_cases(source: Unit, target: Unit) -> Q | None:
    """Which cases' paper moves from ``source`` to ``target``, by the direction of the move:

    - a point → the handling department: the application file, once the case is accepted;
    - the handling department → the accepting point (or its center): the result, once decided;
    - a village station → its town center: the agent brings the paper in while the case is open;
    - a town center → one of its stations: the result goes home (送证上门) once decided.

    A unit is offered only the paper it holds. An online application has no paper until a
    clerk accepts it at its pre-review, and then the accepting center holds the print-out, so it never
    travels station → center (the agent never held it). A village station's files go to the county
    through its town center (the center sends them on), never straight from the station.
    """

    def accepted_at(point: ServicePoint) -> Q:
        return Q(point=point) | Q(point__parent=point)

    if source.point is not None and target.department is not None:
        if source.point.parent_id:
            return None
        return accepted_at(source.point) & Q(
            handling_department=target.department, status__in=FORWARD_STATUSES
        )
    if source.department is not None and target.point is not None:
        return accepted_at(target.point) & Q(
            handling_department=source.department, status__in=RESULT_STATUSES
        )
    if source.point is not None and target.point is not None:
        if source.point.parent_id == target.pk:
            return Q(point=source.point, status__in=OPEN_STATUSES) & ~Q(channel=Channel.ONLINE)
        if target.point.parent_id == source.pk:
            return Q(point=target.point, status__in=RESULT_STATUSES)
    return None


def handover_candidates(*, user: Any, target: Unit, source: Unit | None = None) -> QuerySet[Case]:
    """The caller's cases whose paper must still move from ``source`` (his own unit by default) to
    ``target``: not on an open list of this route, not already arrived there (a file reported missing
    or returned is a candidate again)."""
    source = source or own_unit(user)
    if source is None:
        raise exceptions.ValidationError({"from_unit": [_("请指定移交单位。")]})
    which = _route_cases(source, target)
    if which is None:
        return Case.objects.none()
    route = route_key(source, target)
    done = HandoverEntry.objects.filter(route=route).filter(Q(open=True) | Q(state__in=ARRIVED_STATES))
    return (
        cases_for(user)
        .filter(which)
        .exclude(pk__in=done.values("case_id"))
        .select_related("item", "point", "handling_department")
        .order_by("accepted_at", "id")
    )


@dataclass(frozen=True)
class Target:
    """A unit the caller's paper may go to, with how many files wait for it."""

    unit: Unit
    waiting: int


def handover_targets(*, user: Any) -> list[Target]:
    """Where the caller's own unit has paper to send (the handover page's "新建移交清单"): the
    handling departments of cases accepted at his point, his station's town center and the town
    center's stations; for a reviewer, the points that accepted his department's decided cases. Only
    units with at least one file waiting, by ``handover_candidates``, so the counts are the lists'."""
    source = own_unit(user)
    if source is None:
        return []
    visible = cases_for(user)
    units: list[Unit] = []
    if source.point is not None:
        point = source.point
        here = visible.filter(Q(point=point) | Q(point__parent=point), status__in=FORWARD_STATUSES)
        departments = Department.objects.filter(pk__in=here.values("handling_department_id")).select_related(
            "region"
        )
        if not point.parent_id:  # a station's files go through its town center
            units += [Unit(department=d) for d in departments.order_by("code")]
        if point.parent_id:
            units.append(Unit(point=ServicePoint.objects.select_related("region").get(pk=point.parent_id)))
        stations = ServicePoint.objects.filter(parent=point, active=True).select_related("region")
        units += [Unit(point=p) for p in stations.order_by("code")]
    else:
        decided = visible.filter(handling_department=source.department, status__in=RESULT_STATUSES)
        points = ServicePoint.objects.filter(
            Q(pk__in=decided.values("point_id")) | Q(pk__in=decided.values("point__parent_id"))
        ).select_related("region")
        units += [Unit(point=p) for p in points.order_by("code")]
    targets = [
        Target(unit, handover_candidates(user=user, target=unit, source=source).count()) for unit in units
    ]
    return [target for target in targets if target.waiting]


# ----------------------------------------------------------------------------------------- sheets


@dataclass(frozen=True)
class SheetRow:
    position: int
    case_number: str
    item_name: str
    applicant: str
    accepted_at: dt.date | None
    case_status: str
    state: str
    note: str
    receipt_note: str


@dataclass(frozen=True)
class HandoverSheet:
    """Everything a printed list shows, in the active language; personal data masked.

    ``handover_sheet`` builds it; the Excel export writes it, and the PDF (documents) will too.
    """

    number: str
    status: str
    from_unit: str
    to_unit: str
    sender: str
    contact_name: str
    contact_phone: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    receiver: str
    received_at: dt.datetime | None
    note: str
    receipt_note: str
    rows: list[SheetRow] = field(default_factory=list)

    @property
    def header(self) -> list[tuple[str, str]]:
        """Label and value of each head field, in print order."""

        def when(value: dt.datetime | None) -> str:
            return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""

        return [
            (_("清单编号"), self.number),
            (_("状态"), self.status),
            (_("移交单位"), self.from_unit),
            (_("接收单位"), self.to_unit),
            (_("移交人"), self.sender),
            (_("交接联系人"), self.contact_name),
            (_("联系电话"), self.contact_phone),
            (_("制单时间"), when(self.created_at)),
            (_("移交时间"), when(self.sent_at)),
            (_("接收人"), self.receiver),
            (_("接收确认时间"), when(self.received_at)),
            (_("备注"), self.note),
            (_("接收意见"), self.receipt_note),
        ]

    @staticmethod
    def columns() -> list[str]:
        return [
            _("序号"),
            _("办件编号"),
            _("事项"),
            _("申请人"),
            _("受理日期"),
            _("办件状态"),
            _("纸质材料状态"),
            _("移交说明"),
            _("接收说明"),
        ]


def _name(user: Staff | None) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def handover_sheet(handover: Handover) -> HandoverSheet:
    """The rows of one list for printing (Excel now, the sealed PDF of the documents app later).
    Pass a list fetched with ``with_details`` to read it in a fixed number of queries."""
    rows = [
        SheetRow(
            position=entry.position,
            case_number=entry.case.number,
            item_name=entry.case.item.name,
            applicant=mask_name(entry.case.applicant_name),
            accepted_at=timezone.localdate(entry.case.accepted_at) if entry.case.accepted_at else None,
            case_status=str(CaseStatus(entry.case.status).label),
            state=str(EntryState(entry.state).label),
            note=entry.note,
            receipt_note=entry.receipt_note,
        )
        for entry in handover.entries.all()
    ]
    return HandoverSheet(
        number=handover.number,
        status=str(HandoverStatus(handover.status).label),
        from_unit=handover.from_unit.name,
        to_unit=handover.to_unit.name,
        sender=_name(handover.sent_by or handover.created_by),
        contact_name=handover.contact_name,
        contact_phone=mask_phone(handover.contact_phone),
        created_at=handover.created_at,
        sent_at=handover.sent_at,
        receiver=_name(handover.received_by),
        received_at=handover.received_at,
        note=handover.note,
        receipt_note=handover.receipt_note,
        rows=rows,
    )
