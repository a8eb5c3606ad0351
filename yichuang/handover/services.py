"""Writes to handover lists: make a list, edit it while a draft, send, confirm, cancel.

Each function runs in one transaction and locks the list row; sending and confirming write a
``CaseEvent`` on every case of the list (``handover_sent`` / ``handover_received``, the case's status
unchanged), so the case timeline says where its paper is, and issue the list's sealed document (the
移交清单 when sent, its 回执 when confirmed: ``handover.documents``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.cases.models import Channel
from yichuang.cases.selectors import cases_for
from yichuang.cases.services import case_event, case_event_record
from yichuang.common.errors import Conflict, Invalid, NotAllowed
from yichuang.common.identity import validate_mobile
from yichuang.common.sequences import sequence_next
from yichuang.documents.models import Document, DocumentKind
from yichuang.handover.documents import CONFIRMED_STATUSES, SENT_STATUSES, issue_receipt, issue_sent_list
from yichuang.handover.models import (
    RECEIVER_STATES,
    EntryState,
    Handover,
    HandoverEntry,
    HandoverSequence,
    HandoverStatus,
    route_key,
)
from yichuang.handover.selectors import (
    UNIT_RELATED,
    administers,
    is_unit_staff,
    may_act,
    may_see_contact,
    own_unit,
    relates,
)
from yichuang.handover.workflow import next_status
from yichuang.org.models import Region, Staff
from yichuang.org.units import Unit

#: Office landlines are common contacts between a town and a county bureau: 0376-6221234.
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
MAX_ENTRIES = 500


@dataclass
class EntryInput:
    """A case the sender puts on the list, with his note on its paper (e.g. "原件3份")."""

    case: str
    note: str = ""


@dataclass
class ReceiptInput:
    """What the receiver says of one file: received, missing, damaged or returned, and why."""

    case: str
    state: str
    note: str = ""


def _today() -> dt.date:
    return timezone.localdate()


def _actor_name(actor: Staff) -> str:
    return actor.get_full_name() or actor.username


def _next_number(region: Region, day: dt.date) -> str:
    """``YJ`` + county code + date + a 4-digit sequence, e.g. YJ411502202611210007
    (``common.sequences``: two clerks never draw the same number)."""
    code = region.code[:6]
    return f"YJ{code}{day:%Y%m%d}{sequence_next(HandoverSequence, county=code, day=day):04d}"


def _contact_phone(value: str) -> str:
    """A mobile number, or an office landline with its area code."""
    try:
        return validate_mobile(value)
    except DjangoValidationError:
        pass
    landline = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", value or ""))
    if _LANDLINE.match(landline):
        return landline
    raise exceptions.ValidationError(
        {"contact_phone": [_("请输入有效的手机号码或带区号的固定电话（如 0376-6221234）。")]}
    )


def _contact(actor: Staff, name: str, phone: str) -> tuple[str, str]:
    """The contact person defaults to the one who makes the list, with his phone."""
    name = (name or "").strip() or _actor_name(actor)
    phone = (phone or "").strip() or (actor.phone or "").strip()
    if not phone:
        raise exceptions.ValidationError({"contact_phone": [_("请填写交接联系人的联系电话。")]})
    return name, _contact_phone(phone)


def _lock(handover: Handover) -> Handover:
    # ``of=("self",)``: PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins.
    return Handover.objects.select_for_update(of=("self",)).select_related(*UNIT_RELATED).get(pk=handover.pk)


def _action_label(action: str) -> str:
    labels = {"send": _("移交"), "confirm": _("确认接收"), "cancel": _("作废"), "update": _("修改")}
    return labels.get(action, action)


def _move(handover: Handover, *, actor: Staff, action: str) -> Handover:
    """Lock the row, check the table and the actor; the caller sets the status and saves."""
    locked = _lock(handover)
    allowed = (
        locked.status == HandoverStatus.DRAFT
        if action == "update"
        else next_status(locked.status, action) is not None
    )
    if not allowed:
        raise NotAllowed(
            _("移交清单当前状态为“%(status)s”，不能%(action)s。")
            % {"status": HandoverStatus(locked.status).label, "action": _action_label(action)}
        )
    if not may_act(actor, locked, action):
        if action == "confirm":
            raise exceptions.PermissionDenied(_("只有接收单位的工作人员可以确认接收。"))
        raise exceptions.PermissionDenied(
            _("只有移交单位的工作人员可以%(action)s清单。") % {"action": _action_label(action)}
        )
    return locked


def _append(text: str, more: str) -> str:
    return "\n".join(part for part in ((text or "").strip(), (more or "").strip()) if part)


def _set_entries(handover: Handover, actor: Staff, entries: Iterable[EntryInput]) -> None:
    """Replace the cases of a draft. Each must be a case the actor sees, whose paper belongs at both
    ends of the list, and not already on another open list of the same route."""
    given = [EntryInput(case=(e.case or "").strip(), note=(e.note or "").strip()) for e in entries]
    if len(given) > MAX_ENTRIES:
        raise exceptions.ValidationError({"entries": [_("一份清单最多列入%(n)d件。") % {"n": MAX_ENTRIES}]})
    numbers = [e.case for e in given]
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise exceptions.ValidationError(
            {"entries": [_("办件重复列入：%(numbers)s。") % {"numbers": "、".join(repeated)}]}
        )
    found = {c.number: c for c in cases_for(actor).select_related("point").filter(number__in=numbers)}
    lost = [n for n in numbers if n not in found]
    if lost:
        raise Invalid(
            _("找不到办件或无权移交：%(numbers)s。") % {"numbers": "、".join(lost)},
            fields={"entries": [_("找不到办件：%(numbers)s") % {"numbers": "、".join(lost)}]},
            code="case_not_found",
        )
    unheld = [n for n in numbers if found[n].channel == Channel.ONLINE and found[n].accepted_at is None]
    if unheld:
        message = _("以下网上申请尚未受理，还没有纸质材料可移交：%(numbers)s。") % {
            "numbers": "、".join(unheld)
        }
        raise Invalid(message, fields={"entries": [message]}, code="not_on_route")
    source, target = handover.from_unit, handover.to_unit
    astray = [n for n in numbers if not (relates(found[n], source) and relates(found[n], target))]
    if astray:
        message = _("以下办件的纸质材料不在%(from)s与%(to)s之间流转：%(numbers)s。") % {
            "from": source.name,
            "to": target.name,
            "numbers": "、".join(astray),
        }
        raise Invalid(message, fields={"entries": [message]}, code="not_on_route")
    route = route_key(source, target)
    busy = (
        HandoverEntry.objects.filter(route=route, open=True, case__in=[c.pk for c in found.values()])
        .exclude(handover=handover)
        .select_related("handover", "case")
        .order_by("id")
        .first()
    )
    if busy is not None:
        raise Conflict(
            _("办件 %(case)s 已在未办结的移交清单 %(list)s 中，不能重复移交。")
            % {"case": busy.case.number, "list": busy.handover.number},
            code="already_listed",
        )
    HandoverEntry.objects.filter(handover=handover).delete()
    rows = [
        HandoverEntry(
            handover=handover,
            case=found[entry.case],
            position=position,
            note=entry.note[:500],
            route=route,
            open=True,
            state=EntryState.PENDING,
        )
        for position, entry in enumerate(given, start=1)
    ]
    try:
        with transaction.atomic():
            HandoverEntry.objects.bulk_create(rows)
    except IntegrityError as exc:
        # Another clerk listed one of these cases between the check above and now.
        raise Conflict(_("有办件刚被列入另一份移交清单，请刷新后重试。"), code="already_listed") from exc


@transaction.atomic
def handover_create(
    *,
    actor: Staff,
    target: Unit,
    source: Unit | None = None,
    entries: Iterable[EntryInput] = (),
    contact_name: str = "",
    contact_phone: str = "",
    note: str = "",
) -> Handover:
    """A draft list from ``source`` (the actor's own unit by default) to ``target``."""
    source = source or own_unit(actor)
    if source is None:
        raise exceptions.ValidationError({"from_unit": [_("请指定移交单位。")]})
    if not (administers(actor, source) or is_unit_staff(actor, source)):
        raise exceptions.PermissionDenied(_("只有移交单位的工作人员可以制作移交清单。"))
    if source == target:
        raise exceptions.ValidationError({"to_unit": [_("接收单位不能与移交单位相同。")]})
    name, phone = _contact(actor, contact_name, contact_phone)
    handover = Handover.objects.create(
        number=_next_number(source.region, _today()),
        from_point=source.point,
        from_department=source.department,
        to_point=target.point,
        to_department=target.department,
        contact_name=name[:100],
        contact_phone=phone,
        note=(note or "").strip(),
        created_by=actor,
    )
    _set_entries(handover, actor, entries)
    return handover


@transaction.atomic
def handover_update(
    *,
    handover: Handover,
    actor: Staff,
    entries: Iterable[EntryInput] | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    note: str | None = None,
) -> Handover:
    """Change a draft: its cases (the whole list is replaced), contact or note."""
    locked = _move(handover, actor=actor, action="update")
    if contact_name is not None or contact_phone is not None:
        locked.contact_name, locked.contact_phone = _contact(
            actor,
            locked.contact_name if contact_name is None else contact_name,
            locked.contact_phone if contact_phone is None else contact_phone,
        )
    if note is not None:
        locked.note = note.strip()
    locked.save()
    if entries is not None:
        _set_entries(locked, actor, entries)
    return locked


def _case_events(
    entries: list[HandoverEntry],
    *,
    action: str,
    actor: Staff,
    note: Callable[[HandoverEntry], str],
    **data: Any,
) -> None:
    """One timeline line per case; the case's status does not change (from = to)."""
    case_event_record(
        *(
            case_event(
                entry.case,
                action=action,
                actor=actor,
                note=note(entry),
                **data,
                state=entry.state,
                entry_note=entry.note,
                receipt_note=entry.receipt_note,
            )
            for entry in entries
        )
    )


def _entries(handover: Handover) -> list[HandoverEntry]:
    return list(
        HandoverEntry.objects.filter(handover=handover).select_related("case").order_by("position", "id")
    )


@transaction.atomic
def handover_send(*, handover: Handover, actor: Staff, note: str = "") -> Handover:
    """The files leave: every entry is on its way, every case's timeline says so."""
    locked = _move(handover, actor=actor, action="send")
    entries = _entries(locked)
    if not entries:
        raise Invalid(_("清单中没有办件，不能移交。"), code="empty")
    locked.status = HandoverStatus.SENT
    locked.sent_by = actor
    locked.sent_at = timezone.now()
    locked.note = _append(locked.note, note)
    locked.save()
    HandoverEntry.objects.filter(handover=locked).update(state=EntryState.SENT, updated_at=locked.sent_at)
    for entry in entries:
        entry.state = EntryState.SENT
    text = _("移交清单 %(number)s：%(from)s → %(to)s") % {
        "number": locked.number,
        "from": locked.from_unit.name,
        "to": locked.to_unit.name,
    }
    _case_events(
        entries,
        action="handover_sent",
        actor=actor,
        note=lambda entry: _append(text, entry.note),
        handover=locked.number,
        from_unit=locked.from_unit.ref,
        to_unit=locked.to_unit.ref,
    )
    issue_sent_list(handover=locked, actor=actor)
    return locked


@transaction.atomic
def handover_confirm(
    *, handover: Handover, actor: Staff, receipts: Iterable[ReceiptInput] = (), note: str = ""
) -> Handover:
    """The receiver signs for the whole list at once. Files he does not mention arrived as listed
    (``received``); any file missing, damaged or returned makes the list ``partly_received``."""
    given = list(receipts)
    numbers = [r.case.strip() for r in given]
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise exceptions.ValidationError(
            {"entries": [_("办件重复填写：%(numbers)s。") % {"numbers": "、".join(repeated)}]}
        )
    wrong = sorted({r.state for r in given if r.state not in RECEIVER_STATES})
    if wrong:
        raise exceptions.ValidationError(
            {"entries": [_("接收状态应为 received、missing、damaged 或 returned。")]}
        )
    locked = _move(handover, actor=actor, action="confirm")
    entries = _entries(locked)
    by_number = {entry.case.number: entry for entry in entries}
    strangers = [n for n in numbers if n not in by_number]
    if strangers:
        raise exceptions.ValidationError(
            {"entries": [_("清单中没有办件：%(numbers)s。") % {"numbers": "、".join(strangers)}]}
        )
    said = {r.case.strip(): r for r in given}
    now = timezone.now()
    for entry in entries:
        receipt = said.get(entry.case.number)
        entry.state = receipt.state if receipt else EntryState.RECEIVED
        entry.receipt_note = (receipt.note or "").strip()[:500] if receipt else ""
        entry.open = False
        entry.updated_at = now
    HandoverEntry.objects.bulk_update(entries, ["state", "receipt_note", "open", "updated_at"])
    complete = all(entry.state == EntryState.RECEIVED for entry in entries)
    locked.status = HandoverStatus.RECEIVED if complete else HandoverStatus.PARTLY_RECEIVED
    locked.received_by = actor
    locked.received_at = now
    locked.receipt_note = (note or "").strip()
    locked.save()

    def line(entry: HandoverEntry) -> str:
        text = _("移交清单 %(number)s：%(to)s确认接收，纸质材料%(state)s") % {
            "number": locked.number,
            "to": locked.to_unit.name,
            "state": EntryState(entry.state).label,
        }
        return f"{text}：{entry.receipt_note}" if entry.receipt_note else text

    _case_events(
        entries,
        action="handover_received",
        actor=actor,
        note=line,
        handover=locked.number,
        from_unit=locked.from_unit.ref,
        to_unit=locked.to_unit.ref,
    )
    issue_receipt(handover=locked, actor=actor)
    return locked


@transaction.atomic
def handover_cancel(*, handover: Handover, actor: Staff, note: str = "") -> Handover:
    """作废 a draft: nothing moved, so no case event; its cases may go on another list."""
    locked = _move(handover, actor=actor, action="cancel")
    locked.status = HandoverStatus.CANCELLED
    locked.cancelled_by = actor
    locked.cancelled_at = timezone.now()
    locked.note = _append(locked.note, note)
    locked.save()
    HandoverEntry.objects.filter(handover=locked).update(open=False, updated_at=locked.cancelled_at)
    return locked


@transaction.atomic
def handover_documents_issue(*, handover: Handover) -> list[Document]:
    """Issue the documents the list's state calls for and it lacks: a list sent (or confirmed) before
    lists were sealed gets its 移交清单 (and 回执) on first request. Its content is what the list said
    then: the snapshot reads only what sending and confirming fixed."""
    locked = _lock(handover)
    have = set(Document.objects.filter(handover=locked).values_list("kind", flat=True))
    made = []
    if locked.status in SENT_STATUSES and DocumentKind.HANDOVER_LIST not in have:
        made.append(issue_sent_list(handover=locked, actor=locked.sent_by))
    if locked.status in CONFIRMED_STATUSES and DocumentKind.HANDOVER_RECEIPT not in have:
        made.append(issue_receipt(handover=locked, actor=locked.received_by))
    return made


def handover_contact(*, handover: Handover, actor: Staff, request: Any = None) -> str:
    """The contact's full number for the receiving unit's staff (to call about a file); each
    disclosure leaves a security event, as the hotline's caller numbers do."""
    from yichuang.audit.models import SecurityKind
    from yichuang.audit.services import security_record

    if not may_see_contact(actor, handover):
        raise exceptions.PermissionDenied(_("只有接收单位的工作人员可以查看交接联系人的完整号码。"))
    security_record(
        SecurityKind.CONTACT_REVEAL, actor=actor, request=request, subject=f"handover:{handover.number}"
    )
    return handover.contact_phone
