"""Delivery receipts (回执): what the carrier reported after a platform took a message.

Both platforms push receipts to an address of ours, in batches: Alibaba Cloud's SmsReport ("HTTP
批量推送", the message named by the ``BizId`` SendSms answered with), Tencent Cloud's 短信回执 (named
by ``sid``, the ``SerialNo`` SendSms answered with). ``callbacks`` parses their bodies; this records
them. Recording is idempotent: a platform that pushes the same report again (it does, when our answer
was lost) changes nothing, and an older report never overwrites a newer one.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from yichuang.notify.models import SmsMessage, SmsReceipt

logger = logging.getLogger(__name__)

#: The platforms' receipts give local (Beijing) time without a zone.
RECEIPT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Receipt:
    provider_id: str
    delivered: bool
    at: datetime.datetime | None
    detail: str = ""


@dataclass(frozen=True)
class ReceiptResult:
    recorded: int
    unchanged: int
    unmatched: int


def receipt_time(value: object) -> datetime.datetime | None:
    """``2026-12-07 16:03:04`` (China Standard Time) → an aware datetime; None if unreadable."""
    try:
        naive = datetime.datetime.strptime(str(value).strip(), RECEIPT_TIME_FORMAT)
    except ValueError:
        return None
    return timezone.make_aware(naive, timezone.get_default_timezone())


def sms_record_receipts(*, backend: str, receipts: Sequence[Receipt]) -> ReceiptResult:
    """Record each receipt on the message the platform named; locks the messages for the update."""
    recorded = unchanged = unmatched = 0
    now = timezone.now()
    with transaction.atomic():
        ids = {receipt.provider_id for receipt in receipts if receipt.provider_id}
        messages = {
            message.provider_id: message
            for message in SmsMessage.objects.select_for_update()
            .filter(backend=backend, provider_id__in=ids)
            .order_by("pk")
        }
        changed: dict[int, SmsMessage] = {}
        for receipt in receipts:
            message = messages.get(receipt.provider_id)
            if message is None:
                unmatched += 1
                continue
            at = receipt.at or now
            if message.receipt and message.receipt_at is not None and at <= message.receipt_at:
                unchanged += 1
                continue
            message.receipt = SmsReceipt.DELIVERED if receipt.delivered else SmsReceipt.UNDELIVERED
            message.receipt_at = at
            message.receipt_detail = receipt.detail[:200]
            changed[message.pk] = message
            recorded += 1
        if changed:
            SmsMessage.objects.bulk_update(
                list(changed.values()), ["receipt", "receipt_at", "receipt_detail"]
            )
    result = ReceiptResult(recorded=recorded, unchanged=unchanged, unmatched=unmatched)
    logger.info(
        "SMS receipts from %s: %d recorded, %d already known, %d for no message of ours",
        backend,
        result.recorded,
        result.unchanged,
        result.unmatched,
    )
    return result
