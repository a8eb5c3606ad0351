"""Licences issued to holders (电子证照库): the result of a case, reusable as a material later (免证办).

A licence is found by its holder's ID number (resident ID or 统一社会信用代码) and its type; a later
application whose material accepts that type is satisfied by reference, without an upload.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yichuang.catalog.models import LicenseType
from yichuang.pii.fields import BlindIndexField, SealedCharField


class LicenseStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已注销")


class License(models.Model):
    number = models.CharField(_("证照编号"), max_length=60, unique=True)
    license_type = models.ForeignKey(
        LicenseType, verbose_name=_("证照类型"), on_delete=models.PROTECT, related_name="licenses"
    )
    holder_kind = models.CharField(_("持证主体类型"), max_length=20)
    holder_name = models.CharField(_("持证人"), max_length=100)
    holder_id_number = SealedCharField(_("持证人证件号码"), index="holder_id_number_index")
    holder_id_number_index = BlindIndexField(source="holder_id_number")
    issuer = models.CharField(_("发证机关"), max_length=100)
    issued_at = models.DateTimeField(_("颁发时间"))
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期止"), null=True, blank=True, help_text=_("空表示长期有效。"))
    status = models.CharField(
        _("状态"), max_length=10, choices=LicenseStatus.choices, default=LicenseStatus.VALID
    )
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("注销原因"), max_length=200, blank=True)
    source_case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("来源办件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_license",
    )
    #: The certificate's fields as printed when it was issued ([{"label", "value"}], personal numbers
    #: masked as on every document): what the electronic licence shows beside the paper.
    fields = models.JSONField(_("证照内容"), default=list, blank=True)

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = pgettext_lazy("plural", "电子证照")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["holder_id_number_index", "license_type"], name="license_holder_index_type"),
        ]

    def __str__(self) -> str:
        return f"{self.license_type.name} {self.number}"

    def in_force(self, on: dt.date) -> bool:
        """Valid on ``on``: not revoked, started, not expired."""
        return (
            self.status == LicenseStatus.VALID
            and self.valid_from <= on
            and (self.valid_until is None or on <= self.valid_until)
        )


# —— 证照模板: how each kind of certificate prints (桃江县 keeps 68), defined by staff without code ——


class Paper(models.TextChoices):
    A4 = "A4", "A4"
    A5 = "A5", "A5"
    B5 = "B5", "B5"
    A3 = "A3", "A3"


class Orientation(models.TextChoices):
    PORTRAIT = "portrait", _("纵向")
    LANDSCAPE = "landscape", _("横向")


class HolderKind(models.TextChoices):
    ALL = "", _("全部")
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("法人或其他组织")


class FieldSource(models.TextChoices):
    """Where a printed value comes from. The case's facts are composed by the cases app when the
    licence is issued (``cases.documents.certificate_facts``); the licence's own by this app."""

    FORM = "form", _("申请表字段")
    CONSTANT = "constant", _("固定文字")
    APPLICANT_NAME = "applicant.name", _("申请人姓名（名称）")
    APPLICANT_ID = "applicant.id_number", _("申请人证件号码（脱敏）")
    APPLICANT_GENDER = "applicant.gender", _("申请人性别（由身份证号码）")
    APPLICANT_BIRTH = "applicant.birth_date", _("申请人出生日期（由身份证号码）")
    APPLICANT_REGION = "applicant.region", _("申请人所在地")
    ITEM_NAME = "item.name", _("事项名称")
    CASE_NUMBER = "case.number", _("办件编号")
    CASE_DEPARTMENT = "case.department", _("承办单位")
    CASE_POINT = "case.point", _("受理服务点")
    CASE_ACCEPTED = "case.accepted_on", _("受理日期")
    LICENCE_NUMBER = "licence.number", _("证照编号")
    LICENCE_ISSUER = "licence.issuer", _("发证机关")
    LICENCE_ISSUED = "licence.issued_on", _("发证日期")
    LICENCE_FROM = "licence.valid_from", _("有效期起")
    LICENCE_UNTIL = "licence.valid_until", _("有效期至")
    LICENCE_VALIDITY = "licence.validity", _("有效期限（起止）")
    LICENCE_USCC = "licence.uscc", _("统一社会信用代码（登记时赋码）")


