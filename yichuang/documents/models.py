"""Seals (电子印章) and the documents they sign (文书).

"一枚印章管审批" (seeds 000 and 003): a town's own and granted powers are exercised under its single
行政审批专用章; items the county entrusted to a town under a numbered 行政审批业务专用章 the county
approval bureau issued to that town; county departments under their own seal; and a result handed
out at a point of another town under that point's 出件章.

Each seal has an SM2 key pair. The private key is kept only encrypted (SM4, key from the environment:
``yichuang.documents.crypto``). A document is a PDF whose SM3 digest is signed with the seal's key;
its verify code leads to the public page ``/verify/{code}`` that recomputes both.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yichuang.documents.stamp import seal_number_bare, seal_number_text


class SealKind(models.TextChoices):
    APPROVAL = "approval", _("行政审批专用章")
    DELEGATED = "delegated", _("带编号的行政审批业务专用章")
    OUTPUT = "output", _("出件专用章")
    DEPARTMENT = "department", _("部门印章")


class Seal(models.Model):
    code = models.CharField(_("印章编码"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=SealKind.choices)
    name = models.CharField(_("印章名称"), max_length=100, help_text=_("如：东双河镇人民政府行政审批专用章"))
    holder_name = models.CharField(
        _("印章环文"),
        max_length=40,
        help_text=_("沿印章外圈排列的单位名称，如：信阳市浉河区东双河镇人民政府"),
    )
    caption = models.CharField(
        _("横排文字"), max_length=20, blank=True, help_text=_("五角星下方的文字，如：行政审批专用章")
    )
    number = models.CharField(
        _("印章编号"),
        max_length=20,
        blank=True,
        help_text=_("带编号的业务专用章的编号，如 006，印在五角星下方；括号自动加上"),
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("用印单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="seals",
        help_text=_("审批专用章、业务专用章和部门印章：使用该印章作出决定的单位。"),
    )
    issuer = models.ForeignKey(
        "org.Department",
        verbose_name=_("制发单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_seals",
        help_text=_("带编号的业务专用章由县级行政审批局制发。"),
    )
    point = models.ForeignKey(
        "org.ServicePoint",
        verbose_name=_("出件服务点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="seals",
        help_text=_("出件章：在该服务点（及其下属站点）出件时使用。"),
    )
    items = models.ManyToManyField(
        "catalog.ServiceItem",
        verbose_name=_("授权事项"),
        blank=True,
        related_name="+",
        help_text=_("带编号的业务专用章只为其授权（委托）所列事项用印；不填表示用印单位受委托的全部事项。"),
    )
    public_key = models.CharField(
        _("SM2 公钥"), max_length=130, editable=False, help_text=_("未压缩坐标 x‖y，128 位十六进制")
    )
    private_key = models.TextField(_("SM2 私钥（SM4 加密）"), editable=False)
    valid_from = models.DateTimeField(_("启用时间"), default=timezone.now)
    revoked_at = models.DateTimeField(
        _("停用时间"), null=True, blank=True, help_text=_("停用（吊销）后签发的文书验证不通过。")
    )
    revoke_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("电子印章")
        verbose_name_plural = pgettext_lazy("plural", "电子印章")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["kind", "department"], name="seal_kind_department"),
            models.Index(fields=["kind", "point"], name="seal_kind_point"),
        ]

    def __str__(self) -> str:
        return f"{self.name}{self.number_text}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Stored bare ("006"): the brackets belong to how it is printed, and typing them too made
        # "…专用章（东双河镇）（（006））" on the verify page.
        self.number = seal_number_bare(self.number)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.number = seal_number_bare(self.number)
        errors: dict[str, str] = {}
        if (
            self.kind in (SealKind.APPROVAL, SealKind.DELEGATED, SealKind.DEPARTMENT)
            and not self.department_id
        ):
            errors["department"] = str(_("审批专用章、业务专用章和部门印章须指定用印单位。"))
        if self.kind == SealKind.OUTPUT and not self.point_id:
            errors["point"] = str(_("出件章须指定出件服务点。"))
        if self.kind == SealKind.DELEGATED and not (self.number and self.issuer_id):
            errors["number"] = str(_("带编号的业务专用章须填写编号和制发单位。"))
        if self.revoked_at is not None and self.valid_from and self.revoked_at < self.valid_from:
            errors["revoked_at"] = str(_("停用时间不能早于启用时间。"))
        if errors:
            raise ValidationError(errors)

    @property
    def number_text(self) -> str:
        """The number with one pair of brackets, as printed: （006）."""
        return seal_number_text(self.number)

    def valid_at(self, moment: dt.datetime) -> bool:
        """In force at ``moment``: already issued and not yet revoked."""
        return self.valid_from <= moment and (self.revoked_at is None or self.revoked_at > moment)

    @property
    def fingerprint(self) -> str:
        """The first 16 hex digits of the public key's SM3 digest, for people comparing keys."""
        from yichuang.documents.crypto import sm3_hex

        return sm3_hex(bytes.fromhex(self.public_key))[:16].upper() if self.public_key else ""


