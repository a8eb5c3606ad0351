"""The hall: service categories, queue tickets (取号), calling (叫号) and appointments (预约).

A ticket is taken for a service category at a point and a day and gets a readable number made of
the category's letter and a daily sequence (A023). Windows call tickets: a comprehensive window
(综合受理窗口) any category, a dedicated one (专业窗口) the categories it is linked to. QueueTicket status
moves only through ``yichuang.queue.workflow.TRANSITIONS``; every move writes a ``QueueTicketEvent``.

Appointments book a place in a slot (point, category, day, time) generated from the point's weekly
``AppointmentSchedule``; checking in turns the appointment into a priority ticket. A point's
``OpeningHours`` say when its kiosk gives numbers (``yichuang.queue.hours``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yichuang.org.models import ServicePoint, Window
from yichuang.pii.fields import BlindIndexField, SealedCharField


class ServiceCategory(models.Model):
    """A queue of its own (业务类别): 综合受理 A, 社保医保 B, 民政 C, 不动产 D, 市场主体 E …

    Categories are county-wide so that a letter means the same everywhere; which of them a point
    offers follows from its windows (``WindowService``).
    """

    code = models.SlugField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30)
    letter = models.CharField(
        _("号码字母"),
        max_length=1,
        unique=True,
        validators=[RegexValidator(r"^[A-HJ-NP-Z]$", _("请用一个大写字母（不用I和O，以免与数字混淆）。"))],
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("业务类别")
        verbose_name_plural = pgettext_lazy("plural", "业务类别")
        ordering = ["order", "letter"]

    def __str__(self) -> str:
        return f"{self.letter} {self.name}"


class WindowService(models.Model):
    """A window takes tickets of a category. At a point, the categories offered at the kiosk are those
    of its active windows; a dedicated window calls only its own, a comprehensive one every one."""

    window = models.ForeignKey(
        Window, verbose_name=_("窗口"), on_delete=models.CASCADE, related_name="queue_services"
    )
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("业务类别"), on_delete=models.CASCADE, related_name="window_services"
    )

    class Meta:
        verbose_name = _("窗口业务类别")
        verbose_name_plural = pgettext_lazy("plural", "窗口业务类别")
        ordering = ["window", "category"]
        constraints = [
            models.UniqueConstraint(fields=["window", "category"], name="window_service_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.window} · {self.category}"


class TicketSource(models.TextChoices):
    KIOSK = "kiosk", _("自助取号")
    CLERK = "clerk", _("工作人员代取")
    APPOINTMENT = "appointment", _("预约签到")


class PriorityReason(models.TextChoices):
    NONE = "", _("无")
    ELDERLY = "elderly", _("老年人")
    DISABLED = "disabled", _("残疾人")
    APPOINTMENT = "appointment", _("预约")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("等候中")
    CALLED = "called", _("已叫号")
    SERVED = "served", _("已办结")
    NO_SHOW = "no_show", _("过号")
    CANCELLED = "cancelled", _("已取消")
    EXPIRED = "expired", _("当日未办理")


class QueueTicketSequence(models.Model):
    """The last number given per point, day and category: numbers stay unique under concurrency."""

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    category = models.ForeignKey(ServiceCategory, on_delete=models.CASCADE, related_name="+")
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["point", "day", "category"], name="ticket_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.point_id} {self.day} {self.category_id} #{self.last}"


class QueueTicket(models.Model):
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("服务点"), on_delete=models.PROTECT, related_name="tickets"
    )
    day = models.DateField(_("日期"))
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("业务类别"), on_delete=models.PROTECT, related_name="tickets"
    )
    sequence = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("号码"), max_length=8)
    source = models.CharField(_("取号方式"), max_length=12, choices=TicketSource.choices)
    priority = models.BooleanField(_("优先"), default=False)
    priority_reason = models.CharField(
        _("优先原因"), max_length=12, choices=PriorityReason.choices, blank=True, default=""
    )
    phone = SealedCharField(_("手机号"), blank=True, help_text=_("选填，用于叫号短信；显示时脱敏"))
    status = models.CharField(
        _("状态"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    window = models.ForeignKey(
        Window,
        verbose_name=_("窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        help_text=_("叫到或办理的窗口"),
    )
    transfer_to = models.ForeignKey(
        Window,
        verbose_name=_("转至窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_tickets",
    )
    taken_at = models.DateTimeField(_("取号时间"))
    queued_at = models.DateTimeField(
        _("排队时间"), help_text=_("排队先后的依据：取号时间；过号重排时为重排时间")
    )
    first_called_at = models.DateTimeField(_("首次叫号时间"), null=True, blank=True)
    called_at = models.DateTimeField(_("本窗口叫号时间"), null=True, blank=True)
    recalls = models.PositiveSmallIntegerField(_("重呼次数"), default=0)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(
        _("等候秒数"), null=True, blank=True, help_text=_("取号到首次叫号")
    )
    service_seconds = models.PositiveIntegerField(
        _("办理秒数"), null=True, blank=True, help_text=_("在窗口的时间（叫号到办结），转窗口时累加")
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代取人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="served_tickets",
    )
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("办件"), blank=True, related_name="queue_tickets"
    )

    class Meta:
        verbose_name = _("排队号")
        verbose_name_plural = pgettext_lazy("plural", "排队号")
        ordering = ["-day", "queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["point", "day", "number"], name="ticket_number_unique"),
        ]
        indexes = [
            models.Index(fields=["point", "day", "status"], name="ticket_point_day_status"),
            models.Index(fields=["day", "point"], name="ticket_day_point"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.number}"


class QueueTicketEvent(models.Model):
    """One step of a ticket; ``call`` and ``recall`` events are what the board announces."""

    ticket = models.ForeignKey(QueueTicket, on_delete=models.CASCADE, related_name="events")
    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("动作"), max_length=12)
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(_("原状态"), max_length=10, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("排队记录")
        verbose_name_plural = pgettext_lazy("plural", "排队记录")
        ordering = ["ticket", "at", "id"]
        indexes = [models.Index(fields=["point", "action", "id"], name="ticket_event_board")]

    def __str__(self) -> str:
        return f"{self.ticket} {self.action}"


# —— appointments ——————————————————————————————————————————————————————————————————————————————


class ScheduleDays(models.TextChoices):
    WORKDAYS = "workdays", _("工作日（含调休上班日）")
    REST_DAYS = "rest_days", _("周末休息日（不含法定节假日）")
    HOLIDAYS = "holidays", _("法定节假日")
    EVERY_DAY = "every_day", _("每天（全年无休）")


weekday_digits = RegexValidator(r"^[1-7]{0,7}$", _("请用数字1-7表示星期一至星期日，例如 6 表示周六。"))


class AppointmentSchedule(models.Model):
    """A point's weekly schedule for one category: which days, which hours, how many per slot.

    ``days`` says which kind of day the line applies to (working days as the holiday calendar
    says; ordinary weekends; statutory holidays; every day). ``weekdays`` narrows it to some days
    of the week (``6``: Saturdays only). ``extended`` marks 延时服务 (lunch time, evenings,
    weekends) so pages can say so.
    """

    point = models.ForeignKey(
        ServicePoint, verbose_name=_("服务点"), on_delete=models.CASCADE, related_name="appointment_schedules"
    )
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("业务类别"), on_delete=models.CASCADE, related_name="schedules"
    )
    days = models.CharField(_("适用日期"), max_length=12, choices=ScheduleDays.choices)
    weekdays = models.CharField(
        _("限星期"),
        max_length=7,
        blank=True,
        validators=[weekday_digits],
        help_text=_("留空表示不限；6 表示只在周六，67 表示周六和周日"),
    )
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    slot_minutes = models.PositiveSmallIntegerField(
        _("每个时段分钟数"), default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    capacity = models.PositiveSmallIntegerField(
        _("每个时段可约人数"), default=4, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    extended = models.BooleanField(_("延时服务"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("预约排班")
        verbose_name_plural = pgettext_lazy("plural", "预约排班")
        ordering = ["point", "category", "days", "start"]

    def __str__(self) -> str:
        return (
            f"{self.point} {self.category.name} {self.get_days_display()} {self.start:%H:%M}-{self.end:%H:%M}"
        )

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": _("结束时间应晚于开始时间。")})

    def applies_on_weekday(self, isoweekday: int) -> bool:
        return not self.weekdays or str(isoweekday) in self.weekdays


class OpeningHours(models.Model):
    """When a point is open to visitors (办公时间): the kiosk gives numbers only then.

    One line per period, read with the same day kinds as the appointment schedules (working days
    as the holiday calendar says, ordinary weekends, statutory holidays, every day) and narrowed by
    ``weekdays``. A point without lines is not limited (``queue.hours``). These are not the
    appointment schedules: those say how many people may book which category when, and a hall
    that takes bookings only at 11:00 still opens at 8:30 (decision in docs/decisions.md).
    """

    point = models.ForeignKey(
        ServicePoint, verbose_name=_("服务点"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    days = models.CharField(_("适用日期"), max_length=12, choices=ScheduleDays.choices)
    weekdays = models.CharField(
        _("限星期"),
        max_length=7,
        blank=True,
        validators=[weekday_digits],
        help_text=_("留空表示不限；6 表示只在周六，67 表示周六和周日"),
    )
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    extended = models.BooleanField(_("延时服务"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("办公时间")
        verbose_name_plural = pgettext_lazy("plural", "办公时间")
        ordering = ["point", "days", "weekdays", "start"]

    def __str__(self) -> str:
        weekdays = f" ({self.weekdays})" if self.weekdays else ""
        return f"{self.point} {self.get_days_display()}{weekdays} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": _("结束时间应晚于开始时间。")})

    def applies_on_weekday(self, isoweekday: int) -> bool:
        return not self.weekdays or str(isoweekday) in self.weekdays


class AppointmentSlot(models.Model):
    """A bookable period. ``booked`` only moves by a conditional UPDATE (``booked < capacity``), and
    the database refuses ``booked > capacity`` besides: a slot is never overbooked."""

    point = models.ForeignKey(
        ServicePoint, verbose_name=_("服务点"), on_delete=models.CASCADE, related_name="appointment_slots"
    )
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("业务类别"), on_delete=models.CASCADE, related_name="slots"
    )
    day = models.DateField(_("日期"))
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("可约人数"))
    booked = models.PositiveSmallIntegerField(_("已约人数"), default=0)
    extended = models.BooleanField(_("延时服务"), default=False)
    closed = models.BooleanField(
        _("已关闭"), default=False, help_text=_("排班取消了这个时段；已有的预约照常办理，不再接受新预约")
    )
    schedule = models.ForeignKey(
        AppointmentSchedule,
        verbose_name=_("排班"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="slots",
    )

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = pgettext_lazy("plural", "预约时段")
        ordering = ["point", "day", "start", "category"]
        constraints = [
            models.UniqueConstraint(fields=["point", "category", "day", "start"], name="slot_unique"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_not_overbooked"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.start:%H:%M}-{self.end:%H:%M} {self.category_id} ({self.booked}/{self.capacity})"

    @property
    def left(self) -> int:
        return max(self.capacity - self.booked, 0)


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CHECKED_IN = "checked_in", _("已签到")
    CANCELLED = "cancelled", _("已取消")
    MISSED = "missed", _("爽约")


class AppointmentChannel(models.TextChoices):
    WEB = "web", _("网上预约")
    API = "api", _("接口预约")
    STAFF = "staff", _("工作人员代约")


class Appointment(models.Model):
    reference = models.CharField(_("预约号"), max_length=12, unique=True)
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("服务点"), on_delete=models.PROTECT, related_name="appointments"
    )
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("业务类别"), on_delete=models.PROTECT, related_name="appointments"
    )
    slot = models.ForeignKey(
        AppointmentSlot, verbose_name=_("时段"), on_delete=models.PROTECT, related_name="appointments"
    )
    day = models.DateField(_("日期"))
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    name = models.CharField(_("姓名"), max_length=50)
    phone = SealedCharField(_("手机号"), index="phone_index")
    phone_index = BlindIndexField(source="phone")
    note = models.CharField(_("拟办事项"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    channel = models.CharField(_("预约渠道"), max_length=10, choices=AppointmentChannel.choices)
    cancel_code_hash = models.CharField(max_length=64, editable=False)
    booked_at = models.DateTimeField(_("预约时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    ticket = models.OneToOneField(
        QueueTicket,
        verbose_name=_("签到所取号码"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代约人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = pgettext_lazy("plural", "预约")
        ordering = ["day", "start", "id"]
        constraints = [
            # One live appointment per person, point, day and category: a second booking (a double
            # click, two tabs) is refused by the database, whatever the timing.
            models.UniqueConstraint(
                fields=["phone_index", "point", "day", "category"],
                condition=Q(status="booked"),
                name="appointment_one_live_per_person",
            ),
        ]
        indexes = [models.Index(fields=["point", "day", "status"], name="appointment_point_day")]

    def __str__(self) -> str:
        return f"{self.reference} {self.day} {self.start:%H:%M}"


class QueueMonthFigure(models.Model):
    """A month's tickets at one point, window and category, summed up to a closed day (``through``).

    Written by ``queue.rollup.queue_rollup`` each night after the close, when every ticket of the
    days summed is final (the current month is summed again each night, up to yesterday);
    ``queue.figures`` reads these rows for whole months and the tickets only for the days after
    the last one summed, so a year of a county's hall costs a few thousand rows, not millions of
    tickets.
    """

    month = models.DateField(_("月份"), help_text=_("当月1日"))
    #: The last day summed in this version of the month's rows. The current month is summed again
    #: each night; the previous version stays until the next run, so a reader that read the old
    #: ``QueueRollupState.last_day`` still finds rows that match it.
    through = models.DateField(_("汇总截至"))
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("服务点"), on_delete=models.CASCADE, related_name="+"
    )
    window = models.ForeignKey(
        Window, verbose_name=_("窗口"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("业务类别"), on_delete=models.CASCADE, related_name="+"
    )
    taken = models.IntegerField(_("取号数"), default=0)
    called = models.IntegerField(_("叫号数"), default=0)
    served = models.IntegerField(_("办结数"), default=0)
    no_show = models.IntegerField(_("过号数"), default=0)
    cancelled = models.IntegerField(_("取消数"), default=0)
    unserved = models.IntegerField(_("当日未办理数"), default=0)
    priority = models.IntegerField(_("优先号数"), default=0)
    from_appointments = models.IntegerField(_("预约签到数"), default=0)
    #: called within the default target (queue.figures.DEFAULT_TARGET_MINUTES)
    within_target = models.IntegerField(_("按时叫号数"), default=0)
    wait_sum = models.BigIntegerField(_("等候秒数合计"), default=0)
    max_wait = models.IntegerField(_("最长等候秒数"), null=True, blank=True)
    service_sum = models.BigIntegerField(_("办理秒数合计"), default=0)
    service_count = models.IntegerField(_("计时办结数"), default=0)
    max_service = models.IntegerField(_("最长办理秒数"), null=True, blank=True)

    class Meta:
        verbose_name = _("取号月统计")
        verbose_name_plural = pgettext_lazy("plural", "取号月统计")
        indexes = [models.Index(fields=["month", "through", "point"], name="queue_month_figure_month_point")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.point_id} {self.window_id} {self.category_id}"


class QueueRollupState(models.Model):
    """The last day whose tickets are summed in ``QueueMonthFigure``. One row."""

    last_day = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("取号统计进度")
        verbose_name_plural = pgettext_lazy("plural", "取号统计进度")

    def __str__(self) -> str:
        return str(self.last_day)
