"""12345 tickets (工单): a caller's request, from the operator's form to the revisit.

A ticket moves only through ``yichuang.hotline.workflow.TRANSITIONS``; every move writes a
``TicketEvent`` in the same transaction (style.md habits 3 and 4).

A *unit* (承办单位) is a department or a service point. A ticket has a responsible unit (责任单位,
首接负责: the unit that first signed for it, until another unit signs for a transfer; none while
the hotline itself holds it) and an assigned unit (the unit it waits with, to sign or return it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yichuang.org.models import Department, Region, ServicePoint
from yichuang.org.units import Unit
from yichuang.pii.fields import SealedCharField, SealedTextField, sealed_length


class TicketType(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class TicketStatus(models.TextChoices):
    REGISTERED = "registered", _("待派单")
    DISPATCHED = "dispatched", _("待签收")
    RETURNED = "returned", _("已退回待改派")
    PROCESSING = "processing", _("办理中")
    TRANSFERRING = "transferring", _("转办待签收")
    REPLIED = "replied", _("已答复待办结")
    CLOSED = "closed", _("已办结")
    REVISITED = "revisited", _("已回访")
    CANCELLED = "cancelled", _("已作废")


#: Not yet closed: the clock runs (``overdue`` means one of these past its due time).
OPEN_STATUSES = (
    TicketStatus.REGISTERED,
    TicketStatus.DISPATCHED,
    TicketStatus.RETURNED,
    TicketStatus.PROCESSING,
    TicketStatus.TRANSFERRING,
    TicketStatus.REPLIED,
)
DONE_STATUSES = (TicketStatus.CLOSED, TicketStatus.REVISITED)


class TicketChannel(models.TextChoices):
    PHONE = "phone", _("热线电话")
    WEB = "web", _("网站")
    APP = "app", _("微信/APP")
    SMS = "sms", _("短信")


class TicketSource(models.TextChoices):
    """The hotline a ticket came in on (受理热线). 12315 (市场监管) and 12369 (生态环境) are answered by
    the same operators since the hotlines were merged into 12345 (国办发〔2020〕53号: 12315 and 12369
    keep their numbers as 分中心/专席); their tickets are handled, counted and filtered alike."""

    HOTLINE_12345 = "12345", _("12345政务服务便民热线")
    HOTLINE_12315 = "12315", _("12315市场监管投诉举报热线")
    HOTLINE_12369 = "12369", _("12369环保举报热线")


class TimeLimit(models.TextChoices):
    """The four classes of time limit (办理时限). See ``LIMITS`` and docs/decisions.md."""

    URGENT = "urgent", _("紧急（2小时）")
    UTILITIES = "utilities", _("水电气热（24小时）")
    ORDINARY = "ordinary", _("一般（7个工作日）")
    COMPLEX = "complex", _("复杂疑难（15个工作日）")


HOURS = "hours"
WORKDAYS = "workdays"


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str  # HOURS (on the clock, day and night) or WORKDAYS (add_workdays)


#: Hours run on the clock: the hotline answers 7×24 (国办发〔2020〕53号) and a burst pipe cannot
#: wait for Monday. Days are working days under the holiday calendar (docs/decisions.md).
LIMITS: dict[str, Limit] = {
    TimeLimit.URGENT: Limit(2, HOURS),
    TimeLimit.UTILITIES: Limit(24, HOURS),
    TimeLimit.ORDINARY: Limit(7, WORKDAYS),
    TimeLimit.COMPLEX: Limit(15, WORKDAYS),
}


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


#: 满意率 counts 满意 and 基本满意 among the revisited tickets.
SATISFIED_LEVELS = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)


class Category(models.Model):
    """A node of the category tree (诉求分类). A blank time limit is inherited from the parent."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    time_limit = models.CharField(
        _("办理时限"),
        max_length=20,
        choices=TimeLimit.choices,
        blank=True,
        help_text=_("为空时沿用上级分类的时限。"),
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def ancestors(self) -> list[Category]:
        """This category and its parents, nearest first (one query per level; the tree is shallow)."""
        chain: list[Category] = []
        node: Category | None = self
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain

    def effective_time_limit(self) -> str:
        for node in self.ancestors():
            if node.time_limit:
                return node.time_limit
        return TimeLimit.ORDINARY

    def clean(self) -> None:
        node = self.parent
        while node is not None:
            if node.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("上级分类不能是它自己或它的下级。")})
            node = node.parent


def _exactly_one(department: str, point: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(
            models.Q(**{f"{department}__isnull": False, f"{point}__isnull": True})
            | models.Q(**{f"{department}__isnull": True, f"{point}__isnull": False})
        ),
        name=name,
    )


def _at_most_one(department: str, point: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{department}__isnull": True}) | models.Q(**{f"{point}__isnull": True}),
        name=name,
    )


