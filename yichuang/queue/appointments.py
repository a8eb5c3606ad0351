"""Writes of appointments (预约): slots from the weekly schedules, booking, cancelling, checking in.

- Slots are rows (``AppointmentSlot``) made from each point's ``AppointmentSchedule`` for the next
  ``BOOKING_DAYS`` days by ``slots_sync``, which is idempotent and cheap when nothing changed: the
  public slot list calls it, and so does the nightly task. Holidays are closed unless a schedule
  line says otherwise; weekends open only where the point has weekend (延时服务) lines.
- A booking takes a place with one conditional ``UPDATE … SET booked = booked + 1 WHERE booked <
  capacity`` that must touch one row; the database also refuses ``booked > capacity``. Two people
  booking the last place at once: one gets it, the other hears that the slot is full.
- The applicant gets an SMS with the reference and a cancellation code; only a hash of the code is
  kept, like a password.
- Checking in (at the kiosk with the phone number, or at a window) turns the appointment into a
  priority ticket.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from yichuang.common.errors import Conflict, Invalid, NotAllowed
from yichuang.common.identity import validate_mobile
from yichuang.org.models import ServicePoint, Staff
from yichuang.queue.days import day_type
from yichuang.queue.hours import APPLIES
from yichuang.queue.models import (
    Appointment,
    AppointmentChannel,
    AppointmentSchedule,
    AppointmentSlot,
    AppointmentStatus,
    QueueTicket,
    TicketSource,
)
from yichuang.queue.selectors import may_operate
from yichuang.queue.services import ticket_take

#: How far ahead people may book (today included).
BOOKING_DAYS = 7
#: Checking in opens this long before the slot begins and closes when it ends.
CHECK_IN_EARLY = dt.timedelta(minutes=30)
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed at a kiosk
REFERENCE_LENGTH = 8


class SlotFull(Conflict):
    default_code = "slot_full"


class AlreadyBooked(Conflict):
    default_code = "already_booked"


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def hash_code(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.strip().encode(), hashlib.sha256).hexdigest()


# —— slots ——————————————————————————————————————————————————————————————————————————————————————


@dataclass(frozen=True)
class _Planned:
    end: dt.time
    capacity: int
    extended: bool
    schedule_id: int


def planned_slots(
    *, point: ServicePoint, first: dt.date, last: dt.date
) -> dict[tuple[int, dt.date, dt.time], _Planned]:
    """What the schedules say, by (category id, day, start). Two lines giving the same start keep
    the first (in schedule order)."""
    schedules = list(
        AppointmentSchedule.objects.filter(point=point, active=True, category__active=True).order_by(
            "category_id", "start", "id"
        )
    )
    planned: dict[tuple[int, dt.date, dt.time], _Planned] = {}
    if not schedules:
        return planned
    day = first
    while day <= last:
        kind = day_type(day)
        for s in schedules:
            if kind not in APPLIES[s.days] or not s.applies_on_weekday(day.isoweekday()):
                continue
            step = dt.timedelta(minutes=s.slot_minutes)
            begin = dt.datetime.combine(day, s.start)
            finish = dt.datetime.combine(day, s.end)
            while begin + step <= finish:
                key = (s.category_id, day, begin.time())
                planned.setdefault(key, _Planned((begin + step).time(), s.capacity, s.extended, s.pk))
                begin += step
        day += dt.timedelta(days=1)
    return planned


def slots_sync(*, point: ServicePoint, first: dt.date | None = None, last: dt.date | None = None) -> int:
    """Make the slots of ``first``…``last`` (default: today and the booking period) match the
    schedules: create the missing, update the changed, close those no longer planned (their
    appointments stand), delete those no longer planned that nobody ever booked. Past days are
    never touched. Returns how many rows changed; safe to run from several processes at once."""
    today = timezone.localdate()
    first = max(first or today, today)
    last = last or today + dt.timedelta(days=BOOKING_DAYS - 1)
    if last < first:
        return 0
    planned = planned_slots(point=point, first=first, last=last)
    existing = {
        (s.category_id, s.day, s.start): s
        for s in AppointmentSlot.objects.filter(point=point, day__gte=first, day__lte=last)
    }
    missing = [
        AppointmentSlot(
            point=point,
            category_id=key[0],
            day=key[1],
            start=key[2],
            end=plan.end,
            capacity=plan.capacity,
            extended=plan.extended,
            schedule_id=plan.schedule_id,
        )
        for key, plan in planned.items()
        if key not in existing
    ]
    changed = 0
    with transaction.atomic():
        if missing:
            AppointmentSlot.objects.bulk_create(missing, ignore_conflicts=True)
            changed += len(missing)
        for key, slot in existing.items():
            plan = planned.get(key)
            if plan is None:
                if slot.closed:
                    continue
                if not slot.appointments.exists():
                    changed += AppointmentSlot.objects.filter(pk=slot.pk, booked=0).delete()[0]
                else:
                    changed += AppointmentSlot.objects.filter(pk=slot.pk).update(closed=True)
                continue
            wanted = (plan.end, plan.capacity, plan.extended, plan.schedule_id, False)
            if (slot.end, slot.capacity, slot.extended, slot.schedule_id, slot.closed) != wanted:
                # Never below what is already booked (the check constraint would refuse it, and
                # those people keep their places).
                changed += AppointmentSlot.objects.filter(pk=slot.pk).update(
                    end=plan.end,
                    capacity=Greatest(F("booked"), plan.capacity),
                    extended=plan.extended,
                    schedule_id=plan.schedule_id,
                    closed=False,
                )
    return changed


def slots_sync_all(*, days: int = BOOKING_DAYS) -> int:
    """Every point with schedules (the nightly task)."""
    today = timezone.localdate()
    points = ServicePoint.objects.filter(appointment_schedules__active=True, active=True).distinct()
    return sum(
        slots_sync(point=point, first=today, last=today + dt.timedelta(days=days - 1)) for point in points
    )


# —— booking ——————————————————————————————————————————————————————————————————————————————————


def _new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def _sms(appointment: Appointment, template: str, **extra: str) -> None:
    from yichuang.notify.services import sms_enqueue

    context = {
        "reference": appointment.reference,
        "point": appointment.point.name,
        "category": appointment.category.name,
        "time": f"{appointment.day.month}月{appointment.day.day}日 {appointment.start:%H:%M}-{appointment.end:%H:%M}",
        "name": appointment.name,
        **extra,
    }
    sms_enqueue(to=appointment.phone, template=template, context=context)


def appointment_book(
    *,
    slot: AppointmentSlot,
    name: str,
    phone: str,
    note: str = "",
    channel: str = AppointmentChannel.WEB,
    actor: Staff | None = None,
) -> tuple[Appointment, str]:
    """预约: a place in ``slot``; returns the appointment and its cancellation code (shown once and
    sent by SMS; only its hash is stored)."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("请填写姓名。")]
    try:
        phone = validate_mobile(phone)
    except DjangoValidationError as exc:
        errors["phone"] = list(exc.messages)
    if errors:
        raise Invalid(_("提交的数据有误，请检查标出的字段。"), fields=errors)
    if channel == AppointmentChannel.STAFF and (actor is None or not may_operate(actor, slot.point_id)):
        raise NotFound(_("没有这个预约时段。"))
    now = timezone.now()
    today = timezone.localdate(now)
    if slot.day < today or slot.day >= today + dt.timedelta(days=BOOKING_DAYS) or slot.closed:
        raise Invalid(
            _("只能预约今天起%(days)d天内开放的时段。") % {"days": BOOKING_DAYS},
            fields={"slot": [_("该时段不可预约。")]},
        )
    if _local(slot.day, slot.start) <= now:
        raise Invalid(_("该时段已开始，不能再预约。"), fields={"slot": [_("时段已开始。")]})
    if not slot.category.active:
        raise Invalid(_("该业务类别已停用。"), fields={"slot": [_("业务类别已停用。")]})
    live = Appointment.objects.filter(
        phone=phone,
        point_id=slot.point_id,
        day=slot.day,
        category_id=slot.category_id,
        status=AppointmentStatus.BOOKED,
    )
    duplicate = AlreadyBooked(_("您当天已预约了该服务点的这类业务，如需改时间请先取消原预约。"))
    if live.exists():
        raise duplicate
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        taken = AppointmentSlot.objects.filter(pk=slot.pk, closed=False, booked__lt=F("capacity")).update(
            booked=F("booked") + 1
        )
        if taken != 1:
            raise SlotFull(_("该时段已约满，请选择其他时段。"))
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    appointment = Appointment.objects.create(
                        reference=_new_reference(),
                        point_id=slot.point_id,
                        category_id=slot.category_id,
                        slot=slot,
                        day=slot.day,
                        start=slot.start,
                        end=slot.end,
                        name=name[:50],
                        phone=phone,
                        note=(note or "").strip()[:200],
                        channel=channel,
                        cancel_code_hash=hash_code(code),
                        created_by=actor if channel == AppointmentChannel.STAFF else None,
                    )
                break
            except IntegrityError:
                if live.exists():  # the same person booked in another request a moment ago
                    raise duplicate from None
        else:  # pragma: no cover - five colliding random references in a row
            raise Conflict(_("预约号分配冲突，请重试。"))
        appointment = Appointment.objects.select_related("point", "category").get(pk=appointment.pk)
        _sms(appointment, "appointment_booked", cancel_code=code)
    return appointment, code


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("point", "category")
        .get(pk=appointment.pk)
    )


