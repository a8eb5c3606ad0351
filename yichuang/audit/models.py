"""The tamper-evident audit trail beside the case timelines (``cases.CaseEvent``): security events in
one SM3 chain, and the ledger that seals both (docs/decisions.md, "tamper-evident audit trail")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SecurityKind(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    LOGOUT = "logout", _("退出登录")
    ROLE_CHANGE = "role_change", _("角色变更")
    SCOPE_CHANGE = "scope_change", _("范围变更")
    STAFF_CREATED = "staff_created", _("新增人员")
    EXPORT = "export", _("数据导出")
    PERSONAL_DATA = "personal_data", _("下载个人数据")
    CONTACT_REVEAL = "contact_reveal", _("查看完整号码")


class SecurityEvent(models.Model):
    """One security event, the ``seq``-th of the one chain (rare: a row lock on ``AuditChainHead``)."""

    seq = models.PositiveIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    kind = models.CharField(_("类型"), max_length=20, choices=SecurityKind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="security_events",
    )
    username = models.CharField(_("账号"), max_length=150, blank=True)
    ip = models.CharField(_("地址"), max_length=45, blank=True)
    subject = models.CharField(_("对象"), max_length=100, blank=True)
    from_value = models.CharField(_("原值"), max_length=200, blank=True)
    to_value = models.CharField(_("新值"), max_length=200, blank=True)
    note = models.TextField(_("说明"), blank=True)
    prev_digest = models.CharField(_("前一条摘要"), max_length=64, blank=True)
    digest = models.CharField(_("摘要"), max_length=64)

    class Meta:
        verbose_name = _("安全事件")
        verbose_name_plural = _("安全事件")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.username}"


class AuditChainHead(models.Model):
    """The head of the security chain (one row, ``name="security"``): locked to append."""

    name = models.CharField(max_length=20, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    digest = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.name} #{self.count}"


class AuditSeal(models.Model):
    """One batch of the ledger: the records written since the seal before (case lines up to
    ``through_case_event``, security events up to ``through_security``), each touched case's head
    ``{number: [count, digest]}`` and the security head, chained by ``prev`` and keyed by ``mac``
    (HMAC-SM3 under a key outside the database)."""

    sealed_at = models.DateTimeField(_("封存时间"), default=timezone.now)
    through_case_event = models.BigIntegerField(default=0)
    through_security = models.BigIntegerField(default=0)
    case_events = models.PositiveIntegerField(default=0)
    heads = models.JSONField(default=dict)
    security_head = models.JSONField(default=list)
    prev = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计封存")
        verbose_name_plural = _("审计封存")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.digest[:12]}"
