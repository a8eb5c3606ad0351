"""What the tracking pages and the case answers show of a waybill."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from yichuang.cases.models import Case, DeliveryMethod
from yichuang.common.identity import mask_address
from yichuang.delivery.carriers import BACKENDS
from yichuang.delivery.models import Waybill

#: events shown, newest first
SHOWN = 5

_LABELS = {"console": "演示寄递（控制台）", "ems": "中国邮政EMS"}


def carrier_label(name: str) -> str:
    if name in _LABELS:
        return _LABELS[name]
    if name in BACKENDS.values() or "." in name:
        return name.rsplit(".", 1)[-1]
    return name


def waybill_of(case: Case, *, refresh: bool = True) -> dict[str, Any] | None:
    """The case's waybill with the carrier's last events (fetched again when stale), or None. No query
    for a case that is not sent by post and was not applied for online."""
    if case.delivery_method != DeliveryMethod.MAIL and case.channel not in ("online", "kiosk"):
        return None
    try:
        # the reverse one-to-one, usually joined with the case
        waybill: Waybill = case.waybill
    except ObjectDoesNotExist:
        return None
    if refresh:
        from yichuang.delivery.services import waybill_track

        waybill = waybill_track(waybill)
    events = list(reversed(waybill.events or []))[:SHOWN]
    return {
        "carrier": waybill.carrier,
        "carrier_name": carrier_label(waybill.carrier),
        "number": waybill.number,
        "address": mask_address(waybill.address),
        "events": [
            {
                "at": str(e.get("at", "")),
                "description": str(e.get("description", "")),
                "place": str(e.get("place", "")),
            }
            for e in events
        ],
        "tracked_at": waybill.tracked_at.isoformat() if waybill.tracked_at else None,
    }
