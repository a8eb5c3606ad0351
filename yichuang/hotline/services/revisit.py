"""回访 and what follows an unsatisfied caller: a rectification owned by the responsible unit, and
the ticket's timeline lines as it is called back or closed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.common.errors import NotAllowed
from yichuang.hotline.models import (
    Satisfaction,
    Ticket,
    TicketStatus,
)
from yichuang.hotline.selectors import is_member
from yichuang.hotline.services.moves import _commit, _move
from yichuang.hotline.services.rules import _event, _unit_data
from yichuang.org.models import Role, Staff
from yichuang.org.units import Unit


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