class CertificateLayout(models.Model):
    """The printed layout of one kind of certificate: title, paper, the fields in order and where each
    value comes from. The licence issued on approval keeps the fields as printed (``License.fields``),
    and the certificate PDF prints them; a later edit changes only what is issued after it."""

    license_type = models.OneToOneField(
        LicenseType,
        verbose_name=_("证照类型"),
        on_delete=models.CASCADE,
        related_name="certificate_layout",
    )
    title = models.CharField(_("证照标题"), max_length=60, blank=True, help_text=_("为空时用证照类型名称。"))
    subtitle = models.CharField(
        _("副标题"), max_length=60, blank=True, help_text=_("如：（副本）、统一社会信用代码证。")
    )
    paper = models.CharField(_("纸张"), max_length=4, choices=Paper.choices, default=Paper.A4)
    orientation = models.CharField(
        _("方向"), max_length=10, choices=Orientation.choices, default=Orientation.PORTRAIT
    )
    columns = models.PositiveSmallIntegerField(
        _("每行栏数"),
        default=1,
        choices=[(1, _("一栏")), (2, _("两栏"))],
        help_text=_("两栏时，标为“整行”的字段独占一行（如经营范围）。"),
    )
    border = models.CharField(
        _("边框颜色"),
        max_length=7,
        default="#b22222",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("请填写如 #b22222 的颜色。"))],
    )
    issuer = models.CharField(
        _("发证机关（落款）"),
        max_length=100,
        blank=True,
        help_text=_("为空时用证照类型的发证机关，再为空时用承办单位；印章按“一枚印章管审批”选取。"),
    )
    notes = models.TextField(_("注意事项"), blank=True, help_text=_("印在证照下方，一行一条。"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("证照模板")
        verbose_name_plural = pgettext_lazy("plural", "证照模板")
        ordering = ["license_type__code"]

    def __str__(self) -> str:
        return self.title or str(self.license_type)


class CertificateField(models.Model):
    layout = models.ForeignKey(
        CertificateLayout, verbose_name=_("证照模板"), on_delete=models.CASCADE, related_name="fields"
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    label = models.CharField(_("栏目名称"), max_length=40)
    source = models.CharField(_("取值来源"), max_length=30, choices=FieldSource.choices)
    key = models.CharField(
        _("申请表字段标识"),
        max_length=120,
        blank=True,
        help_text=_(
            "取值来源为申请表字段时填写，如 trade_name；统一社会信用代码填登记管理部门和机构类别代码，如 92。"
        ),
    )
    text = models.CharField(
        _("固定文字或缺省文字"),
        max_length=300,
        blank=True,
        help_text=_("固定文字的内容；其他来源没有取到值时印这段文字（为空印“—”）。"),
    )
    holder = models.CharField(
        _("适用持证主体"),
        max_length=20,
        blank=True,
        choices=HolderKind.choices,
        default=HolderKind.ALL,
        help_text=_("如营业执照：个体工商户印“经营者”，企业印“法定代表人”。"),
    )
    wide = models.BooleanField(_("整行"), default=False)

    class Meta:
        verbose_name = _("证照栏目")
        verbose_name_plural = pgettext_lazy("plural", "证照栏目")
        ordering = ["layout", "order", "id"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.source == FieldSource.FORM and not self.key.strip():
            errors["key"] = str(_("取值来源为申请表字段时，请填写申请表字段标识。"))
        if self.source == FieldSource.CONSTANT and not self.text.strip():
            errors["text"] = str(_("固定文字不能为空。"))
        if self.source == FieldSource.LICENCE_USCC and self.key and len(self.key.strip()) != 2:
            errors["key"] = str(_("统一社会信用代码请填两位：登记管理部门代码和机构类别代码，如 92。"))
        if errors:
            raise ValidationError(errors)
