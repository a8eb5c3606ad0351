"""Writes to 12345 tickets: intake by an operator and every action of the transitions table.

Each function runs in one transaction, locks the ticket row, checks the move against
``workflow.TRANSITIONS`` and the actor's right to make it (``selectors.may_act``), changes the row
and writes a ``TicketEvent`` (who, when, from, to, note) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from rest_framework import exceptions

from yichuang.cases.models import Case
from yichuang.common.errors import Conflict, Invalid, NotAllowed
from yichuang.common.identity import validate_mobile
from yichuang.common.sequences import sequence_next
from yichuang.hotline.models import (
    HOURS,
    LIMITS,
    CallerContactAccess,
    Category,
    Satisfaction,
    Ticket,
    TicketChannel,
    TicketEvent,
    TicketSequence,
    TicketSource,
    TicketStatus,
    TicketType,
    TimeLimit,
)
from yichuang.hotline.selectors import is_member, is_operator, may_act, may_contact, route_for
from yichuang.hotline.workflow import next_status
from yichuang.org.models import Department, Region, Role, ServicePoint, Staff
from yichuang.org.selectors import scope_of
from yichuang.org.units import Unit
from yichuang.workdays.calendar import add_workdays

# —— small rules ——————————————————————————————————————————————————————————————————————————

_LANDLINE = re.compile(r"^0[1-9][0-9]{8,10}$")  # area code (3–4 digits with the 0) + 7–8 digits
_SEPARATORS = re.compile(r"[\s\-()（）]")


def validate_caller_phone(value: str) -> str:
    """A mainland mobile number, or a landline with its area code (callers ring from both);
    returned without separators."""
    try:
        return validate_mobile(value)
    except DjangoValidationError:
        pass
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "").strip())
    if _LANDLINE.match(digits):
        return digits
    raise DjangoValidationError(_("请输入有效的手机号码或带区号的固定电话。"), code="invalid_phone")


def deadline(limit: str, start: dt.datetime) -> dt.datetime:
    """When a ticket registered at ``start`` under ``limit`` is due.

    Hours run on the clock (2 hours, 24 hours); days are working days (7, 15) counted with
    ``add_workdays`` from the day of registration (not counted itself), and end at midnight of the
    last one: a call on a Friday afternoon with 7 working days is due at the end of the Tuesday after
    next; one on the eve of the Spring Festival is due after the holiday.
    """
    rule = LIMITS[TimeLimit(limit)]
    if rule.unit == HOURS:
        return start + dt.timedelta(hours=rule.amount)
    last_day = add_workdays(timezone.localdate(start), rule.amount)
    return timezone.make_aware(dt.datetime.combine(last_day, dt.time.max))


def _next_number(day: dt.date) -> str:
    """``RX`` + date + a per-day sequence (RX20261121-0012): short enough to read out on the
    phone (``common.sequences``: two operators never draw the same number)."""
    return f"RX{day:%Y%m%d}-{sequence_next(TicketSequence, day=day):04d}"


def _unit_data(unit: Unit | None) -> dict[str, str]:
    if unit is None:
        return {"kind": "hotline", "code": "", "name": _("12345热线")}
    return {"kind": unit.kind, "code": unit.code, "name": unit.name}


def _event(
    ticket: Ticket, *, action: str, actor: Staff, from_status: str, note: str = "", **data: Any
) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        actor=actor,
        actor_name=actor.get_full_name() or actor.username,
        from_status=from_status,
        to_status=ticket.status,
        note=note,
        data=data,
    )


def _require(value: str, field_name: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise exceptions.ValidationError({field_name: [message]})
    return value


def _action_label(action: str) -> str:
    """The action in “工单当前状态为…，不能%(action)s。” (a context of its own: the same words are
    labels elsewhere)."""
    labels = {
        "dispatch": pgettext("工单操作", "派单"),
        "reassign": pgettext("工单操作", "改派"),
        "answer": pgettext("工单操作", "直接答复"),
        "cancel": pgettext("工单操作", "作废"),
        "accept": pgettext("工单操作", "签收"),
        "return": pgettext("工单操作", "退回"),
        "transfer": pgettext("工单操作", "转办"),
        "reply": pgettext("工单操作", "答复"),
        "close": pgettext("工单操作", "办结"),
        "redo": pgettext("工单操作", "退回重办"),
        "revisit": pgettext("工单操作", "回访"),
    }
    return labels.get(action, action)


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


# —— moves ————————————————————————————————————————————————————————————————————————————————


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related(
            "category",
            "region",
            "responsible_department",
            "responsible_point",
            "assigned_department",
            "assigned_point",
        )
        .get(pk=ticket.pk)
    )


def _move(ticket: Ticket, *, actor: Staff, action: str, row_version: int | None = None) -> tuple[Ticket, str]:
    """Lock the row, check the table, the actor and the optional row version; return the locked
    ticket (already in its new status) and its previous status. The caller finishes with ``_commit``."""
    locked = _locked(ticket)
    if row_version is not None and row_version != locked.row_version:
        raise Conflict(_("工单已被他人处理，请刷新后重试。"), code="stale")
    target = next_status(locked.status, action)
    if target is None:
        raise NotAllowed(
            _("工单当前状态为“%(status)s”，不能%(action)s。")
            % {"status": TicketStatus(locked.status).label, "action": _action_label(action)}
        )
    if not may_act(actor, locked, action):
        raise exceptions.PermissionDenied(_("您无权对此工单执行该操作。"))
    previous = locked.status
    locked.status = target
    return locked, previous


def _commit(
    ticket: Ticket, *, actor: Staff, action: str, previous: str, note: str = "", **data: Any
) -> Ticket:
    ticket.row_version += 1
    ticket.save()
    _event(ticket, action=action, actor=actor, from_status=previous, note=note, **data)
    return ticket


def _resolve_target(ticket: Ticket, target: Unit | None) -> tuple[Unit, int | None]:
    if target is not None:
        return target, None
    rule = route_for(category=ticket.category, region=ticket.region)
    if rule is None:
        raise Invalid(
            _("没有适用于“%(category)s”和%(region)s的派单规则，请指定承办单位。")
            % {"category": ticket.category.name, "region": ticket.region.name},
            fields={"department": [_("请指定承办部门或承办服务点。")]},
            code="no_route",
        )
    return rule.unit, rule.pk


@transaction.atomic
def ticket_dispatch(
    *,
    ticket: Ticket,
    actor: Staff,
    target: Unit | None = None,
    note: str = "",
    row_version: int | None = None,
) -> Ticket:
    """派单 to ``target``, or to the unit the routing rules name for the category and region."""
    ticket, previous = _move(ticket, actor=actor, action="dispatch", row_version=row_version)
    unit, rule = _resolve_target(ticket, target)
    ticket.assigned_unit = unit
    ticket.dispatched_at = timezone.now()
    return _commit(
        ticket,
        actor=actor,
        action="dispatch",
        previous=previous,
        note=note,
        to_unit=_unit_data(unit),
        rule=rule,
    )


@transaction.atomic
def ticket_reassign(
    *,
    ticket: Ticket,
    actor: Staff,
    target: Unit | None,
    reason: str,
    note: str = "",
    row_version: int | None = None,
) -> Ticket:
    """改派: the hotline sends a returned (or not yet signed) ticket to another unit, with a reason."""
    reason = _require(reason, "reason", _("改派须说明理由。"))
    if target is None:
        raise exceptions.ValidationError({"department": [_("改派须指定承办部门或承办服务点。")]})
    ticket, previous = _move(ticket, actor=actor, action="reassign", row_version=row_version)
    before = ticket.assigned_unit
    if before is not None and before == target:
        raise Invalid(
            _("工单已派给该单位，请选择其他承办单位。"), fields={"department": [_("与原单位相同。")]}
        )
    ticket.assigned_unit = target
    ticket.dispatched_at = timezone.now()
    return _commit(
        ticket,
        actor=actor,
        action="reassign",
        previous=previous,
        note=note or reason,
        reason=reason,
        from_unit=_unit_data(before) if before else None,
        to_unit=_unit_data(target),
    )


@transaction.atomic
def ticket_accept(*, ticket: Ticket, actor: Staff, note: str = "", row_version: int | None = None) -> Ticket:
    """签收: the assigned unit takes the ticket and becomes responsible for it (首接负责)."""
    ticket, previous = _move(ticket, actor=actor, action="accept", row_version=row_version)
    unit = ticket.assigned_unit
    before = ticket.responsible_unit
    ticket.responsible_unit = unit
    ticket.assigned_unit = None
    ticket.accepted_at = timezone.now()
    return _commit(
        ticket,
        actor=actor,
        action="accept",
        previous=previous,
        note=note,
        unit=_unit_data(unit),
        from_unit=_unit_data(before) if before else None,
    )


@transaction.atomic
def ticket_return(
    *, ticket: Ticket, actor: Staff, reason: str, note: str = "", row_version: int | None = None
) -> Ticket:
    """退回: the assigned unit says the ticket is not its business, with a reason. It goes back to
    whoever holds it: the hotline (to reassign) or the responsible unit that tried to transfer it."""
    reason = _require(reason, "reason", _("退回须说明理由。"))
    ticket, previous = _move(ticket, actor=actor, action="return", row_version=row_version)
    unit = ticket.assigned_unit
    ticket.assigned_unit = None
    return _commit(
        ticket,
        actor=actor,
        action="return",
        previous=previous,
        note=note or reason,
        reason=reason,
        unit=_unit_data(unit),
        back_to=_unit_data(ticket.responsible_unit),
    )


@transaction.atomic
def ticket_transfer(
    *,
    ticket: Ticket,
    actor: Staff,
    target: Unit | None,
    reason: str,
    note: str = "",
    row_version: int | None = None,
) -> Ticket:
    """转办: the responsible unit asks another unit to take the ticket; it stays responsible until
    that unit signs for it (首接负责)."""
    reason = _require(reason, "reason", _("转办须说明理由。"))
    if target is None:
        raise exceptions.ValidationError({"department": [_("转办须指定承办部门或承办服务点。")]})
    ticket, previous = _move(ticket, actor=actor, action="transfer", row_version=row_version)
    if ticket.responsible_unit == target:
        raise Invalid(_("不能转办给本单位。"), fields={"department": [_("与责任单位相同。")]})
    ticket.assigned_unit = target
    return _commit(
        ticket,
        actor=actor,
        action="transfer",
        previous=previous,
        note=note or reason,
        reason=reason,
        to_unit=_unit_data(target),
    )


@transaction.atomic
def ticket_reply(
    *, ticket: Ticket, actor: Staff, reply: str, note: str = "", row_version: int | None = None
) -> Ticket:
    """答复: the responsible unit reports what it did and what it told the caller. Its time is the
    one 按时办结 is judged by."""
    reply = _require(reply, "reply", _("请填写答复内容。"))
    ticket, previous = _move(ticket, actor=actor, action="reply", row_version=row_version)
    ticket.reply = reply
    ticket.replied_at = timezone.now()
    return _commit(ticket, actor=actor, action="reply", previous=previous, note=note or reply)


@transaction.atomic
def ticket_answer(
    *, ticket: Ticket, actor: Staff, reply: str, note: str = "", row_version: int | None = None
) -> Ticket:
    """直接答复办结: the operator answered the caller (a consultation the knowledge base covers)."""
    reply = _require(reply, "reply", _("请填写答复内容。"))
    ticket, previous = _move(ticket, actor=actor, action="answer", row_version=row_version)
    now = timezone.now()
    ticket.reply = reply
    ticket.replied_at = now
    ticket.closed_at = now
    return _commit(ticket, actor=actor, action="answer", previous=previous, note=note or reply)


@transaction.atomic
def ticket_close(*, ticket: Ticket, actor: Staff, note: str = "", row_version: int | None = None) -> Ticket:
    """办结: the operator accepts the unit's reply."""
    ticket, previous = _move(ticket, actor=actor, action="close", row_version=row_version)
    ticket.closed_at = timezone.now()
    return _commit(ticket, actor=actor, action="close", previous=previous, note=note)


