"""Small rules every ticket write shares: the caller's number, the deadline, the ticket number, the
timeline line and the words of a refusal."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from rest_framework import exceptions

from yichuang.common.identity import validate_mobile
from yichuang.common.sequences import sequence_next
from yichuang.hotline.models import (
    HOURS,
    LIMITS,
    Ticket,
    TicketEvent,
    TicketSequence,
    TimeLimit,
)
from yichuang.org.models import Staff
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
