"""Writes of the post: a waybill made through the carrier before the clerk delivers, the waybill of a
mail delivery kept, and its tracks fetched from the carrier now and then."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yichuang.cases.models import Case, CaseStatus, DeliveryMethod
from yichuang.common.errors import Conflict, Invalid
from yichuang.delivery.carriers import CarrierError, Parcel, carrier
from yichuang.delivery.models import Waybill
from yichuang.org.models import Staff

log = logging.getLogger(__name__)


def wished_address(case: Case) -> str:
    """The address the citizen gave when he applied online for the result by post (else "")."""
    if case.channel not in ("online", "kiosk"):
        return ""
    link = getattr(case, "citizen_link", None)
    if link is None or link.delivery_method != DeliveryMethod.MAIL:
        return ""
    return str(link.delivery_address)


def waybill_create(
    *, case: Case, actor: Staff, address: str = "", recipient_name: str = "", recipient_phone: str = ""
) -> Waybill:
    """下单: the carrier makes a waybill for the result of an approved case (the clerk prints the label
    and delivers with method ``mail``). The carrier is asked outside any transaction (it may take
    seconds); a second waybill for the same case is refused."""
    if case.status != CaseStatus.APPROVED:
        raise Conflict(_("办件尚未准予或已送达，不能邮寄下单。"), code="not_approved")
    if Waybill.objects.filter(case=case).exists():
        raise Conflict(_("该办件已经下过运单。"), code="waybill_exists")
    address = (address or "").strip() or wished_address(case)
    if not address:
        raise Invalid(_("请填写收件地址。"), fields={"address": [_("请填写收件地址。")]})
    parcel = Parcel(
        reference=case.number,
        recipient_name=(recipient_name or "").strip() or case.applicant_name,
        recipient_phone=(recipient_phone or "").strip() or case.applicant_phone,
        address=address,
        sender_name=case.point.name,
        sender_phone=case.point.phone,
        sender_address=case.point.address or case.point.name,
        contents=_("%(item)s 办理结果") % {"item": case.item.name},
    )
    service = carrier()
    try:
        number = service.create_waybill(parcel)
    except CarrierError as exc:
        raise Conflict(str(exc), code="carrier_failed") from exc
    with transaction.atomic():
        waybill, _created = Waybill.objects.get_or_create(
            case=case,
            defaults={
                "carrier": service.name,
                "number": number,
                "recipient_name": parcel.recipient_name,
                "recipient_phone": parcel.recipient_phone,
                "address": address,
                "created_online": True,
                "created_by": actor,
            },
        )
    # the reverse one-to-one's cache, for the answer
    case.waybill = waybill
    log.info("waybill %s made by %s for case %s", waybill.number, service.name, case.number)
    return waybill


def _waybill(case: Case) -> Waybill | None:
    """The case's waybill: joined with the locked case (``cases.services.moves``), else one query."""
    try:
        found: Waybill = case.waybill
    except ObjectDoesNotExist:
        return None
    return found


def on_deliver_before(case: Case, actor: Staff, inputs: dict[str, Any]) -> None:
    """A mail delivery without a number takes the waybill made beforehand."""
    if inputs.get("method") == DeliveryMethod.MAIL and not inputs.get("tracking_number"):
        made = _waybill(case)
        if made is not None:
            inputs["tracking_number"] = made.number


def on_deliver_after(case: Case, actor: Staff, inputs: dict[str, Any]) -> None:
    """Every mail delivery keeps its waybill (typed in from a paper label, or made beforehand)."""
    if inputs.get("method") != DeliveryMethod.MAIL:
        return
    number = str(inputs.get("tracking_number") or "")
    existing = _waybill(case)
    if existing is not None:
        if existing.number != number:
            existing.number = number
            existing.created_online = False
            existing.events = []
            existing.tracked_at = None
            existing.save(update_fields=["number", "created_online", "events", "tracked_at"])
        return
    case.waybill = Waybill.objects.create(
        case=case,
        carrier=str(getattr(settings, "CARRIER_BACKEND", "") or "console"),
        number=number,
        recipient_name=case.applicant_name,
        recipient_phone=case.applicant_phone,
        address=wished_address(case),
        created_by=actor,
    )


def waybill_track(waybill: Waybill, *, force: bool = False) -> Waybill:
    """The carrier's events, fetched again when older than ``CARRIER_TRACK_MINUTES``; a carrier that
    does not answer leaves the last ones (logged), so a tracking page never fails for it."""
    minutes = int(getattr(settings, "CARRIER_TRACK_MINUTES", 30))
    now = timezone.now()
    if (
        not force
        and waybill.tracked_at is not None
        and now - waybill.tracked_at < dt.timedelta(minutes=minutes)
    ):
        return waybill
    try:
        events = carrier().track(waybill.number)
    except CarrierError as exc:
        log.warning("tracks of waybill %s not fetched: %s", waybill.number, exc)
        return waybill
    waybill.events = [asdict(event) for event in events]
    waybill.tracked_at = now
    Waybill.objects.filter(pk=waybill.pk).update(events=waybill.events, tracked_at=now)
    return waybill
