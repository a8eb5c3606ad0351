"""Other systems on the platform (issue 17, item 5): OAuth2 clients with a region and scopes, their
subscriptions to case events, and the outbox of signed events with its dead-letter list."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yichuang.pii.fields import SealedCharField


class EventType(models.TextChoices):
    CREATED = "case.created", _("办件创建")
    STATUS_CHANGED = "case.status_changed", _("办件状态变化")
    DECIDED = "case.decided", _("办件作出决定")
    DELIVERED = "case.delivered", _("办件送达")


class SystemClient(models.Model):
    """An outside system (省一体化平台、部门业务系统…): an OAuth2 application (client credentials)
    and what part of the platform it may see."""

    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        verbose_name=_("OAuth2 应用"),
        on_delete=models.CASCADE,
        related_name="system",
    )
    name = models.CharField(_("系统名称"), max_length=100)
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("可见区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("留空表示全平台"),
    )
    scopes = models.CharField(
        _("授权范围"),
        max_length=200,
        default="cases:read",
        help_text=_("空格分隔，如 cases:read events:subscribe"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("对接系统")
        verbose_name_plural = pgettext_lazy("plural", "对接系统")

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """Where a system wants a case's events sent, signed with a secret only it and we hold."""

    client = models.ForeignKey(
        SystemClient, verbose_name=_("对接系统"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    url = models.URLField(_("接收地址"), max_length=500)
    secret = SealedCharField(_("签名密钥"))
    events = models.JSONField(_("订阅的事件"), default=list, blank=True, help_text=_("留空表示全部"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("事件订阅")
        verbose_name_plural = pgettext_lazy("plural", "事件订阅")

    def __str__(self) -> str:
        return f"{self.client} → {self.url}"


class EventStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    DEAD = "dead", _("发送失败（死信）")


class OutboundEvent(models.Model):
    """One event for one subscription, written in the transaction of the action it reports (an
    outbox: nothing is lost when the receiver, the worker or this process is down)."""

    #: The event's identity for receivers (``webhook-id``, the body's ``id``): they dedupe on it.
    uid = models.UUIDField(_("事件标识"), default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        Subscription, verbose_name=_("订阅"), on_delete=models.CASCADE, related_name="outbound"
    )
    type = models.CharField(_("事件"), max_length=40, choices=EventType.choices)
    case_number = models.CharField(_("办件编号"), max_length=40, db_index=True)
    payload = models.JSONField(_("内容"))
    created_at = models.DateTimeField(_("产生时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    last_status = models.PositiveSmallIntegerField(_("最近一次应答码"), null=True, blank=True)
    last_error = models.CharField(_("最近一次错误"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("外发事件")
        verbose_name_plural = pgettext_lazy("plural", "外发事件")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="integ_event_due")]

    def __str__(self) -> str:
        return f"{self.type} {self.case_number}"


class ExternalLicense(models.Model):
    """A licence of the local register mirrored from another register (the province's library)."""

    license = models.OneToOneField(
        "licenses.License", verbose_name=_("电子证照"), on_delete=models.CASCADE, related_name="external"
    )
    source = models.CharField(_("来源"), max_length=20, default="province")
    fetched_at = models.DateTimeField(_("获取时间"), auto_now=True)

    class Meta:
        verbose_name = _("外部电子证照")
        verbose_name_plural = pgettext_lazy("plural", "外部电子证照")

    def __str__(self) -> str:
        return f"{self.license} ({self.source})"


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("待上报")
    SENT = "sent", _("已上报")
    FAILED = "failed", _("上报失败")


class RatingReport(models.Model):
    """One 好差评 record to report to the national system, written with the rating (an outbox)."""

    rating = models.OneToOneField(
        "ratings.Rating", verbose_name=_("评价"), on_delete=models.CASCADE, related_name="report"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    sent_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    last_error = models.CharField(_("最近一次错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("好差评上报")
        verbose_name_plural = pgettext_lazy("plural", "好差评上报")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="integ_report_due")]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.status}"
