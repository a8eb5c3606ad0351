"""Licences issued to holders (电子证照库): the result of a case, reusable as a material later (免证办).

A licence is found by its holder's ID number (resident ID or 统一社会信用代码) and its type; a later
application whose material accepts that type is satisfied by reference, without an upload.
"""

from __future__ import annotations

import datetime as dt

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