def _status_conflict(appointment: Appointment, doing: str) -> NotAllowed:
    return NotAllowed(
        _("预约当前状态为“%(status)s”，不能%(doing)s。")
        % {"status": AppointmentStatus(appointment.status).label, "doing": doing}
    )


def appointment_cancel(
    *, appointment: Appointment, cancel_code: str | None = None, actor: Staff | None = None
) -> Appointment:
    """取消预约, by the citizen with the code from the SMS, or by the point's staff; until the slot
    begins. The place goes back to the slot. A wrong code answers like an unknown reference."""
    if actor is None:
        if not cancel_code or not hmac.compare_digest(hash_code(cancel_code), appointment.cancel_code_hash):
            raise NotFound(_("没有这个预约，或取消码不正确。"))
    elif not may_operate(actor, appointment.point_id):
        raise NotFound(_("没有这个预约。"))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(appointment)
        if locked.status != AppointmentStatus.BOOKED:
            raise _status_conflict(locked, _("取消"))
        if _local(locked.day, locked.start) <= now:
            raise NotAllowed(_("预约时段已开始，不能取消。"))
        locked.status = AppointmentStatus.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at"])
        AppointmentSlot.objects.filter(pk=locked.slot_id, booked__gt=0).update(booked=F("booked") - 1)
        _sms(locked, "appointment_cancelled")
    return locked


