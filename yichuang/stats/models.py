"""Monthly rollups of the case figures (KPI), kept up to date incrementally from the case timeline.

A page view sums a few hundred rollup rows instead of counting millions of cases: the sweep
(``services.rollup_advance``) reads only the timeline events written since it last ran.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MonthlyFigure(models.Model):
    """What one clerk at one window of one point did in one month, for one kind of item."""

    #: month:point:window:staff:kind, one row each (the nullable parts as 0)
    key = models.CharField(max_length=80, unique=True)
    month = models.DateField(_("月份"), help_text=_("当月1日"))
    point = models.ForeignKey(
        "org.ServicePoint", verbose_name=_("服务点"), on_delete=models.PROTECT, related_name="+"
    )
    #: The point's 12-digit region code, so a county or a town is one prefix filter.
    region_code = models.CharField(_("区划代码"), max_length=12)
    window = models.ForeignKey(
        "org.Window",
        verbose_name=_("窗口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工作人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("办件类型"), max_length=10)
    accepted = models.PositiveIntegerField(_("受理件数"), default=0)
    completed = models.PositiveIntegerField(_("办结件数"), default=0)
    on_time = models.PositiveIntegerField(_("按时办结件数"), default=0)
    workdays_used = models.PositiveIntegerField(_("实际用时(工作日)合计"), default=0)
    promised_days = models.PositiveIntegerField(_("承诺时限合计"), default=0)
    statutory_days = models.PositiveIntegerField(_("法定时限合计"), default=0)
    visits = models.PositiveIntegerField(_("跑动次数合计"), default=0)
    one_visit = models.PositiveIntegerField(_("最多跑一次件数"), default=0)
    agent_home = models.PositiveIntegerField(_("送证上门件数"), default=0)
    agent_submitted = models.PositiveIntegerField(_("代办件数"), default=0)

    class Meta:
        verbose_name = _("月度统计")
        verbose_name_plural = pgettext_lazy("plural", "月度统计")
        indexes = [models.Index(fields=["month", "region_code"], name="monthly_figure_month_region")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.point_id} {self.staff_id} {self.kind}"


class RollupState(models.Model):
    """Where the sweep stopped: the last timeline event counted. One row."""

    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("统计进度")
        verbose_name_plural = pgettext_lazy("plural", "统计进度")

    def __str__(self) -> str:
        return str(self.last_event_id)


class Indicator(models.TextChoices):
    ON_TIME_RATE = "on_time_rate", _("按时办结率")
    SATISFACTION_RATE = "satisfaction_rate", _("满意率")
    IMMEDIATE_SHARE = "immediate_share", _("即办件占比")
    COMPRESSION = "compression", _("时限压缩率")
    RECTIFICATION_RATE = "rectification_rate", _("差评整改率")
    ONE_VISIT_RATE = "one_visit_rate", _("最多跑一次率")


class AssessmentIndicator(models.Model):
    """考核指标: which figures count in the monthly and yearly assessment, with what weight."""

    indicator = models.CharField(_("指标"), max_length=30, choices=Indicator.choices, unique=True)
    weight = models.PositiveSmallIntegerField(_("权重"), default=10)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = pgettext_lazy("plural", "考核指标")
        ordering = ["-weight", "indicator"]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} ×{self.weight}"
