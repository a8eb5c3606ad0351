"""Citizens who apply online (网上办、掌上办): not staff. A citizen signs in with a code sent to his
phone, binds his real name (实名认证) and owns the cases he applies for. Codes and tokens are kept
as keyed digests only (``citizens.secrets``): the database never holds what a citizen types."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from yichuang.common.identity import mask_phone
from yichuang.pii.fields import BlindIndexField, SealedCharField, SealedJSONField, sealed_length


class Citizen(models.Model):
    phone = SealedCharField(_("手机号码"), index="phone_index")
    phone_index = BlindIndexField(source="phone", unique=True)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    id_number = SealedCharField(_("居民身份证号码"), blank=True, index="id_number_index")
    id_number_index = BlindIndexField(source="id_number", db_index=True)
    verified_at = models.DateTimeField(_("实名认证时间"), null=True, blank=True)
    identity_backend = models.CharField(_("认证服务"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)

    #: A citizen is the principal of his own requests (``request.user``), never a ``Staff``: every
    #: staff check (``scope_of``, the roles, ``files_for``) sees nothing it knows.
    is_authenticated = True
    is_anonymous = False
    is_active = True

    class Meta:
        verbose_name = _("群众")
        verbose_name_plural = _("群众")

    def __str__(self) -> str:
        return mask_phone(str(self.phone))

    @property
    def verified(self) -> bool:
        return self.verified_at is not None and bool(self.id_number)


class LoginCode(models.Model):
    """A 6-digit code sent by SMS; only its digest is kept. Valid a few minutes, a few tries."""

    phone = SealedCharField(_("手机号码"), index="phone_index")
    phone_index = BlindIndexField(source="phone", db_index=True)
    digest = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    tries = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录验证码")
        verbose_name_plural = _("登录验证码")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{mask_phone(str(self.phone))} {self.created_at:%Y-%m-%d %H:%M}"


class CitizenToken(models.Model):
    """A citizen's sign-in: the digest of the key he holds, never the key itself."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))

    class Meta:
        verbose_name = _("群众登录令牌")
        verbose_name_plural = _("群众登录令牌")

    def __str__(self) -> str:
        return f"{self.citizen_id} → {self.expires_at:%Y-%m-%d %H:%M}"


class CitizenCase(models.Model):
    """Which citizen applied for a case online, and how he wants the result."""

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="case_links")
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="citizen_link")
    delivery_method = models.CharField(_("希望的送达方式"), max_length=10)
    delivery_address = SealedCharField(_("邮寄地址"), max_length=sealed_length(200), blank=True)

    class Meta:
        verbose_name = _("网上申请")
        verbose_name_plural = _("网上申请")

    def __str__(self) -> str:
        return f"{self.citizen_id} {self.case_id}"


class CitizenFile(models.Model):
    """A file a citizen uploaded: his own to use in his applications."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="file_links")
    file = models.OneToOneField("files.StoredFile", on_delete=models.CASCADE, related_name="citizen_link")

    class Meta:
        verbose_name = _("群众上传的文件")
        verbose_name_plural = _("群众上传的文件")

    def __str__(self) -> str:
        return f"{self.citizen_id} {self.file_id}"


class DraftStep(models.TextChoices):
    """The steps of the online form on the phone pages, in order (情形 → 信息 → 材料 → 领取方式 → 确认)."""

    SITUATION = "situation", _("情形")
    INFO = "info", _("信息")
    MATERIALS = "materials", _("材料")
    DELIVERY = "delivery", _("领取方式")
    CONFIRM = "confirm", _("确认")


class ApplicationDraft(models.Model):
    """An online application not yet sent (草稿): what the citizen has filled so far — the form, the
    materials with his uploads, the commitments, how he wants the result — one per citizen and item,
    kept until he applies for that item (``citizen_apply`` removes it) or discards it. Nothing is
    checked against the item's rules until he applies: a draft may be half-filled."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="drafts")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.CASCADE, related_name="+")
    point = models.CharField(_("受理服务点编码"), max_length=20, blank=True)
    #: the 办理情形 he is in (``catalog.situations``: its code), which decides the materials asked
    situation = models.CharField(_("办理情形"), max_length=30, blank=True, default="")
    #: what he has typed (ID numbers, phones, addresses among it) and how he wants the result (his
    #: address): sealed whole (SM4), like the case's form
    form: Any = SealedJSONField(_("申请表"), default=dict, blank=True)
    materials = models.JSONField(_("申请材料"), default=list, blank=True)
    commitments = models.JSONField(_("告知承诺的材料"), default=list, blank=True)
    delivery: Any = SealedJSONField(_("领取方式"), default=dict, blank=True)
    #: how far the step form has come (``citizens.steps``): a later step opens once the earlier are done
    step = models.CharField(
        _("进行到"), max_length=10, choices=DraftStep.choices, default=DraftStep.SITUATION
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("网上申请草稿")
        verbose_name_plural = _("网上申请草稿")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["citizen", "item"], name="application_draft_one_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.citizen_id} {self.item_id}"
