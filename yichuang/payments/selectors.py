"""What the case answers show of a case's payment order."""

from __future__ import annotations

from typing import Any

from yichuang.cases.models import Case
from yichuang.payments.models import OrderStatus, PaymentOrder


def order_of(case: Case) -> PaymentOrder | None:
    """The case's order; no query for an item without fees."""
    if not case.item_version.snapshot.get("fee_charged"):
        return None
    return PaymentOrder.objects.filter(case=case).first()


def order_output(order: PaymentOrder, *, pay_url: str | None = None) -> dict[str, Any]:
    return {
        "number": order.number,
        "title": order.title,
        "standard": order.standard,
        "basis": order.basis,
        "amount": order.amount_yuan,
        "amount_fen": order.amount,
        "status": order.status,
        "status_display": str(OrderStatus(order.status).label),
        "provider": order.provider,
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
        "refund_reason": order.refund_reason,
        "refunded_at": order.refunded_at.isoformat() if order.refunded_at else None,
        "pay_url": pay_url,
    }


def payment_of(case: Case) -> dict[str, Any] | None:
    order = order_of(case)
    return order_output(order) if order is not None else None
