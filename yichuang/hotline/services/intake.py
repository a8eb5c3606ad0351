"""登记 and what an operator looks up while registering: the case and the staff member a call is
about, and the caller's full number for someone who must call back (each disclosure recorded)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.cases.models import Case
from yichuang.common.errors import Invalid
from yichuang.hotline.models import (
    CallerContactAccess,
    Category,
    Ticket,
    TicketChannel,
    TicketSource,
    TicketStatus,
    TicketType,
    TimeLimit,
)
from yichuang.hotline.selectors import is_operator, may_contact
from yichuang.hotline.services.moves import ticket_dispatch
from yichuang.hotline.services.rules import _event, _next_number, deadline, validate_caller_phone
from yichuang.org.models import Department, Region, ServicePoint, Staff
from yichuang.org.selectors import scope_of
from yichuang.org.units import Unit

# —— intake ———————————————————————————————————————————————————————————————————————————————


@transaction.atomic
def ticket_create(
    *,
    actor: Staff,
    type: str,
    category: Category,
    region: Region,
    title: str,
    content: str,
    caller_phone: str,
    caller_name: str = "",
    address: str = "",
    channel: str = TicketChannel.PHONE,
    source: str = TicketSource.HOTLINE_12345,
    case: Case | None = None,
    subject_staff: Staff | None = None,
    urgent: bool = False,
    confidential: bool | None = None,
    dispatch: bool = False,
    target: Unit | None = None,
    note: str = "",
) -> Ticket:
    """登记: an operator records a call. The time limit comes from the category (or is urgent when
    the operator says so) and is fixed now: later returns and transfers do not restart the clock.
    With ``dispatch`` (or a ``target``) the ticket goes at once to ``target`` or to the unit the
    routing rules name.
    A report (举报) is confidential unless the operator says otherwise.
    ``source`` is the hotline it came in on (12345, 12315, 12369); ``case`` and ``subject_staff`` name
    the case and the staff member it is about (found in the operator's scope by ``ticket_subject``)."""
    if not is_operator(actor):
        raise exceptions.PermissionDenied(_("只有12345热线坐席可以登记工单。"))
    errors: dict[str, list[str]] = {}
    if type not in TicketType.values:
        errors["type"] = [_("诉求类型不正确。")]
    if channel not in TicketChannel.values:
        errors["channel"] = [_("来源渠道不正确。")]
    if source not in TicketSource.values:
        errors["source"] = [_("受理热线应为12345、12315或12369。")]
    if not category.active:
        errors["category"] = [_("该诉求分类已停用。")]
    if not scope_of(actor).covers(region=region, point_id=None):
        errors["region"] = [_("事发地不在您的受理范围内。")]
    title = (title or "").strip()
    content = (content or "").strip()
    if not title:
        errors["title"] = [_("请填写标题。")]
    if not content:
        errors["content"] = [_("请填写诉求内容。")]
    try:
        caller_phone = validate_caller_phone(caller_phone)
    except DjangoValidationError as exc:
        errors["caller_phone"] = list(exc.messages)
    if errors:
        raise exceptions.ValidationError(errors)

    now = timezone.now()
    limit = TimeLimit.URGENT if urgent else category.effective_time_limit()
    ticket = Ticket.objects.create(
        number=_next_number(timezone.localdate(now)),
        type=type,
        category=category,
        time_limit=limit,
        status=TicketStatus.REGISTERED,
        channel=channel,
        source=source,
        case=case,
        subject_staff=subject_staff,
        region=region,
        address=(address or "").strip(),
        title=title,
        content=content,
        caller_name=(caller_name or "").strip(),
        caller_phone=caller_phone,
        confidential=(type == TicketType.REPORT) if confidential is None else confidential,
        created_by=actor,
        created_at=now,
        due_at=deadline(limit, now),
    )
    about: dict[str, Any] = {"source": source}
    if case is not None:
        about["case"] = case.number
    if subject_staff is not None:
        about["staff"] = subject_staff.get_full_name() or subject_staff.username
    _event(ticket, action="register", actor=actor, from_status="", note=note, time_limit=limit, **about)
    if dispatch or target is not None:
        # The dispatched row, not the registered one: the caller sees where the ticket went.
        ticket = ticket_dispatch(ticket=ticket, actor=actor, target=target)
    return ticket


def ticket_subject(
    *, actor: Staff, case_number: str = "", staff_username: str = ""
) -> tuple[Case | None, Staff | None]:
    """The case and the staff member a ticket names, each found within ``actor``'s scope (a case he
    may not see, or staff outside his region, answers 422 as if unknown)."""
    from yichuang.cases.selectors import cases_for

    case: Case | None = None
    staff: Staff | None = None
    errors: dict[str, list[str]] = {}
    case_number = (case_number or "").strip()
    if case_number:
        case = cases_for(actor).filter(number=case_number[:24]).select_related("handling_department").first()
        if case is None:
            errors["case"] = [_("没有这个办件，或不在您的受理范围内。")]
    staff_username = (staff_username or "").strip()
    if staff_username:
        staff = (
            Staff.objects.filter(username=staff_username[:150], is_active=True)
            .select_related("point__region", "department__region", "region")
            .first()
        )
        scope = scope_of(actor)
        place = _staff_region(staff) if staff is not None else None
        if staff is None or place is None or not scope.covers(region=place, point_id=staff.point_id):
            errors["staff"] = [_("没有这名工作人员，或不在您的受理范围内。")]
            staff = None
    if errors:
        raise Invalid(_("请核对工单涉及的办件或工作人员。"), fields=errors)
    return case, staff


def _staff_region(staff: Staff) -> Region | None:
    unit: ServicePoint | Department | None = staff.point or staff.department
    if unit is not None:
        return unit.region
    return staff.region


@transaction.atomic
def ticket_contact(*, ticket: Ticket, actor: Staff, purpose: str = "") -> str:
    """The caller's full number for someone who must call back; each disclosure is recorded."""
    if not may_contact(actor, ticket):
        raise exceptions.PermissionDenied(_("您无权查看该来电人的完整号码。"))
    CallerContactAccess.objects.create(ticket=ticket, actor=actor, purpose=(purpose or "").strip()[:100])
    return str(ticket.caller_phone)