def appointment_check_in(*, appointment: Appointment, actor: Staff | None = None) -> QueueTicket:
    """签到: from half an hour before the slot to its end, on its day; the appointment becomes a
    priority ticket of its category at its point."""
    if actor is not None and not may_operate(actor, appointment.point_id):
        raise NotFound(_("没有这个预约。"))
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(appointment)
        if locked.status != AppointmentStatus.BOOKED:
            raise _status_conflict(locked, _("签到"))
        opens = _local(locked.day, locked.start) - CHECK_IN_EARLY
        closes = _local(locked.day, locked.end)
        if now < opens:
            raise NotAllowed(
                _("还未到签到时间：请在%(time)s以后签到（预约时段开始前30分钟起）。") % {"time": _when(opens)}
            )
        if now > closes:
            raise NotAllowed(_("预约时段已过，请现场取号。"))
        ticket = ticket_take(
            point=locked.point,
            category=locked.category,
            source=TicketSource.APPOINTMENT,
            phone=locked.phone,
            actor=actor,
        )
        locked.status = AppointmentStatus.CHECKED_IN
        locked.checked_in_at = now
        locked.ticket = ticket
        locked.save(update_fields=["status", "checked_in_at", "ticket"])
    return ticket


def appointments_mark_missed(*, now: dt.datetime | None = None) -> int:
    """爽约: appointments whose slot ended without a check-in. Their places stay used."""
    now = timezone.localtime(now or timezone.now())
    booked = Appointment.objects.filter(status=AppointmentStatus.BOOKED)
    past = booked.filter(day__lt=now.date()) | booked.filter(day=now.date(), end__lt=now.time())
    return Appointment.objects.filter(pk__in=past.values("pk")).update(status=AppointmentStatus.MISSED)
