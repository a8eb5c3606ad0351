"""Writes of fees: the order made on acceptance, the payment confirmed by the platform's signed
notification (or taken at the window), delivery held back while it is unpaid, and the refund when the
case ends without a result (不予许可, 不予受理, 撤回).

Each hook first looks at the item version's snapshot (``fee_charged``), which the case carries
already: cases of items without fees cost no query here."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yichuang.cases.models import Case
from yichuang.common.errors import Conflict, Invalid
from yichuang.org.models import Staff
from yichuang.payments.gateway import Notification, payment_service
from yichuang.payments.models import OrderStatus, PaymentOrder

log = logging.getLogger(__name__)

#: The first sum in yuan of a fee standard ("每件80元", "每本120元", "工本费10.5元")
_AMOUNT = re.compile(r"(\d+(?:\.\d{1,2})?)\s*元")


def fee_amount(standard: str) -> int | None:
    """The amount in fen the standard states first, or None when it states no sum (such an item is
    billed at the window by its rule, not online)."""
    found = _AMOUNT.search(standard or "")
    if found is None:
        return None
    yuan, _dot, fen = found.group(1).partition(".")
    amount = int(yuan) * 100 + int((fen + "00")[:2])
    return amount or None


def _charged(case: Case) -> bool:
    return bool(case.item_version.snapshot.get("fee_charged"))


def _order(case: Case) -> PaymentOrder | None:
    return PaymentOrder.objects.select_for_update().filter(case=case).first()


def on_accept(case: Case, actor: Staff, inputs: dict[str, Any]) -> None:
    """受理 bills an item with a fee: one order per case."""
    if not _charged(case):
        return
    snapshot = case.item_version.snapshot
    amount = fee_amount(str(snapshot.get("fee_standard") or ""))
    if amount is None:
        return
    PaymentOrder.objects.get_or_create(
        case=case,
        defaults={
            "number": f"JF{case.number}",
            "title": _("%(item)s 收费") % {"item": case.item.name},
            "standard": str(snapshot.get("fee_standard") or "")[:200],
            "basis": str(snapshot.get("fee_basis") or "")[:300],
            "amount": amount,
        },
    )


def on_deliver_before(case: Case, actor: Staff, inputs: dict[str, Any]) -> None:
    """No result leaves while its fee is unpaid."""
    if not _charged(case):
        return
    order = PaymentOrder.objects.filter(case=case, status=OrderStatus.UNPAID).first()
    if order is not None:
        raise Conflict(
            _("该办件有未缴清的费用（缴费单 %(number)s，%(amount)s 元），缴费后才能送达。")
            % {"number": order.number, "amount": order.amount_yuan},
            code="unpaid_fee",
        )


def on_case_closed(case: Case, actor: Staff, inputs: dict[str, Any]) -> None:
    """The case ends without a result: an unpaid order is cancelled, a paid one refunded (the
    platform is asked once the case's transaction has committed)."""
    if not _charged(case):
        return
    order = _order(case)
    if order is None:
        return
    reason = str(inputs.get("reason") or "") or _("申请已撤回")
    if order.status == OrderStatus.UNPAID:
        order.status = OrderStatus.CANCELLED
        order.refund_reason = reason[:300]
        order.save(update_fields=["status", "refund_reason"])
    elif order.status == OrderStatus.PAID:
        order.status = OrderStatus.REFUND_PENDING
        order.refund_reason = reason[:300]
        order.save(update_fields=["status", "refund_reason"])
        order_id = order.pk
        transaction.on_commit(lambda: payment_refund(order_id=order_id))


def payment_refund(*, order_id: int) -> PaymentOrder | None:
    """退费: the platform returns the money; a failure leaves the order ``refund_pending`` (logged) for
    the next try."""
    order = PaymentOrder.objects.filter(pk=order_id, status=OrderStatus.REFUND_PENDING).first()
    if order is None:
        return None
    try:
        number = payment_service().refund(order, order.refund_reason)
    except Exception:  # the platform's failure must not lose the order's state
        log.exception("refund of payment order %s failed", order.number)
        return order
    PaymentOrder.objects.filter(pk=order.pk, status=OrderStatus.REFUND_PENDING).update(
        status=OrderStatus.REFUNDED, refund_number=number, refunded_at=timezone.now()
    )
    order.refresh_from_db()
    log.info("payment order %s refunded (%s)", order.number, number)
    return order


@transaction.atomic
def payment_confirmed(*, notification: Notification, provider: str) -> PaymentOrder:
    """The platform says the order is paid: checked against the order (number and amount), stored once
    (a repeated notification changes nothing)."""
    order = PaymentOrder.objects.select_for_update().filter(number=notification.order_number).first()
    if order is None:
        raise Invalid(_("没有这张缴费单。"), code="unknown_order")
    if notification.amount != order.amount:
        raise Invalid(_("缴费金额与缴费单不符。"), code="wrong_amount")
    if order.status == OrderStatus.PAID and order.trade_number == notification.trade_number:
        return order
    if order.status != OrderStatus.UNPAID:
        raise Conflict(
            _("该缴费单当前为“%(status)s”。") % {"status": order.get_status_display()}, code="not_unpaid"
        )
    order.status = OrderStatus.PAID
    order.provider = provider
    order.trade_number = notification.trade_number[:64]
    order.paid_at = timezone.now()
    order.save(update_fields=["status", "provider", "trade_number", "paid_at"])
    return order


def payment_notified(*, body: bytes, signature: str) -> PaymentOrder:
    """The platform's callback: verified by its signature first."""
    service = payment_service()
    return payment_confirmed(notification=service.verify(body, signature), provider=service.name)


@transaction.atomic
def payment_at_window(*, case: Case, actor: Staff, receipt: str) -> PaymentOrder:
    """现场缴费: the clerk took the fee at the window (POS or cash) and records its receipt number."""
    order = _order(case)
    if order is None:
        raise Conflict(_("该办件没有缴费单。"), code="no_order")
    receipt = (receipt or "").strip()
    if not receipt:
        raise Invalid(_("请填写缴费票据号。"), fields={"receipt": [_("请填写缴费票据号。")]})
    if order.status != OrderStatus.UNPAID:
        raise Conflict(
            _("该缴费单当前为“%(status)s”。") % {"status": order.get_status_display()}, code="not_unpaid"
        )
    order.status = OrderStatus.PAID
    order.provider = "window"
    order.trade_number = receipt[:64]
    order.paid_at = timezone.now()
    order.save(update_fields=["status", "provider", "trade_number", "paid_at"])
    log.info("payment order %s paid at the window by %s", order.number, actor.username)
    return order


def demo_pay(*, order: PaymentOrder) -> PaymentOrder:
    """The demo cashier's 确认支付: the notification the platform would post, through the same check."""
    from yichuang.payments.gateway import DemoPaymentService

    service = payment_service()
    if not isinstance(service, DemoPaymentService):
        raise Conflict(_("演示支付未启用。"), code="demo_off")
    body, signature = service.notification(order, timezone.now().isoformat())
    return payment_notified(body=body, signature=signature)
