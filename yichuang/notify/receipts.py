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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from yichuang.notify.models import SmsMessage, SmsReceipt, SmsWaitingReceipt

logger = logging.getLogger(__name__)

#: The platforms' receipts give local (Beijing) time without a zone.
RECEIPT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: How long a report that names no message of ours waits for its message.
WAIT = datetime.timedelta(days=1)


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


def _apply(message: SmsMessage, receipt: Receipt, now: datetime.datetime) -> bool:
    """Set the receipt on the message unless it already holds one as new or newer; True if it changed."""
    at = receipt.at or now
    if message.receipt and message.receipt_at is not None and at <= message.receipt_at:
        return False
    message.receipt = SmsReceipt.DELIVERED if receipt.delivered else SmsReceipt.UNDELIVERED
    message.receipt_at = at
    message.receipt_detail = receipt.detail[:200]
    return True


def _record(
    backend: str, receipts: Sequence[Receipt], now: datetime.datetime
) -> tuple[int, int, list[Receipt]]:
    """Within the caller's transaction: (recorded, unchanged, the receipts that matched no message)."""
    recorded = unchanged = 0
    ids = {receipt.provider_id for receipt in receipts if receipt.provider_id}
    messages = {
        message.provider_id: message
        for message in SmsMessage.objects.select_for_update()
        .filter(backend=backend, provider_id__in=ids)
        .order_by("pk")
    }
    changed: dict[int, SmsMessage] = {}
    unmatched: list[Receipt] = []
    for receipt in receipts:
        message = messages.get(receipt.provider_id)
        if message is None:
            unmatched.append(receipt)
        elif _apply(message, receipt, now):
            changed[message.pk] = message
            recorded += 1
        else:
            unchanged += 1
    if changed:
        SmsMessage.objects.bulk_update(list(changed.values()), ["receipt", "receipt_at", "receipt_detail"])
    return recorded, unchanged, unmatched


def sms_record_receipts(*, backend: str, receipts: Sequence[Receipt]) -> ReceiptResult:
    """Record each receipt on the message the platform named; one that names none yet waits a day."""
    now = timezone.now()
    with transaction.atomic():
        recorded, unchanged, unmatched = _record(backend, receipts, now)
        SmsWaitingReceipt.objects.bulk_create(
            [
                SmsWaitingReceipt(
                    backend=backend,
                    provider_id=receipt.provider_id[:100],
                    delivered=receipt.delivered,
                    reported_at=receipt.at,
                    detail=receipt.detail[:200],
                    received_at=now,
                )
                for receipt in unmatched
                if receipt.provider_id
            ]
        )
    result = ReceiptResult(recorded=recorded, unchanged=unchanged, unmatched=len(unmatched))
    logger.info(
        "SMS receipts from %s: %d recorded, %d already known, %d waiting for their message",
        backend,
        result.recorded,
        result.unchanged,
        result.unmatched,
    )
    return result


def sms_match_waiting_receipts(
    *,
    backend: str | None = None,
    provider_ids: Iterable[str] | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Record the waiting receipts whose message is now known (all of them, or those of the messages
    just sent); drop the ones older than a day. Returns how many were recorded."""
    now = now or timezone.now()
    with transaction.atomic():
        waiting = SmsWaitingReceipt.objects.select_for_update(skip_locked=True).order_by("pk")
        if backend is not None:
            waiting = waiting.filter(backend=backend)
        if provider_ids is not None:
            waiting = waiting.filter(provider_id__in=list(provider_ids))
        by_backend: dict[str, list[SmsWaitingReceipt]] = defaultdict(list)
        for row in waiting:
            by_backend[row.backend].append(row)
        recorded, done = 0, []
        for name, rows in by_backend.items():
            receipts = [Receipt(row.provider_id, row.delivered, row.reported_at, row.detail) for row in rows]
            matched_now, _unchanged, unmatched = _record(name, receipts, now)
            recorded += matched_now
            left = {receipt.provider_id for receipt in unmatched}
            done += [row.pk for row in rows if row.provider_id not in left]
        SmsWaitingReceipt.objects.filter(pk__in=done).delete()
        SmsWaitingReceipt.objects.filter(received_at__lt=now - WAIT).delete()
    if recorded:
        logger.info("SMS receipts: %d that came before their message was recorded are now recorded", recorded)
    return recorded