@transaction.atomic
def ticket_redo(
    *, ticket: Ticket, actor: Staff, reason: str, note: str = "", row_version: int | None = None
) -> Ticket:
    """退回重办: the reply does not answer the request; the responsible unit works on (the clock
    was never stopped, and the next reply is the one that counts)."""
    reason = _require(reason, "reason", _("退回重办须说明理由。"))
    ticket, previous = _move(ticket, actor=actor, action="redo", row_version=row_version)
    ticket.replied_at = None
    return _commit(ticket, actor=actor, action="redo", previous=previous, note=note or reason, reason=reason)


@transaction.atomic
def ticket_cancel(
    *, ticket: Ticket, actor: Staff, reason: str, note: str = "", row_version: int | None = None
) -> Ticket:
    """作废: a duplicate or invalid call (not counted in the figures)."""
    reason = _require(reason, "reason", _("作废须说明理由。"))
    ticket, previous = _move(ticket, actor=actor, action="cancel", row_version=row_version)
    return _commit(
        ticket, actor=actor, action="cancel", previous=previous, note=note or reason, reason=reason
    )


def _rectification_unit(ticket: Ticket) -> Unit | None:
    """The unit responsible for putting right what the caller is unhappy with: the handling unit of
    the case the ticket names, else the unit of the staff member it names, else the unit that
    handled the ticket (its responsible unit). ``None`` when the operators answered it themselves."""
    if ticket.case_id is not None and ticket.case is not None:
        return Unit(department=ticket.case.handling_department)
    staff = ticket.subject_staff
    if staff is not None:
        if staff.department_id is not None:
            return Unit(department=staff.department)
        if staff.point_id is not None:
            return Unit(point=staff.point)
    return ticket.responsible_unit


