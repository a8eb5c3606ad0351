"""The waybill (运单) of a result sent by post, with the carrier's last events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yichuang.pii.fields import SealedCharField, sealed_length


class Waybill(models.Model):
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="waybill"
    )
    carrier = models.CharField(_("寄递服务"), max_length=40)
    number = models.CharField(_("运单号"), max_length=40, db_index=True)
    recipient_name = models.CharField(_("收件人"), max_length=100, blank=True)
    #: sealed at rest (SM4-GCM, decision 106): shown masked, sent whole to the carrier only
    recipient_phone = SealedCharField(_("收件人电话"), blank=True)
    address = SealedCharField(_("收件地址"), max_length=sealed_length(200), blank=True)
    #: made through the carrier's interface (else typed in by the clerk from a paper waybill)
    created_online = models.BooleanField(_("经寄递接口下单"), default=False)
    events = models.JSONField(_("物流轨迹"), default=list, blank=True)
    tracked_at = models.DateTimeField(_("轨迹更新时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("下单时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("邮寄运单")
        verbose_name_plural = _("邮寄运单")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number
