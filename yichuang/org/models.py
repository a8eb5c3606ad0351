"""The organization: five levels of regions, service points, windows, departments and staff.

Region codes are the 12-digit statistical division codes (统计用区划代码): 2 digits province,
2 city, 2 county, 3 town, 3 village. A region's subtree is every code that starts with its
significant prefix, so "everything in this town" is one indexed ``LIKE 'prefix%'``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yichuang.pii.fields import BlindIndexField, SealedCharField


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县(区)")
    TOWN = "town", _("乡镇(街道)")
    VILLAGE = "village", _("村(社区)")


#: How many leading digits of the 12-digit code are significant at each level.
PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWN: 9,
    RegionLevel.VILLAGE: 12,
}
PARENT_LEVEL = {
    RegionLevel.CITY: RegionLevel.PROVINCE,
    RegionLevel.COUNTY: RegionLevel.CITY,
    RegionLevel.TOWN: RegionLevel.COUNTY,
    RegionLevel.VILLAGE: RegionLevel.TOWN,
}

division_code = RegexValidator(r"^\d{12}$", _("区划代码应为12位数字。"))


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True, validators=[division_code])
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = pgettext_lazy("plural", "行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return _("%(name)s（%(code)s）") % {"name": self.name, "code": self.code}

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[RegionLevel(self.level)]]

    def contains(self, other: Region) -> bool:
        return other.code.startswith(self.prefix)

    def clean(self) -> None:
        level = RegionLevel(self.level) if self.level else None
        if level is None or not self.code:
            return
        significant = PREFIX_LENGTH[level]
        if self.code[significant:].strip("0"):
            raise ValidationError(
                {"code": _("该层级的区划代码在第%(n)d位之后应全为0。") % {"n": significant}}
            )
        if level == RegionLevel.PROVINCE:
            if self.parent_id:
                raise ValidationError({"parent": _("省级区划没有上级。")})
            return
        if self.parent is None:
            raise ValidationError({"parent": _("请选择上级区划。")})
        if self.parent.level != PARENT_LEVEL[level]:
            raise ValidationError({"parent": _("上级区划的层级不对。")})
        if not self.code.startswith(self.parent.prefix):
            raise ValidationError({"code": _("区划代码应以上级区划代码开头。")})


class PointKind(models.TextChoices):
    COUNTY_HALL = "county_hall", _("政务服务中心")
    TOWN_CENTER = "town_center", _("便民服务中心")
    VILLAGE_STATION = "village_station", _("便民服务站")
    BANK_OUTLET = "bank_outlet", _("政银合作工作站")
    KIOSK = "kiosk", _("自助终端")


class ServicePoint(models.Model):
    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=PointKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="points"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级服务机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("村站、银行网点、自助终端隶属的便民服务中心或政务服务中心。"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=40, blank=True)
    open_all_year = models.BooleanField(_("全年无休"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务点")
        verbose_name_plural = pgettext_lazy("plural", "服务点")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class WindowKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合受理窗口")
    DEDICATED = "dedicated", _("专业窗口")


class Window(models.Model):
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("服务点"), on_delete=models.CASCADE, related_name="windows"
    )
    number = models.CharField(_("窗口号"), max_length=10)
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(
        _("类型"), max_length=20, choices=WindowKind.choices, default=WindowKind.COMPREHENSIVE
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = pgettext_lazy("plural", "窗口")
        ordering = ["point", "number"]
        constraints = [
            models.UniqueConstraint(fields=["point", "number"], name="window_number_unique_per_point")
        ]

    def __str__(self) -> str:
        return _("%(point)s %(number)s号 %(name)s") % {
            "point": self.point.name,
            "number": self.number,
            "name": self.name,
        }


class DepartmentKind(models.TextChoices):
    COUNTY_BUREAU = "county_bureau", _("县直部门")
    APPROVAL_BUREAU = "approval_bureau", _("行政审批局")
    TOWN_APPROVAL_CENTER = "town_approval_center", _("乡镇行政审批服务中心")
    TOWN_OFFICE = "town_office", _("乡镇站所")


class Department(models.Model):
    code = models.CharField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    kind = models.CharField(_("类型"), max_length=30, choices=DepartmentKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="departments"
    )
    point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("办公地点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="departments",
    )
    phone = models.CharField(_("电话"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = pgettext_lazy("plural", "部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


#: How a county's administrator (``Role.ADMIN`` bound to a region, decision 144) is shown.
COUNTY_ADMIN_LABEL = _("县区管理员")


class Role(models.TextChoices):
    ADMIN = "admin", _("平台管理员")
    WINDOW_CLERK = "window_clerk", _("窗口工作人员")
    REVIEWER = "reviewer", _("后台审批人员")
    VILLAGE_AGENT = "village_agent", _("村代办员")
    BANK_CLERK = "bank_clerk", _("银行网点工作人员")
    CENTER_MANAGER = "center_manager", _("中心负责人")
    SUPERVISOR = "supervisor", _("督查人员")


class Staff(AbstractUser):
    """A person who works in the system. Scope: a point, or a region subtree, or everything (admin)."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.WINDOW_CLERK)
    point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("所在服务点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("管辖区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("可见范围：该区划及其下级。为空时取所在服务点的区划。"),
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    window = models.ForeignKey(
        Window, verbose_name=_("窗口"), null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )
    #: sealed at rest (decision 106); the index answers the admin's search by the whole number
    phone = SealedCharField(_("手机号"), blank=True, index="phone_index")
    phone_index = BlindIndexField(source="phone", db_index=True)
    is_demo = models.BooleanField(
        _("演示账号"), default=False, help_text=_("演示数据账号；生产环境拒绝启动。")
    )

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = pgettext_lazy("plural", "工作人员")
        ordering = ["username"]

    def __str__(self) -> str:
        name = self.get_full_name() or self.username
        return _("%(name)s（%(role)s）") % {"name": name, "role": self.get_role_display()}

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new superuser with no place (``yichuang createsuperuser``) is the platform administrator,
        # not a window clerk of nowhere (the field's default), which no scope rule would know.
        if (
            self._state.adding
            and self.is_superuser
            and self.role == Role.WINDOW_CLERK
            and self.point_id is None
            and self.region_id is None
        ):
            self.role = Role.ADMIN
        super().save(*args, **kwargs)

    def set_password(self, raw_password: str | None) -> None:
        # The hash being replaced, for the password history (``org.passwords``): a password set
        # before the history was kept (or as a hash directly) still counts once it is changed.
        self._password_before = self.password
        super().set_password(raw_password)

    def get_role_display(self) -> str:  # type: ignore[no-redef]
        """The role as people read it. ``Role.ADMIN`` with a region or point is that county's
        administrator (decision 144): “县区管理员”, not “平台管理员”; the stored value, and so the API's
        ``role``, stays ``admin`` (decision 154)."""
        if self.role == Role.ADMIN and not self.is_superuser and (self.region_id or self.point_id):
            return str(COUNTY_ADMIN_LABEL)
        return str(Role(self.role).label) if self.role in Role.values else str(self.role)

    get_role_display.short_description = _("角色")  # type: ignore[attr-defined]
    get_role_display.admin_order_field = "role"  # type: ignore[attr-defined]

    def get_full_name(self) -> str:
        """Chinese names put the family name first, without a space (陈静, not 静 陈)."""
        return f"{self.last_name}{self.first_name}".strip()

    def clean(self) -> None:
        super().clean()
        if self.role == Role.ADMIN or self.is_superuser:
            return
        if self.point_id is None and self.region_id is None:
            raise ValidationError(_("除管理员外，工作人员必须指定服务点或管辖区划。"))
        if self.point is not None and self.region is not None and not self.region.contains(self.point.region):
            raise ValidationError({"region": _("服务点应在管辖区划之内。")})


class PasswordHistory(models.Model):
    """A password a member of staff has had, as Django's hash only (``org.passwords.PasswordHistoryValidator``):
    the last ``PASSWORD_HISTORY_COUNT`` are kept, and a new password may be none of them (等保 level 3)."""

    user = models.ForeignKey(
        Staff, verbose_name=_("工作人员"), on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(_("密码摘要"), max_length=128)
    set_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["user", "-set_at", "-id"]
        indexes = [models.Index(fields=["user", "-set_at", "-id"], name="password_history_latest")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.set_at:%Y-%m-%d %H:%M}"