def _rectification_owner(unit: Unit, ticket: Ticket, fallback: Staff) -> Staff:
    """The named owner: the head of the unit (a point's 中心负责人; a department's first reviewer), else
    the staff member the ticket names if he works there, else the operator who revisited."""
    people = Staff.objects.filter(is_active=True).order_by("id")
    if unit.point is not None:
        head = people.filter(point=unit.point, role=Role.CENTER_MANAGER).first()
    else:
        head = people.filter(department=unit.department, role=Role.REVIEWER).first()
    if head is not None:
        return head
    if ticket.subject_staff is not None and is_member(ticket.subject_staff, unit):
        return ticket.subject_staff
    return fallback


def _unsettled_rectification(ticket: Ticket) -> bool:
    from yichuang.ratings.models import Rectification, RectificationStatus

    return Rectification.objects.filter(ticket=ticket).exclude(status=RectificationStatus.CLOSED).exists()


@transaction.atomic
def ticket_revisit(
    *, ticket: Ticket, actor: Staff, satisfaction: str, note: str = "", row_version: int | None = None
) -> Ticket:
    """回访: the operator calls the caller back and records the satisfaction.

    An unsatisfied revisit opens a rectification (整改, the ratings app's, as a bad rating does) owned
    by the unit responsible (``_rectification_unit``), due in 5 working days. When it is closed the
    operator revisits again (the ticket's satisfaction is then the latest revisit's); unsatisfied
    again, another rectification opens. A revisit while a rectification is open is a 409."""
    from yichuang.ratings.services import rectification_open_for_ticket

    if satisfaction not in Satisfaction.values:
        raise exceptions.ValidationError(
            {"satisfaction": [_("满意度应为 satisfied、basically_satisfied 或 unsatisfied。")]}
        )
    ticket, previous = _move(ticket, actor=actor, action="revisit", row_version=row_version)
    if previous == TicketStatus.REVISITED:
        if ticket.satisfaction != Satisfaction.UNSATISFIED:
            raise NotAllowed(_("该工单已回访，来电人满意，无需再次回访。"))
        if _unsettled_rectification(ticket):
            raise NotAllowed(_("该工单的整改尚未办结，整改办结后再回访。"))
    ticket.satisfaction = satisfaction
    ticket.revisit_note = (note or "").strip()
    ticket.revisited_at = timezone.now()
    action = "revisit" if previous != TicketStatus.REVISITED else "revisit_again"
    _commit(ticket, actor=actor, action=action, previous=previous, note=note, satisfaction=satisfaction)
    if satisfaction == Satisfaction.UNSATISFIED:
        unit = _rectification_unit(ticket)
        if unit is None:
            # Answered by the operators themselves: the hotline works on it again as a new call.
            return ticket
        owner = _rectification_owner(unit, ticket, actor)
        rectification = rectification_open_for_ticket(ticket=ticket, unit=unit, owner=owner)
        _event(
            ticket,
            action="rectify_open",
            actor=actor,
            from_status=ticket.status,
            note=_("回访不满意，转%(unit)s整改，期限%(due)s")
            % {"unit": unit.name, "due": rectification.due_date.isoformat()},
            rectification=rectification.pk,
            unit=_unit_data(unit),
            owner=owner.get_full_name() or owner.username,
            due_date=rectification.due_date.isoformat(),
        )
    return ticket


def ticket_rectification_event(*, rectification: Any, action: str, actor: Staff, note: str) -> None:
    """A line on the ticket's timeline when its rectification is called back or closed (called by the
    ratings services in their transaction; the ticket's status does not change)."""
    ticket = rectification.ticket
    _event(
        ticket,
        action=action,
        actor=actor,
        from_status=ticket.status,
        note=note,
        rectification=rectification.pk,
    )


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
