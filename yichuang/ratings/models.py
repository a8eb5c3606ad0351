"""好差评 (国办发〔2019〕51号; GB/T 39734-2020 and GB/T 39735-2020): every case may be rated once per
channel; a bad rating (2 or less) opens a rectification that is tracked to its callback; a malicious
rating may be appealed (申诉复核) and, when upheld, no longer counts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yichuang.pii.fields import SealedTextField


class Score(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASIC = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


class RatingChannel(models.TextChoices):
    SMS = "sms", _("短信评价")
    WEB = "web", _("网上评价")
    KIOSK = "kiosk", _("自助终端评价")
    PAD = "pad", _("窗口评价器")
    HOTLINE = "hotline", _("12345热线回访")


#: The dimensions of GB/T 39734 (online) and GB/T 39735 (on site), each rated 1–5 when given.
ONLINE_DIMENSIONS = {
    "efficiency": _("办事效率"),
    "guide_accuracy": _("办事指南准确性"),
    "convenience": _("便利程度"),
    "operability": _("可操作性"),
}
ONSITE_DIMENSIONS = {
    "efficiency": _("办事效率"),
    "competence": _("业务水平"),
    "attitude": _("服务态度"),
}
ONLINE_CHANNELS = {RatingChannel.SMS, RatingChannel.WEB}

#: A rating at or below this opens a rectification (差评整改).
BAD_SCORE = 2
#: Working days to call the rater back and fix what went wrong.
RECTIFY_WORKDAYS = 5


class Rating(models.Model):
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("办件"), on_delete=models.PROTECT, related_name="ratings"
    )
    channel = models.CharField(_("评价渠道"), max_length=10, choices=RatingChannel.choices)
    score = models.PositiveSmallIntegerField(_("评价等级"), choices=Score.choices)
    dimensions = models.JSONField(_("分项评价"), default=dict, blank=True)
    comment = SealedTextField(_("评价内容"), blank=True)  # plain text capped at 500 by the forms and the API
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True, db_index=True)
    # Who served, copied at rating time so assessment needs no join through the case's history.
    point = models.ForeignKey(
        "org.ServicePoint", verbose_name=_("服务点"), on_delete=models.PROTECT, related_name="ratings"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    excluded = models.BooleanField(
        _("不计入统计"), default=False, help_text=_("申诉复核认定为恶意差评后不计入。")
    )

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = pgettext_lazy("plural", "评价")
        ordering = ["-created_at", "-id"]
        constraints = [
            # 一次一评、一事一评: one rating of a case per channel.
            models.UniqueConstraint(fields=["case", "channel"], name="rating_once_per_channel"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_score_display()}"

    @property
    def bad(self) -> bool:
        return self.score <= BAD_SCORE


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    CALLED_BACK = "called_back", _("已回访")
    CLOSED = "closed", _("已办结")


class RectificationSource(models.TextChoices):
    RATING = "rating", _("好差评差评")
    TICKET = "ticket", _("热线回访不满意")


class Rectification(models.Model):
    """整改: a named owner of the unit responsible calls the person back within 5 working days and
    records the outcome. Opened by a bad rating (差评整改) or by an unsatisfied revisit of a 12345
    ticket (回访不满意整改); exactly one of ``rating`` and ``ticket`` says which."""

    rating = models.OneToOneField(
        Rating,
        verbose_name=_("差评"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification",
    )
    ticket = models.ForeignKey(
        "hotline.Ticket",
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    #: The unit responsible (the case's handling unit, the named staff member's unit, or the unit
    #: that handled the ticket); its members may follow the rectification with the owner.
    owner_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("整改责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_point = models.ForeignKey(
        "org.ServicePoint",
        verbose_name=_("整改责任服务点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改责任人"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    due_date = models.DateField(_("整改期限"))
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    callback_note = models.TextField(_("回访记录"), blank=True)
    rater_satisfied = models.BooleanField(_("回访满意"), null=True, blank=True)
    outcome = models.TextField(_("整改结果"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = pgettext_lazy("plural", "整改")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(rating__isnull=False, ticket__isnull=True)
                    | models.Q(rating__isnull=True, ticket__isnull=False)
                ),
                name="rectification_one_source",
            ),
            # One rectification of a ticket at a time: a second revisit waits for the first to close.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=~models.Q(status="closed") & models.Q(ticket__isnull=False),
                name="rectification_one_open_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_number} {self.get_status_display()}"

    @property
    def source(self) -> str:
        return RectificationSource.RATING if self.rating_id is not None else RectificationSource.TICKET

    @property
    def subject_number(self) -> str:
        """The case number of a rating's rectification, the ticket number of a ticket's."""
        if self.rating_id is not None and self.rating is not None:
            return self.rating.case.number
        return self.ticket.number if self.ticket is not None else ""


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("待复核")
    UPHELD = "upheld", _("申诉成立")
    REJECTED = "rejected", _("申诉不成立")


class Appeal(models.Model):
    """申诉复核: staff who believe a rating is malicious ask for review; upheld, it stops counting."""

    rating = models.OneToOneField(
        Rating, verbose_name=_("评价"), on_delete=models.PROTECT, related_name="appeal"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申诉人"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("申诉理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.TextField(_("复核意见"), blank=True)
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申诉时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("差评申诉")
        verbose_name_plural = pgettext_lazy("plural", "差评申诉")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rating} {self.get_status_display()}"


class RatingInvitation(models.Model):
    """One SMS invitation per completed case left unrated (the sweep is idempotent through this row)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="rating_invitation")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评价邀请")
        verbose_name_plural = pgettext_lazy("plural", "评价邀请")

    def __str__(self) -> str:
        return str(self.case_id)


class MonthlySatisfaction(models.Model):
    """The ratings of one month at one point for one clerk, summed: the dashboard reads these rows
    instead of counting ratings. Kept exact by the rating services in the same transaction as the
    change they count (a rating given, an appeal upheld, a rectification closed); ``ratings_rollup``
    rebuilds them from the ratings."""

    #: month:point:staff (no clerk as 0), one row each
    key = models.CharField(max_length=40, unique=True)
    month = models.DateField(_("月份"), help_text=_("评价当月1日"))
    point = models.ForeignKey(
        "org.ServicePoint", verbose_name=_("服务点"), on_delete=models.PROTECT, related_name="+"
    )
    #: The point's 12-digit region code, so a county or a town is one prefix filter.
    region_code = models.CharField(_("区划代码"), max_length=12)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: counted ratings (an upheld appeal takes one out), by score, and the sum of their scores
    ratings = models.IntegerField(_("评价数"), default=0)
    score_sum = models.IntegerField(_("评价等级合计"), default=0)
    score_1 = models.IntegerField(_("非常不满意"), default=0)
    score_2 = models.IntegerField(_("不满意"), default=0)
    score_3 = models.IntegerField(_("基本满意"), default=0)
    score_4 = models.IntegerField(_("满意"), default=0)
    score_5 = models.IntegerField(_("非常满意"), default=0)
    #: counted bad ratings whose rectification is closed
    rectified = models.IntegerField(_("已整改差评数"), default=0)

    class Meta:
        verbose_name = _("月度评价统计")
        verbose_name_plural = pgettext_lazy("plural", "月度评价统计")
        indexes = [models.Index(fields=["month", "region_code"], name="monthly_rating_month_region")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.point_id} {self.staff_id}"
