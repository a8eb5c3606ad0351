"""The Chinese holiday calendar as data: the days that break the ordinary week, and which years are known.

Deadlines (承诺时限, 法定时限) are counted in working days: Monday to Friday, minus the public
holidays the State Council announces each year (国务院办公厅关于部分节假日安排的通知), plus the
make-up working days (调休上班, usually a Saturday or Sunday) that come with them.

``CalendarDay`` stores only what differs from the ordinary week (a holiday on a weekday, a working
weekend); a holiday that falls on a weekend may be stored for display but changes no count.
``ScheduleYear`` says for which years an official schedule is on file: for any other year the
arithmetic counts weekends only and warns (``UncoveredYearWarning``).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("休")
    WORKDAY = "workday", _("班")


class Source(models.TextChoices):
    """Where an entry came from. ``import`` and ``admin`` win over a later package sync."""

    CHINESECALENDAR = "chinesecalendar", _("chinesecalendar 软件包")
    IMPORT = "import", _("官方文件导入")
    ADMIN = "admin", _("管理员编辑")


WEEKDAY_NAMES = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


class CalendarDay(models.Model):
    """One day whose status differs from the ordinary Monday-to-Friday week (节假日调整)."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=60, blank=True, help_text=_("例如：春节、国庆节"))
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.ADMIN)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = pgettext_lazy("plural", "节假日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".strip()

    @property
    def weekday_name(self) -> str:
        return str(WEEKDAY_NAMES[self.date.weekday()])

    @property
    def changes_count(self) -> bool:
        """Whether this entry changes any count: a weekday holiday or a weekend working day."""
        weekend = self.date.weekday() >= 5
        return (self.kind == DayKind.HOLIDAY and not weekend) or (self.kind == DayKind.WORKDAY and weekend)


class ScheduleYear(models.Model):
    """A year whose official holiday schedule is on file (年度安排).

    Without a row here a year counts weekends only, whatever ``CalendarDay`` rows it has: a half
    entered year must not pass for a complete one.
    """

    year = models.PositiveSmallIntegerField(
        _("年度"), unique=True, validators=[MinValueValidator(1949), MaxValueValidator(2200)]
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.ADMIN)
    published = models.DateField(
        _("发布日期"), null=True, blank=True, help_text=_("国务院办公厅通知的发布日期")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True, help_text=_("例如：国办发明电〔2026〕X号"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("年度安排")
        verbose_name_plural = pgettext_lazy("plural", "年度安排")
        ordering = ["-year"]

    def __str__(self) -> str:
        return _("%(year)s年") % {"year": self.year}
