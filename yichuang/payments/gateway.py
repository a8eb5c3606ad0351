"""统一公共支付: the payment platform behind one interface, named by ``settings.PAYMENT_BACKEND``
(``demo`` by default, or the dotted path of a ``PaymentService``).

The demo stands for the province's platform: its cashier is a page of this site
(``/pay/demo/<order>/``); paying there sends the notification the platform would send — a JSON body
with the header ``X-Signature``, the hex HMAC-SHA256 of the body under ``PAYMENT_DEMO_SECRET`` — to
the same callback a real platform calls (``POST /api/v1/payments/notify/``), where it is verified
before anything is marked paid."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from yichuang.common.errors import Invalid
from yichuang.payments.models import PaymentOrder


@dataclass(frozen=True)
class Notification:
    order_number: str
    trade_number: str
    amount: int  # fen
    paid_at: str


class PaymentService(ABC):
    name = ""
    label = ""

    @abstractmethod
    def pay_url(self, order: PaymentOrder) -> str:
        """Where the payer goes to pay the order (the platform's cashier)."""

    @abstractmethod
    def verify(self, body: bytes, signature: str) -> Notification:
        """The notification the platform sent, or ``Invalid`` (400) when it is not genuine."""

    @abstractmethod
    def refund(self, order: PaymentOrder, reason: str) -> str:
        """Ask for the money back; the refund's number."""


def demo_secret() -> str:
    configured = str(getattr(settings, "PAYMENT_DEMO_SECRET", "") or "")
    return configured or hashlib.sha256(f"payment-demo:{settings.SECRET_KEY}".encode()).hexdigest()


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class DemoPaymentService(PaymentService):
    name = "demo"
    label = "演示支付"

    def pay_url(self, order: PaymentOrder) -> str:
        return reverse("web:pay-demo", kwargs={"number": order.number})

    def notification(self, order: PaymentOrder, paid_at: str) -> tuple[bytes, str]:
        """What the platform posts once the payer paid: the body and its signature."""
        body = json.dumps(
            {
                "order_no": order.number,
                "trade_no": f"DEMO{secrets.token_hex(8).upper()}",
                "amount": order.amount,
                "paid_at": paid_at,
            },
            separators=(",", ":"),
        ).encode()
        return body, sign(body, demo_secret())

    def verify(self, body: bytes, signature: str) -> Notification:
        if not hmac.compare_digest(signature or "", sign(body, demo_secret())):
            raise Invalid(_("缴费通知签名不符，已拒收。"), code="bad_signature")
        try:
            data = json.loads(body)
            return Notification(
                order_number=str(data["order_no"]),
                trade_number=str(data["trade_no"]),
                amount=int(data["amount"]),
                paid_at=str(data.get("paid_at") or ""),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise Invalid(_("缴费通知无法识别。"), code="bad_notification") from exc

    def refund(self, order: PaymentOrder, reason: str) -> str:
        return f"DEMOREFUND{secrets.token_hex(6).upper()}"


BACKENDS = {"demo": "yichuang.payments.gateway.DemoPaymentService"}


def payment_service() -> PaymentService:
    path = str(getattr(settings, "PAYMENT_BACKEND", "") or "demo")
    service: PaymentService = import_string(BACKENDS.get(path, path))()
    return service
