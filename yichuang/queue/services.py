"""Writes of the queue: take a ticket (取号), call the next one (叫号), recall, serve, no-show,
transfer, requeue, cancel, link the cases a ticket produced.

Each function runs in one transaction and writes a ``QueueTicketEvent``. Numbers come from a counter row
locked for the transaction, so two kiosks never print the same number. Calling locks the window row
(one clerk per window at a time) and claims the first waiting ticket with ``SELECT … FOR UPDATE
SKIP LOCKED`` plus a conditional ``UPDATE … WHERE status = 'waiting'``: two windows calling at the
same moment get two different tickets (on SQLite the write lock taken at ``BEGIN IMMEDIATE`` does
the same).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied

from yichuang.cases.models import Case
from yichuang.common.errors import Conflict, Invalid, NotAllowed
from yichuang.common.identity import birth_date_from_id, validate_mobile
from yichuang.common.sequences import sequence_next
from yichuang.org.models import ServicePoint, Staff, Window
from yichuang.queue.hours import closed_message, opening
from yichuang.queue.models import (
    PriorityReason,
    QueueTicket,
    QueueTicketEvent,
    QueueTicketSequence,
    ServiceCategory,
    TicketSource,
    TicketStatus,
)
from yichuang.queue.selectors import categories_offered, current_ticket, may_operate, waiting_for_window
from yichuang.queue.workflow import ACTION_LABELS, next_status

#: 老年人权益保障法: citizens from 60 are elderly; halls give them priority (老年人优先窗口).
ELDERLY_AGE = 60
#: Attempts to claim a ticket when another window took the chosen one between read and update.
CLAIM_ATTEMPTS = 5


class QueueEmpty(Conflict):
    default_code = "queue_empty"


class PointClosed(Conflict):
    default_code = "point_closed"


def _now() -> dt.datetime:
    return timezone.now()


def _age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _next_sequence(point: ServicePoint, day: dt.date, category: ServiceCategory) -> int:
    """The next number of a queue; the counter row stays locked until the caller's transaction ends
    (``common.sequences``)."""
    return sequence_next(QueueTicketSequence, point=point, day=day, category=category)


def _event(
    ticket: QueueTicket,
    *,
    action: str,
    actor: Staff | None,
    from_status: str,
    at: dt.datetime,
    window: Window | None = None,
    **data: Any,
) -> QueueTicketEvent:
    return QueueTicketEvent.objects.create(
        ticket=ticket,
        point_id=ticket.point_id,
        at=at,
        action=action,
        window=window,
        actor=actor,
        from_status=from_status,
        to_status=ticket.status,
        data=data,
    )


def _priority(*, reason: str, id_number: str, day: dt.date) -> str:
    """The priority reason after the optional ID check: an ID of someone 60 or older gives the
    elderly priority by itself; claiming it with a younger person's ID is refused. The ID number is
    only read here, never stored."""
    if reason not in (PriorityReason.NONE, PriorityReason.ELDERLY, PriorityReason.DISABLED):
        raise Invalid(_("优先类型不正确。"), fields={"priority": [_("应为 elderly、disabled 或留空。")]})
    if not id_number:
        return reason
    try:
        born = birth_date_from_id(id_number)
    except DjangoValidationError as exc:
        raise Invalid(_("身份证号码有误。"), fields={"id_number": list(exc.messages)}) from exc
    elderly = _age_on(born, day) >= ELDERLY_AGE
    if reason == PriorityReason.ELDERLY and not elderly:
        raise Invalid(
            _("身份证显示未满%(age)d周岁，不能取老年人优先号。") % {"age": ELDERLY_AGE},
            fields={"priority": [_("未满%(age)d周岁。") % {"age": ELDERLY_AGE}]},
        )
    if elderly and reason == PriorityReason.NONE:
        return PriorityReason.ELDERLY
    return reason


def ticket_take(
    *,
    point: ServicePoint,
    category: ServiceCategory,
    source: str,
    priority: str = "",
    phone: str = "",
    id_number: str = "",
    actor: Staff | None = None,
) -> QueueTicket:
    """取号: a readable number (letter of the category + the day's sequence, A023) at a point.

    A kiosk ticket needs no login; a clerk may take one for someone at the window (in his point);
    checking an appointment in takes a priority ticket (``source=appointment``). A category no
    window of the point serves is refused, except for appointments, which the point promised.
    Outside the point's opening hours (``queue.hours``) the kiosk gives no number and says when
    the point opens; a clerk at his window and a checked-in appointment still get one.
    """
    if source not in TicketSource.values:
        raise Invalid(_("取号方式不正确。"), fields={"source": [_("取号方式不正确。")]})
    if actor is not None and source == TicketSource.CLERK and not may_operate(actor, point.pk):
        raise PermissionDenied(_("只能为本服务点取号。"))
    if not category.active:
        raise Invalid(_("该业务类别已停用。"), fields={"category": [_("已停用。")]})
    if source != TicketSource.APPOINTMENT and not categories_offered(point).filter(pk=category.pk).exists():
        raise Invalid(
            _("%(point)s 暂不办理“%(category)s”类业务。") % {"point": point.name, "category": category.name},
            fields={"category": [_("该服务点没有办理此类业务的窗口。")]},
        )
    now = _now()
    if source == TicketSource.KIOSK:
        state = opening(point, now)
        if state is not None and not state.open:
            raise PointClosed(closed_message(point, state, now))
    number_phone = ""
    if phone:
        try:
            number_phone = validate_mobile(phone)
        except DjangoValidationError as exc:
            raise Invalid(_("手机号码有误。"), fields={"phone": list(exc.messages)}) from exc
    day = timezone.localdate(now)
    reason: str
    if source == TicketSource.APPOINTMENT:
        reason = PriorityReason.APPOINTMENT
    else:
        reason = _priority(reason=priority or "", id_number=(id_number or "").strip(), day=day)
    with transaction.atomic():
        sequence = _next_sequence(point, day, category)
        ticket = QueueTicket.objects.create(
            point=point,
            day=day,
            category=category,
            sequence=sequence,
            number=f"{category.letter}{sequence:03d}",
            source=source,
            priority=bool(reason),
            priority_reason=reason,
            phone=number_phone,
            taken_at=now,
            queued_at=now,
            taken_by=actor if source != TicketSource.KIOSK else None,
        )
        _event(ticket, action="take", actor=actor, from_status="", at=now, source=source)
    return ticket


def _check_operator(actor: Staff, point_id: int) -> None:
    if not may_operate(actor, point_id):
        raise PermissionDenied(_("只能在本服务点的窗口操作。"))


def _locked(ticket: QueueTicket) -> QueueTicket:
    return (
        QueueTicket.objects.select_for_update(of=("self",))
        .select_related("category", "window")
        .get(pk=ticket.pk)
    )


def _move(ticket: QueueTicket, *, actor: Staff, action: str) -> tuple[QueueTicket, str, str]:
    """Lock the row and check the table and the actor; return the locked ticket, its status before
    and the status after."""
    _check_operator(actor, ticket.point_id)
    locked = _locked(ticket)
    target = next_status(locked.status, action)
    if target is None:
        raise NotAllowed(
            _("%(number)s号当前状态为“%(status)s”，不能%(action)s。")
            % {
                "number": locked.number,
                "status": TicketStatus(locked.status).label,
                "action": ACTION_LABELS[action],
            }
        )
    return locked, locked.status, target


def _seconds(since: dt.datetime | None, until: dt.datetime) -> int:
    if since is None:
        return 0
    return max(int((until - since).total_seconds()), 0)


def _sms_called(ticket: QueueTicket, window: Window) -> None:
    if not ticket.phone:
        return
    from yichuang.notify.services import sms_enqueue

    sms_enqueue(
        to=ticket.phone,
        template="queue_called",
        context={"ticket": ticket.number, "window": window.number, "point": window.point.name},
    )


def ticket_call_next(*, window: Window, actor: Staff) -> QueueTicket:
    """叫号: the next ticket for this window (see ``selectors.waiting_for_window`` for the order).

    The window must have closed its current ticket first (served, no-show or transferred), so
    every ticket ends with an outcome the figures can count.
    """
    _check_operator(actor, window.point_id)
    if not window.active:
        raise NotAllowed(_("该窗口已停用。"))
    now = _now()
    day = timezone.localdate(now)
    with transaction.atomic():
        Window.objects.select_for_update().filter(pk=window.pk).first()
        current = current_ticket(window, day)
        if current is not None:
            raise NotAllowed(
                _("窗口当前的%(number)s号尚未办结，请先办结、标记过号或转窗口。") % {"number": current.number}
            )
        for _attempt in range(CLAIM_ATTEMPTS):
            candidate = (
                waiting_for_window(window, day).select_for_update(skip_locked=True, of=("self",)).first()
            )
            if candidate is None:
                raise QueueEmpty(_("当前没有等候的号。"))
            first_call = candidate.first_called_at is None
            updates: dict[str, Any] = {
                "status": TicketStatus.CALLED,
                "window": window,
                "transfer_to": None,
                "called_at": now,
                "recalls": 0,
            }
            if first_call:
                updates["first_called_at"] = now
                updates["wait_seconds"] = _seconds(candidate.taken_at, now)
            claimed = QueueTicket.objects.filter(pk=candidate.pk, status=TicketStatus.WAITING).update(
                **updates
            )
            if claimed == 1:
                break
        else:  # pragma: no cover - only when other windows keep taking the chosen ticket first
            raise Conflict(_("叫号冲突，请重试。"))
        ticket = QueueTicket.objects.select_related("category", "window__point").get(pk=candidate.pk)
        _event(ticket, action="call", actor=actor, from_status=TicketStatus.WAITING, at=now, window=window)
        _sms_called(ticket, window)
    return ticket


def ticket_recall(*, ticket: QueueTicket, actor: Staff) -> QueueTicket:
    """重呼: call the same number again; the board and the speaker announce it once more."""
    now = _now()
    with transaction.atomic():
        locked, before, _target = _move(ticket, actor=actor, action="recall")
        locked.recalls += 1
        locked.save(update_fields=["recalls"])
        _event(locked, action="recall", actor=actor, from_status=before, at=now, window=locked.window)
    return locked


def _close_window_time(ticket: QueueTicket, now: dt.datetime) -> None:
    ticket.service_seconds = (ticket.service_seconds or 0) + _seconds(ticket.called_at, now)


def ticket_serve(*, ticket: QueueTicket, actor: Staff, cases: Iterable[Case] = ()) -> QueueTicket:
    """办结: the person was served; the cases the visit produced may be linked at once."""
    now = _now()
    with transaction.atomic():
        locked, before, target = _move(ticket, actor=actor, action="serve")
        _close_window_time(locked, now)
        locked.status = target
        locked.finished_at = now
        locked.served_by = actor
        locked.save(update_fields=["status", "finished_at", "served_by", "service_seconds"])
        linked = _link(locked, cases)
        _event(
            locked,
            action="serve",
            actor=actor,
            from_status=before,
            at=now,
            window=locked.window,
            cases=linked,
        )
    return locked


def ticket_no_show(*, ticket: QueueTicket, actor: Staff) -> QueueTicket:
    """过号: called, and nobody came."""
    now = _now()
    with transaction.atomic():
        locked, before, target = _move(ticket, actor=actor, action="no_show")
        locked.status = target
        locked.finished_at = now
        locked.save(update_fields=["status", "finished_at"])
        _event(locked, action="no_show", actor=actor, from_status=before, at=now, window=locked.window)
    return locked


def ticket_transfer(*, ticket: QueueTicket, actor: Staff, to: Window) -> QueueTicket:
    """转窗口: the person goes on to another window of the point (a comprehensive window hands a
    不动产 matter to the 不动产 window). The ticket waits for that window only and is called there
    before the others, having waited once already. Time at the first window counts as service."""
    now = _now()
    with transaction.atomic():
        locked, before, target = _move(ticket, actor=actor, action="transfer")
        if to.point_id != locked.point_id or not to.active:
            raise Invalid(_("只能转到本服务点启用中的窗口。"), fields={"window": [_("窗口不在本服务点。")]})
        if to.pk == locked.window_id:
            raise Invalid(_("不能转到当前窗口。"), fields={"window": [_("与当前窗口相同。")]})
        source = locked.window
        _close_window_time(locked, now)
        locked.status = target
        locked.transfer_to = to
        locked.window = None
        locked.called_at = None
        locked.save(update_fields=["status", "transfer_to", "window", "called_at", "service_seconds"])
        _event(
            locked,
            action="transfer",
            actor=actor,
            from_status=before,
            at=now,
            window=source,
            to_window=to.number,
        )
    return locked


def ticket_requeue(*, ticket: QueueTicket, actor: Staff) -> QueueTicket:
    """过号重排: someone who missed the call came back; he joins the end of the queue."""
    now = _now()
    with transaction.atomic():
        locked, before, target = _move(ticket, actor=actor, action="requeue")
        if locked.day != timezone.localdate(now):
            raise NotAllowed(_("只能重排当天的号。"))
        locked.status = target
        locked.queued_at = now
        locked.finished_at = None
        locked.window = None
        locked.called_at = None
        locked.save(update_fields=["status", "queued_at", "finished_at", "window", "called_at"])
        _event(locked, action="requeue", actor=actor, from_status=before, at=now)
    return locked


def ticket_cancel(*, ticket: QueueTicket, actor: Staff) -> QueueTicket:
    """取消: the person left before being called."""
    now = _now()
    with transaction.atomic():
        locked, before, target = _move(ticket, actor=actor, action="cancel")
        locked.status = target
        locked.finished_at = now
        locked.save(update_fields=["status", "finished_at"])
        _event(locked, action="cancel", actor=actor, from_status=before, at=now)
    return locked


def _link(ticket: QueueTicket, cases: Iterable[Case]) -> list[str]:
    cases = list(cases)
    if any(case.point_id != ticket.point_id for case in cases):
        raise Invalid(_("只能关联本服务点受理的办件。"), fields={"cases": [_("办件不是本服务点受理的。")]})
    if cases:
        ticket.cases.add(*cases)
    return [case.number for case in cases]


def ticket_link_cases(*, ticket: QueueTicket, actor: Staff, cases: Iterable[Case]) -> QueueTicket:
    """关联办件: the cases a visit produced (one ticket may produce several, e.g. 一件事)."""
    now = _now()
    with transaction.atomic():
        locked, before, _target = _move(ticket, actor=actor, action="link")
        linked = _link(locked, cases)
        _event(
            locked, action="link", actor=actor, from_status=before, at=now, window=locked.window, cases=linked
        )
    return locked


def tickets_close_day(*, today: dt.date | None = None) -> int:
    """Tickets of earlier days still waiting or called end as 当日未办理 (the figures count them as
    not served); run each night. Returns how many were closed."""
    today = today or timezone.localdate()
    return QueueTicket.objects.filter(
        day__lt=today, status__in=[TicketStatus.WAITING, TicketStatus.CALLED]
    ).update(status=TicketStatus.EXPIRED, transfer_to=None)
