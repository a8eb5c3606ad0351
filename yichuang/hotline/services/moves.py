"""Every move of the transitions table after registration: lock the row, check the table, the actor
and the row version, change the row and write its timeline line in one transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.common.errors import Conflict, Invalid, NotAllowed
from yichuang.hotline.models import (
    Ticket,
    TicketStatus,
)
from yichuang.hotline.selectors import may_act, route_for
from yichuang.hotline.services.rules import _action_label, _event, _require, _unit_data
from yichuang.hotline.workflow import next_status
from yichuang.org.models import Staff
from yichuang.org.units import Unit

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
