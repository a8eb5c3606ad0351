"""移交清单: the list that goes with a batch of paper files from one unit to another.

Seed 003 (河口区): "线下材料流转应明确交接联系人、交接时间、交接手续等，分类制作移交清单". A list goes
from a *unit* to a unit, where a unit is a service point (the window that accepted the paper, or
hands out the result) or a department (the back office that decides). Each entry is one case and
the state of its paper file; the receiver confirms every entry at once.

The status moves only through ``yichuang.handover.workflow.TRANSITIONS``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yichuang.org.models import Department, ServicePoint
from yichuang.org.units import Unit
from yichuang.pii.fields import SealedCharField


class HandoverStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SENT = "sent", _("已移交待接收")
    RECEIVED = "received", _("已接收")
    PARTLY_RECEIVED = "partly_received", _("部分接收")
    CANCELLED = "cancelled", _("已作废")


class EntryState(models.TextChoices):
    """The state of one case's paper file on a list."""

    PENDING = "pending", _("待移交")
    SENT = "sent", _("在途")
    RECEIVED = "received", _("已接收")
    MISSING = "missing", _("缺失")
    DAMAGED = "damaged", _("破损")
    RETURNED = "returned", _("退回")


#: What the receiver may say of a file when he confirms the list.
RECEIVER_STATES = (EntryState.RECEIVED, EntryState.MISSING, EntryState.DAMAGED, EntryState.RETURNED)
#: A file in one of these states has arrived: it is no longer waiting to move on this route.
ARRIVED_STATES = (EntryState.RECEIVED, EntryState.DAMAGED)


def route_key(source: Unit, target: Unit) -> str:
    return f"{source.key}>{target.key}"


class HandoverSequence(models.Model):
    """The last list number handed out per county and day: numbers stay unique under concurrency."""

    county = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county", "day"], name="handover_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.county} {self.day} #{self.last}"


def _one_of(prefix: str) -> Q:
    return Q(**{f"{prefix}_point__isnull": False, f"{prefix}_department__isnull": True}) | Q(
        **{f"{prefix}_point__isnull": True, f"{prefix}_department__isnull": False}
    )


class Handover(models.Model):
    number = models.CharField(_("清单编号"), max_length=24, unique=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=HandoverStatus.choices, default=HandoverStatus.DRAFT, db_index=True
    )
    from_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("移交服务点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_out",
    )
    from_department = models.ForeignKey(
        Department,
        verbose_name=_("移交部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_out",
    )
    to_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("接收服务点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_in",
    )
    to_department = models.ForeignKey(
        Department,
        verbose_name=_("接收部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_in",
    )
    contact_name = models.CharField(_("交接联系人"), max_length=100)
    contact_phone = SealedCharField(_("联系电话"))  # sealed at rest (decision 106), shown masked
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("制单人"),
        on_delete=models.PROTECT,
        related_name="handovers_created",
    )
    created_at = models.DateTimeField(_("制单时间"), auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("移交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_sent",
    )
    sent_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_received",
    )
    received_at = models.DateTimeField(_("接收确认时间"), null=True, blank=True)
    receipt_note = models.TextField(_("接收意见"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作废人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_cancelled",
    )
    cancelled_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("移交清单")
        verbose_name_plural = pgettext_lazy("plural", "移交清单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=_one_of("from"), name="handover_from_one_unit"),
            models.CheckConstraint(condition=_one_of("to"), name="handover_to_one_unit"),
        ]
        indexes = [
            models.Index(fields=["from_point", "status"], name="handover_from_point_status"),
            models.Index(fields=["from_department", "status"], name="handover_from_dept_status"),
            models.Index(fields=["to_point", "status"], name="handover_to_point_status"),
            models.Index(fields=["to_department", "status"], name="handover_to_dept_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def from_unit(self) -> Unit:
        return Unit(point=self.from_point, department=self.from_department)

    @property
    def to_unit(self) -> Unit:
        return Unit(point=self.to_point, department=self.to_department)

    @property
    def route(self) -> str:
        return route_key(self.from_unit, self.to_unit)

    @property
    def is_open(self) -> bool:
        return self.status in (HandoverStatus.DRAFT, HandoverStatus.SENT)


class HandoverEntry(models.Model):
    """One case on a list and the state of its paper file.

    ``route`` (the list's from → to) and ``open`` (the list is a draft or on its way) are copied
    here so the database itself keeps a case off two open lists for the same route, also when two
    clerks add it at the same moment (a partial unique index).
    """

    handover = models.ForeignKey(
        Handover, verbose_name=_("移交清单"), on_delete=models.CASCADE, related_name="entries"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("办件"), on_delete=models.PROTECT, related_name="handover_entries"
    )
    position = models.PositiveIntegerField(_("序号"), default=1)
    state = models.CharField(
        _("纸质材料状态"), max_length=20, choices=EntryState.choices, default=EntryState.PENDING
    )
    note = models.CharField(_("移交说明"), max_length=500, blank=True)
    receipt_note = models.CharField(_("接收说明"), max_length=500, blank=True)
    route = models.CharField(_("移交方向"), max_length=40, editable=False)
    open = models.BooleanField(_("未办结"), default=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("移交明细")
        verbose_name_plural = pgettext_lazy("plural", "移交明细")
        ordering = ["handover", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "case"], name="handover_entry_case_once"),
            models.UniqueConstraint(
                fields=["case", "route"], condition=Q(open=True), name="handover_entry_one_open_per_route"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.handover.number} #{self.position}"
