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


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class SmsMessage(models.Model):
    to = models.CharField(_("手机号"), max_length=20)
    template = models.CharField(_("模板编码"), max_length=50)
    body = models.TextField(_("短信内容"))
    case_number = models.CharField(_("办件编号"), max_length=40, blank=True, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_id = models.CharField(_("网关回执号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信发件箱")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notify_sms_pending_idx")]

    def __str__(self) -> str:
        return f"{self.template} → {mask_phone(self.to)}"

    @property
    def masked_to(self) -> str:
        return mask_phone(self.to)


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
