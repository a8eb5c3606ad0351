"""The payment order (缴费单) of a case whose item carries a fee, paid through the public payment
platform (统一公共支付) or at the window, refunded when the case ends without a result."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    UNPAID = "unpaid", _("待缴费")
    PAID = "paid", _("已缴费")
    REFUND_PENDING = "refund_pending", _("退费中")
    REFUNDED = "refunded", _("已退费")
    CANCELLED = "cancelled", _("已撤销")


class PaymentOrder(models.Model):
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="payment_order"
    )
    number = models.CharField(_("缴费单号"), max_length=40, unique=True)
    title = models.CharField(_("收费项目"), max_length=200)
    standard = models.CharField(_("收费标准"), max_length=200, blank=True)
    basis = models.CharField(_("收费依据"), max_length=300, blank=True)
    #: in fen (分): no float ever touches money
    amount = models.PositiveIntegerField(_("金额（分）"))
    status = models.CharField(
        _("状态"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.UNPAID
    )
    provider = models.CharField(_("支付渠道"), max_length=40, blank=True)
    trade_number = models.CharField(_("支付流水号"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("缴费时间"), null=True, blank=True)
    refund_reason = models.CharField(_("退费原因"), max_length=300, blank=True)
    refund_number = models.CharField(_("退费流水号"), max_length=64, blank=True)
    refunded_at = models.DateTimeField(_("退费时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("开单时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("缴费单")
        verbose_name_plural = _("缴费单")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def amount_yuan(self) -> str:
        return f"{self.amount // 100}.{self.amount % 100:02d}"
