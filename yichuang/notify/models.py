"""The SMS outbox: editable texts, and every message the platform sends to an applicant.

A message row is written in the same transaction as the case action that causes it, and is sent
only after that transaction commits (``services.sms_enqueue``). ``to`` holds the full number
because the gateway needs it; everything that shows a message to a person masks it.
"""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yichuang.common.identity import mask_phone
from yichuang.notify.defaults import PLACEHOLDERS
from yichuang.pii.fields import SealedCharField

PLACEHOLDER_HELP = format_lazy(
    "{}{}", _("可用占位符："), "、".join(f"${{{name}}}（{label}）" for name, label in PLACEHOLDERS.items())
)


def template_problems(body: str) -> list[str]:
    """What is wrong with a template text: unknown placeholders, a ``$`` that starts none."""
    problems: list[str] = []
    for match in string.Template.pattern.finditer(body):
        name = match.group("named") or match.group("braced")
        if match.group("invalid") is not None:
            problems.append(
                str(
                    _("第%(position)d个字符处的“$”不是占位符；要写“$”本身请写“$$”。")
                    % {"position": match.start() + 1}
                )
            )
        elif name and name not in PLACEHOLDERS:
            problems.append(str(_("未知占位符 ${%(name)s}。") % {"name": name}))
    return problems


class SmsTemplate(models.Model):
    code = models.SlugField(
        _("编码"), max_length=50, unique=True, help_text=_("程序按编码选用模板，如 case_accepted。")
    )
    name = models.CharField(_("名称"), max_length=100)
    body = models.TextField(_("短信内容"), help_text=PLACEHOLDER_HELP)
    active = models.BooleanField(_("启用"), default=True, help_text=_("停用后改用系统内置的默认文本。"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("短信模板")
        verbose_name_plural = _("短信模板")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def clean(self) -> None:
        super().clean()
        problems = template_problems(self.body or "")
        if problems:
            raise ValidationError({"body": problems})


class SmsProvider(models.TextChoices):
    """The SMS platforms the project has a gateway for (``SMS_BACKEND=aliyun`` / ``tencent``)."""

    ALIYUN = "aliyun", _("阿里云短信服务")
    TENCENT = "tencent", _("腾讯云短信")


class SmsProviderTemplate(models.Model):
    """Which template approved at a platform sends one of our templates, and what fills its variables.

    A platform sends only texts it has approved in advance (模板审核), with variables of its own:
    named at Alibaba Cloud (``${name}``, filled by the JSON ``TemplateParam``), numbered at Tencent
    Cloud (``{1}``, ``{2}``…, filled by ``TemplateParamSet`` in order). ``params`` says which of our
    placeholders goes where; empty means "our placeholders in the order our text uses them, under
    their own names", which is right for a template applied for with ``yichuang sms_templates``.
    """

    template = models.ForeignKey(
        SmsTemplate,
        verbose_name=_("模板"),
        to_field="code",
        on_delete=models.CASCADE,
        related_name="provider_templates",
    )
    provider = models.CharField(_("短信平台"), max_length=20, choices=SmsProvider.choices)
    provider_code = models.CharField(
        _("平台模板编号"),
        max_length=50,
        help_text=_("阿里云的模板 CODE（如 SMS_123456789），或腾讯云的模板 ID（如 1234567）。"),
    )
    params = models.CharField(
        _("参数对照"),
        max_length=500,
        blank=True,
        help_text=_(
            "留空：按本模板文字中占位符出现的顺序、用同样的名字。阿里云可写“平台变量名=占位符”，"
            "如 name=item,code=number；腾讯云按 {1}、{2}… 的顺序写占位符，如 item,number,due_date。"
        ),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("短信平台模板")
        verbose_name_plural = _("短信平台模板")
        ordering = ["template", "provider"]
        constraints = [
            models.UniqueConstraint(fields=["template", "provider"], name="sms_provider_template_once")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} → {self.get_provider_display()} {self.provider_code}"

    def clean(self) -> None:
        super().clean()
        from yichuang.notify.mapping import MappingError, parse_params

        try:
            parse_params(self.params, provider=self.provider)
        except MappingError as exc:
            raise ValidationError({"params": str(exc)}) from exc


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class SmsReceipt(models.TextChoices):
    """What the carrier reported after the platform took the message (回执)."""

    DELIVERED = "delivered", _("已送达")
    UNDELIVERED = "undelivered", _("未送达")


class SmsMessage(models.Model):
    to = SealedCharField(_("手机号"))
    template = models.CharField(_("模板编码"), max_length=50)
    body = models.TextField(_("短信内容"))
    case_number = models.CharField(_("办件编号"), max_length=40, blank=True, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_id = models.CharField(_("网关回执号"), max_length=100, blank=True)
    # The rendered values of the placeholders: a platform fills its approved template with them.
    params = models.JSONField(_("模板参数"), default=dict, blank=True)
    backend = models.CharField(_("发送通道"), max_length=20, blank=True)
    error_code = models.CharField(_("错误码"), max_length=100, blank=True)
    receipt = models.CharField(_("送达回执"), max_length=12, choices=SmsReceipt.choices, blank=True)
    receipt_at = models.DateTimeField(_("回执时间"), null=True, blank=True)
    receipt_detail = models.CharField(_("回执说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信发件箱")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_sms_pending_idx"),
            # A delivery receipt names the message by the platform's id (BizId, SerialNo).
            models.Index(fields=["backend", "provider_id"], name="notify_sms_provider_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {mask_phone(self.to)}"

    @property
    def masked_to(self) -> str:
        return mask_phone(self.to)


class SmsWaitingReceipt(models.Model):
    """A delivery receipt that named no message of ours when it came: the platform can report a
    delivery before the transaction that recorded its message id has committed (the sweep sends up to
    50 messages in one), or it reports for another application on the same account. Kept a day and
    matched when the id appears (``receipts.sms_match_waiting_receipts``)."""

    backend = models.CharField(_("发送通道"), max_length=20)
    provider_id = models.CharField(_("网关回执号"), max_length=100)
    delivered = models.BooleanField(_("已送达"))
    reported_at = models.DateTimeField(_("回执时间"), null=True, blank=True)
    detail = models.CharField(_("回执说明"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("待匹配的回执")
        verbose_name_plural = _("待匹配的回执")
        indexes = [models.Index(fields=["backend", "provider_id"], name="notify_receipt_waiting_idx")]

    def __str__(self) -> str:
        return f"{self.backend} {self.provider_id}"


class StaffNotice(models.Model):
    """A reminder for a member of staff (到期预警, 超期督办): shown on his pages and, when he has a
    mobile number, sent by SMS. ``key`` makes each reminder happen once however often the sweep runs."""

    recipient = models.ForeignKey(
        "org.Staff", verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("类型"), max_length=30)
    key = models.CharField(_("去重键"), max_length=120)
    case_number = models.CharField(_("办件编号"), max_length=40, blank=True, db_index=True)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作提醒")
        verbose_name_plural = pgettext_lazy("plural", "工作提醒")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="staff_notice_once")]

    def __str__(self) -> str:
        return f"{self.recipient} {self.kind} {self.case_number}"