class RoutingRule(models.Model):
    """派单规则: tickets of a category (and its subcategories) in a region (and below it) go to a unit.

    The most specific rule wins: higher ``priority`` first, then the deeper category, then the
    smaller region (longer code prefix). A rule without a category covers every category.
    """

    category = models.ForeignKey(
        Category,
        verbose_name=_("诉求分类"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
        help_text=_("为空表示全部分类。含下级分类。"),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("区划"),
        on_delete=models.PROTECT,
        related_name="hotline_rules",
        help_text=_("该区划及其下级区划（按区划代码前缀）。"),
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("承办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_rules",
    )
    point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("承办服务点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_rules",
    )
    priority = models.IntegerField(_("优先级"), default=0, help_text=_("数值大的优先。"))
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        ordering = ["region__code", "category__code", "id"]
        constraints = [_exactly_one("department", "point", "hotline_rule_one_unit")]

    def __str__(self) -> str:
        category = self.category.name if self.category_id and self.category else _("全部分类")
        return f"{self.region.name if self.region_id else ''} · {category} → {self.unit_name}"

    @property
    def unit(self) -> Unit:
        return Unit(department=self.department, point=self.point)

    @property
    def unit_name(self) -> str:
        if self.department_id and self.department:
            return self.department.name
        if self.point_id and self.point:
            return self.point.name
        return ""

    def clean(self) -> None:
        if (self.department_id is None) == (self.point_id is None):
            raise ValidationError(_("请选择承办部门或承办服务点（二选一）。"))


class TicketSequence(models.Model):
    """The last number handed out per day: ticket numbers stay unique under concurrency."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day} #{self.last}"


class Ticket(models.Model):
    number = models.CharField(_("工单编号"), max_length=24, unique=True)
    type = models.CharField(_("诉求类型"), max_length=20, choices=TicketType.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("诉求分类"), on_delete=models.PROTECT, related_name="tickets"
    )
    time_limit = models.CharField(_("办理时限"), max_length=20, choices=TimeLimit.choices)
    status = models.CharField(_("状态"), max_length=20, choices=TicketStatus.choices, db_index=True)
    channel = models.CharField(
        _("来源渠道"), max_length=10, choices=TicketChannel.choices, default=TicketChannel.PHONE
    )
    source = models.CharField(
        _("受理热线"),
        max_length=5,
        choices=TicketSource.choices,
        default=TicketSource.HOTLINE_12345,
        db_index=True,
    )
    region = models.ForeignKey(
        Region, verbose_name=_("事发地"), on_delete=models.PROTECT, related_name="tickets"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("涉及办件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_tickets",
    )
    subject_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被反映工作人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = SealedCharField(_("详细地址"), max_length=sealed_length(200), blank=True)
    title = models.CharField(_("标题"), max_length=100)
    content = SealedTextField(_("诉求内容"))
    caller_name = SealedCharField(_("来电人"), max_length=sealed_length(50), blank=True)
    caller_phone = SealedCharField(_("来电号码"))
    confidential = models.BooleanField(
        _("为来电人保密"), default=False, help_text=_("举报件默认保密：承办单位看不到来电人信息。")
    )
    responsible_department = models.ForeignKey(
        Department,
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("责任服务点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_department = models.ForeignKey(
        Department,
        verbose_name=_("待签收部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("待签收服务点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("办理期限"), db_index=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    reply = SealedTextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    revisited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices, blank=True)
    revisit_note = SealedTextField(_("回访记录"), blank=True)
    row_version = models.PositiveIntegerField(_("行版本"), default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        permissions = [("operate_ticket", _("12345热线坐席：登记、派单、改派、办结、回访"))]
        indexes = [
            models.Index(fields=["status", "due_at"], name="ticket_status_due"),
            models.Index(fields=["responsible_department", "status"], name="ticket_resp_dept_status"),
            models.Index(fields=["responsible_point", "status"], name="ticket_resp_point_status"),
            models.Index(fields=["assigned_department", "status"], name="ticket_asg_dept_status"),
            models.Index(fields=["assigned_point", "status"], name="ticket_asg_point_status"),
        ]
        constraints = [
            _at_most_one("responsible_department", "responsible_point", "ticket_one_responsible_unit"),
            _at_most_one("assigned_department", "assigned_point", "ticket_one_assigned_unit"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def responsible_unit(self) -> Unit | None:
        if self.responsible_department_id is None and self.responsible_point_id is None:
            return None
        return Unit(department=self.responsible_department, point=self.responsible_point)

    @responsible_unit.setter
    def responsible_unit(self, unit: Unit | None) -> None:
        self.responsible_department = unit.department if unit else None
        self.responsible_point = unit.point if unit else None

    @property
    def assigned_unit(self) -> Unit | None:
        if self.assigned_department_id is None and self.assigned_point_id is None:
            return None
        return Unit(department=self.assigned_department, point=self.assigned_point)

    @assigned_unit.setter
    def assigned_unit(self, unit: Unit | None) -> None:
        self.assigned_department = unit.department if unit else None
        self.assigned_point = unit.point if unit else None

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return self.status in OPEN_STATUSES and self.due_at < (now or timezone.now())


class TicketEvent(models.Model):
    """One line of the timeline and of the audit log."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("动作"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    note = SealedTextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")
        ordering = ["ticket", "at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.action}"


class CallerContactAccess(models.Model):
    """Who read a caller's full number, when and why (个人信息: every disclosure is on record)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="contact_accesses")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("来电号码查看记录")
        verbose_name_plural = _("来电号码查看记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.at:%Y-%m-%d %H:%M}"
