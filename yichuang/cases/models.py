"""The case (办件): one application, from the window to the result in the applicant's hands.

Status moves only through ``yichuang.cases.workflow.TRANSITIONS``; every move writes a
``CaseEvent`` in the same transaction (style.md habits 3 and 4).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yichuang.catalog.models import ItemVersion, ServiceItem
from yichuang.org.models import Department, Region, ServicePoint
from yichuang.pii.fields import SealedCharField, SealedJSONField


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    NEEDS_SUPPLEMENT = "needs_supplement", _("待补正")
    ACCEPTED = "accepted", _("已受理")
    IN_REVIEW = "in_review", _("审查中")
    SUSPENDED = "suspended", _("已中止")
    APPROVED = "approved", _("准予")
    DENIED = "denied", _("不予批准")
    DELIVERED = "delivered", _("已送达办结")
    REFUSED = "refused", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    #: 撤销: a decision made on commitments (告知承诺) whose post-check found a promise broken (违诺).
    REVOKED = "revoked", _("已撤销")


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口")
    AGENT = "agent", _("代办员")
    ONLINE = "online", _("网上")
    BANK = "bank", _("政银网点")
    KIOSK = "kiosk", _("自助终端")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("法人")


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("现场领取")
    MAIL = "mail", _("免费邮寄")
    KIOSK = "kiosk", _("自助终端领取")
    AGENT = "agent", _("代办员送证上门")


class CaseSequence(models.Model):
    """The last number handed out per county and day: numbers stay unique under concurrency."""

    county = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county", "day"], name="case_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.county} {self.day} #{self.last}"


class BundleApplication(models.Model):
    """一件事一次办: one application for a bundle; its linked cases share one set of materials and one
    receipt."""

    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    bundle = models.ForeignKey(
        "catalog.Bundle", verbose_name=_("一件事"), on_delete=models.PROTECT, related_name="applications"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("受理服务点"),
        on_delete=models.PROTECT,
        related_name="bundle_applications",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("受理地区划"), on_delete=models.PROTECT, related_name="bundle_applications"
    )
    applicant_kind = models.CharField(_("申请人类型"), max_length=20, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("申请人"), max_length=100)
    applicant_id_number = SealedCharField(_("证件号码"))
    applicant_phone = SealedCharField(_("联系电话"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        related_name="bundle_applications",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("一件事申请")
        verbose_name_plural = pgettext_lazy("plural", "一件事申请")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class Case(models.Model):
    number = models.CharField(_("办件编号"), max_length=24, unique=True)
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="cases"
    )
    item_version = models.ForeignKey(
        ItemVersion, verbose_name=_("事项版本"), on_delete=models.PROTECT, related_name="cases"
    )
    kind = models.CharField(_("办件类型"), max_length=10)
    status = models.CharField(_("状态"), max_length=20, choices=CaseStatus.choices, db_index=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("受理服务点"), on_delete=models.PROTECT, related_name="cases"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("受理地区划"),
        on_delete=models.PROTECT,
        related_name="cases",
        help_text=_("用于可见范围"),
    )
    handling_department = models.ForeignKey(
        Department, verbose_name=_("办理单位"), on_delete=models.PROTECT, related_name="cases"
    )
    handling_mode = models.CharField(_("办理权限"), max_length=20)
    applicant_kind = models.CharField(_("申请人类型"), max_length=20, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("申请人"), max_length=100)
    applicant_id_number = SealedCharField(_("证件号码"))
    applicant_phone = SealedCharField(_("联系电话"))
    applicant_region = models.ForeignKey(
        Region,
        verbose_name=_("申请人户籍或住所地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("跨乡镇通办：按申请人所在乡镇确定办理单位。"),
    )
    application = models.ForeignKey(
        BundleApplication,
        verbose_name=_("一件事申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代办员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agent_cases",
    )
    consent_file = models.ForeignKey(
        "files.StoredFile",
        verbose_name=_("委托书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        related_name="created_cases",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accepted_cases",
    )
    due_date = models.DateField(_("承诺办结日期"), null=True, blank=True, db_index=True)
    statutory_due_date = models.DateField(_("法定办结日期"), null=True, blank=True)
    supplement_due_date = models.DateField(_("容缺补正期限"), null=True, blank=True)
    suspended_days = models.PositiveIntegerField(_("中止工作日"), default=0)
    extended_days = models.PositiveIntegerField(_("延期工作日"), default=0)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    delivery_method = models.CharField(
        _("送达方式"), max_length=10, choices=DeliveryMethod.choices, blank=True
    )
    tracking_number = models.CharField(_("邮件单号"), max_length=40, blank=True)
    recipient_name = models.CharField(_("签收人"), max_length=100, blank=True)
    #: Set at intake when the applicant had a broken commitment on record (违诺记录) still in force:
    #: staff see a warning on the case, and commitments were not accepted for it.
    applicant_breach_until = models.DateField(_("违诺记录有效期至"), null=True, blank=True)
    row_version = models.PositiveIntegerField(_("行版本"), default=1)
    updated_at = models.DateTimeField(auto_now=True)
    #: The head of the case's timeline chain (``yichuang.audit.chain``): the SM3 digest of its last
    #: line and how many lines it has, written in the action's one UPDATE under the row lock.
    audit_head = models.CharField(_("记录链头摘要"), max_length=64, blank=True, editable=False)
    audit_count = models.PositiveIntegerField(_("记录条数"), default=0, editable=False)

    #: What the service that just wrote the case wrote with it (``services.base.Written``), so the
    #: answer is built from the rows in hand; None on a case read from the database.
    written: Any = None

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at", "-id"]
        # The list (newest first) under each scope and filter reads its first page straight from
        # one of these, never sorting all the matching cases (docs/benchmarks.md, 1 000 000 cases).
        indexes = [
            models.Index(fields=["status", "due_date"], name="case_status_due"),
            models.Index(fields=["point", "status"], name="case_point_status"),
            models.Index(fields=["-created_at", "-id"], name="case_created"),
            models.Index(fields=["region", "-created_at", "-id"], name="case_region_created"),
            models.Index(fields=["point", "-created_at", "-id"], name="case_point_created"),
            models.Index(fields=["status", "-created_at", "-id"], name="case_status_created"),
            models.Index(fields=["handling_department", "-created_at", "-id"], name="case_dept_created"),
            models.Index(
                fields=["handling_department", "status", "-created_at", "-id"],
                name="case_dept_status_created",
            ),
            # Overdue: open cases whose clock runs (selectors.RUNNING_STATUSES).
            models.Index(
                fields=["-created_at", "-id"],
                name="case_running_created",
                condition=models.Q(status__in=["submitted", "needs_supplement", "accepted", "in_review"]),
            ),
            # The same cases by due date: the dashboard's overdue list and count, the deadline sweep
            # (10 000 000 cases: 5.6 s → 0.1 ms for the first 20; the count reads only this index).
            models.Index(
                fields=["due_date", "id"],
                name="case_running_due",
                include=["region", "point", "accepted_by"],
                condition=models.Q(status__in=["submitted", "needs_supplement", "accepted", "in_review"]),
            ),
            # The open cases' dates (calendar.OPEN, accepted): the calendar warnings' count on the
            # dashboard and the workbench reads only this index (decision 155; 10 000 000 cases, a
            # county: 62 000 pages of cases → the index's ~2 000).
            models.Index(
                fields=["due_date", "statutory_due_date", "supplement_due_date"],
                name="case_open_dates",
                include=["region", "point", "accepted_by"],
                condition=models.Q(
                    status__in=["submitted", "needs_supplement", "accepted", "in_review", "suspended"],
                    accepted_at__isnull=False,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def citizen_timeline(self) -> list[CaseEvent]:
        """The lines of the timeline the applicant is shown (``actions.citizen_lines``)."""
        from yichuang.cases.actions import citizen_lines

        return citizen_lines(self.events.all())


class MaterialState(models.TextChoices):
    PROVIDED = "provided", _("已提交")
    TOLERATED = "tolerated", _("容缺待补")
    COMMITTED = "committed", _("告知承诺")
    LICENSE = "license", _("电子证照免提交")
    #: a licence an earlier item of the same 一件事 issues: the applicant is not asked for it
    PRODUCED = "produced", _("由本“一件事”前序事项出具")
    MISSING = "missing", _("缺少")
    OPTIONAL_ABSENT = "optional_absent", _("非必需未提交")


class CaseMaterial(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    requirement = models.CharField(_("材料编码"), max_length=30)
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("必要"), default=True)
    state = models.CharField(_("状态"), max_length=20, choices=MaterialState.choices)
    files = models.ManyToManyField("files.StoredFile", blank=True, related_name="case_materials")
    license = models.ForeignKey(
        "licenses.License",
        verbose_name=_("引用证照"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_materials",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("办件材料")
        verbose_name_plural = _("办件材料")
        ordering = ["case", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "requirement"], name="case_material_unique")]

    def __str__(self) -> str:
        return f"{self.case.number} {self.name}"


class CaseEvent(models.Model):
    """One line of the timeline and of the audit log: the case's ``seq``-th, chained to the one before by
    SM3 (``yichuang.audit.chain``; ``services.base.case_event_record`` writes them)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    # Set when the line is made, not when it is inserted: the digest covers it.
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("动作"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="case_events"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    seq = models.PositiveIntegerField(_("序号"), default=0)
    prev_digest = models.CharField(_("前一条摘要"), max_length=64, blank=True)
    digest = models.CharField(_("摘要"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("办件记录")
        verbose_name_plural = _("办件记录")
        ordering = ["case", "at", "id"]
        indexes = [models.Index(fields=["case", "seq"], name="case_event_chain")]

    def __str__(self) -> str:
        return f"{self.case.number} {self.action}"


class SuspendedSpan(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspensions")
    start = models.DateField(_("中止日期"))
    end = models.DateField(_("恢复日期"), null=True, blank=True)
    reason = models.CharField(_("中止原因"), max_length=200)
    working_days = models.PositiveIntegerField(_("中止工作日"), default=0)

    class Meta:
        verbose_name = _("中止期间")
        verbose_name_plural = _("中止期间")
        ordering = ["case", "start"]

    def __str__(self) -> str:
        return f"{self.start}–{self.end or ''} {self.reason}"


class CaseForm(models.Model):
    """The application form (申请表) as filled for a case: the values ``catalog.forms.form_validate``
    cleaned, and the fields they answer as they were defined then (key, label, kind), so a later edit
    of the item renames nothing the applicant filled. A table of its own: the case row, read and
    written many times a minute, stays narrow, and most cases (paper forms at the window) have none."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="form", primary_key=True)
    fields = models.JSONField(_("字段"), default=list)
    #: what the applicant typed, ID numbers, phones and addresses among it: sealed whole (SM4)
    values: Any = SealedJSONField(_("填写内容"), default=dict)

    class Meta:
        verbose_name = _("申请表")
        verbose_name_plural = _("申请表")

    def __str__(self) -> str:
        return str(self.case_id)


class OpenCaseClaim(models.Model):
    """One row per applicant and item while a case of the item is open (受理中不得重复申请): the unique
    index is what makes two simultaneous applications end with one case. Written when a case is
    created, deleted when it leaves the open statuses (``services.moves._commit``). ``applicant_key``
    is an HMAC of the ID number (``services.eligibility.applicant_key``), never the number itself."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="+")
    applicant_key = models.CharField(max_length=64)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="open_claim")

    class Meta:
        verbose_name = _("在办申请")
        verbose_name_plural = _("在办申请")
        constraints = [
            models.UniqueConstraint(fields=["item", "applicant_key"], name="open_case_claim_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.case_id}"


class PostCheckStatus(models.TextChoices):
    PENDING = "pending", _("待核查")
    KEPT = "kept", _("守诺")
    BROKEN = "broken", _("违诺")


class PostCheck(models.Model):
    """事后核查: a case approved on commitments (告知承诺) is checked after the decision, by the
    handling unit's reviewers, within the item's period (``cases.postchecks.period_for``). The outcome
    is recorded once (the row is locked): kept, or broken — which revokes the decision."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="postcheck", primary_key=True)
    #: The promised papers as they stood at the decision: [{"code", "name"}].
    committed = models.JSONField(_("承诺的材料"), default=list)
    due_date = models.DateField(_("核查期限"), db_index=True)
    status = models.CharField(
        _("核查结果"), max_length=10, choices=PostCheckStatus.choices, default=PostCheckStatus.PENDING
    )
    note = models.TextField(_("核查情况"), blank=True)
    files = models.ManyToManyField("files.StoredFile", blank=True, related_name="+")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    #: The last day a reminder went out (the periodic task sends at most one a day).
    reminded_on = models.DateField(_("最近提醒日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("事后核查")
        verbose_name_plural = _("事后核查")
        ordering = ["due_date", "case_id"]
        indexes = [models.Index(fields=["status", "due_date"], name="postcheck_status_due")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_status_display()}"


class PostCheckPeriod(models.Model):
    """The post-check period of one item, where it differs from ``YICHUANG_POSTCHECK_WORKDAYS`` (kept
    here, beside the cases, until the catalog carries it on the item)."""

    item = models.OneToOneField(
        ServiceItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="postcheck_period"
    )
    workdays = models.PositiveSmallIntegerField(_("核查期限（工作日）"))

    class Meta:
        verbose_name = _("事后核查期限")
        verbose_name_plural = _("事后核查期限")

    def __str__(self) -> str:
        return f"{self.item_id} {self.workdays}"


class CommitmentBreach(models.Model):
    """违诺记录: a broken commitment recorded against the applicant (信用记录), keyed by the personal-data
    index of his ID number (never the number). Until ``until`` a later application by him shows staff
    a warning and may not use commitments."""

    applicant_key = models.CharField(max_length=64, db_index=True)
    case = models.OneToOneField(
        Case, verbose_name=_("办件"), on_delete=models.PROTECT, related_name="commitment_breach"
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    until = models.DateField(_("不适用告知承诺至"))
    note = models.TextField(_("违诺情况"), blank=True)

    class Meta:
        verbose_name = _("违诺记录")
        verbose_name_plural = _("违诺记录")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.until}"