class DocumentKind(models.TextChoices):
    ACCEPTANCE_NOTICE = "acceptance_notice", _("受理通知书")
    SUPPLEMENT_NOTICE = "supplement_notice", _("一次性告知书")
    REFUSAL_NOTICE = "refusal_notice", _("不予受理通知书")
    COMMITMENT = "commitment", _("告知承诺书")
    APPROVAL_DECISION = "approval_decision", _("准予许可决定书")
    DENIAL_DECISION = "denial_decision", _("不予许可决定书")
    CERTIFICATE = "certificate", _("证照")
    DELIVERY_RECEIPT = "delivery_receipt", _("送达回证")
    HANDOVER_LIST = "handover_list", _("移交清单")
    HANDOVER_RECEIPT = "handover_receipt", _("移交清单回执")
    APPLICATION_FORM = "application_form", _("申请表")
    REVOCATION_DECISION = "revocation_decision", _("撤销决定书")


#: Documents of a handover list rather than of a case, and the end of the list whose seal stamps them.
HANDOVER_KINDS = {DocumentKind.HANDOVER_LIST: "from", DocumentKind.HANDOVER_RECEIPT: "to"}


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("待签章")
    SIGNED = "signed", _("已签章")
    UNSEALED = "unsealed", _("无可用印章")


def document_path(instance: Document, filename: str) -> str:
    return f"documents/{timezone.localdate():%Y/%m}/{instance.pk.hex}.pdf"


class Document(models.Model):
    """A document issued for a case, or for a handover list (the list when it is sent, its receipt when
    the receiver confirms): exactly one of the two. The row is written with the action (cheap); the PDF
    is rendered and signed after commit, or on demand when someone asks for it first."""

    id = models.UUIDField(_("编号"), primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("办件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    handover = models.ForeignKey(
        "handover.Handover",
        verbose_name=_("移交清单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    kind = models.CharField(_("文书类型"), max_length=30, choices=DocumentKind.choices)
    title = models.CharField(_("标题"), max_length=60)
    seal = models.ForeignKey(
        Seal,
        verbose_name=_("印章"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    verify_code = models.CharField(_("验证码"), max_length=20, unique=True)
    data = models.JSONField(_("内容快照"), default=dict)
    issued_at = models.DateTimeField(_("出具时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("出具人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    file = models.FileField(_("PDF 文件"), upload_to=document_path, max_length=200, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    sm3 = models.CharField(_("SM3 摘要"), max_length=64, blank=True)
    signature = models.CharField(_("SM2 签名"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("签章时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = pgettext_lazy("plural", "文书")
        ordering = ["issued_at", "id"]
        indexes = [models.Index(fields=["case", "issued_at"], name="document_case_issued")]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False, handover__isnull=True)
                | Q(case__isnull=True, handover__isnull=False),
                name="document_of_case_or_handover",
            ),
            # A list is sent once and confirmed once: one document of each kind, also when two clerks
            # press "send" at the same moment.
            models.UniqueConstraint(
                fields=["handover", "kind"],
                condition=Q(handover__isnull=False),
                name="document_handover_kind_once",
            ),
        ]

    #: The foreign keys a document's owner may sit in: exactly one is set (the check constraint).
    OWNERS = ("case", "handover")

    def __str__(self) -> str:
        return f"{self.title} {self.verify_code}"

    @classmethod
    def owner_field(cls, owner: models.Model) -> str:
        """The name of the foreign key that holds a document of ``owner`` (a case, a handover list),
        found from the model, so this app names no owner's class."""
        for name in cls.OWNERS:
            if cls._meta.get_field(name).related_model is owner._meta.concrete_model:
                return name
        raise TypeError(f"documents cannot belong to a {type(owner).__name__}")
