"""The service-item catalog (政务服务事项目录) with the national element list.

The live rows (``ServiceItem`` and its ``MaterialRequirement`` rows) are what staff edit.
Each time a published item changes, an immutable ``ItemVersion`` snapshot is written; a case
points at the version it was accepted under, so later edits never change what a citizen was
asked for.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yichuang.org.models import Department, Region, ServicePoint


class ItemType(models.TextChoices):
    LICENSING = "licensing", _("行政许可")
    PENALTY = "penalty", _("行政处罚")
    ENFORCEMENT = "enforcement", _("行政强制")
    LEVY = "levy", _("行政征收")
    BENEFIT = "benefit", _("行政给付")
    INSPECTION = "inspection", _("行政检查")
    CONFIRMATION = "confirmation", _("行政确认")
    REWARD = "reward", _("行政奖励")
    ADJUDICATION = "adjudication", _("行政裁决")
    OTHER_POWER = "other_power", _("其他行政权力")
    PUBLIC_SERVICE = "public_service", _("公共服务")


class ExerciseLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWN = "town", _("乡级")
    VILLAGE = "village", _("村级")


class Audience(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("法人")
    BOTH = "both", _("自然人、法人")


class ItemKind(models.TextChoices):
    IMMEDIATE = "immediate", _("即办件")
    PROMISED = "promised", _("承诺件")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUSPENDED = "suspended", _("暂停办理")
    RETIRED = "retired", _("已取消")


class ResultType(models.TextChoices):
    CERTIFICATE = "certificate", _("证照")
    APPROVAL_DOCUMENT = "approval_document", _("批文")
    REGISTRATION = "registration", _("登记备案")
    PAYMENT = "payment", _("资金发放")
    OTHER = "other", _("其他")


class LicenseType(models.Model):
    """A kind of certificate or licence (电子证照类型) that can stand in for a paper material."""

    code = models.CharField(_("证照类型编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    issuer = models.CharField(_("发证机关"), max_length=100, blank=True)
    validity_years = models.PositiveSmallIntegerField(_("有效期(年)"), null=True, blank=True)
    printable = models.BooleanField(_("可套打"), default=False)

    class Meta:
        verbose_name = _("证照类型")
        verbose_name_plural = pgettext_lazy("plural", "证照类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    code = models.CharField(_("实施编码"), max_length=40, unique=True)
    base_code = models.CharField(_("基本编码"), max_length=40, db_index=True)
    name = models.CharField(_("事项名称"), max_length=120, db_index=True)
    aliases = models.CharField(
        _("别名"), max_length=300, blank=True, help_text=_("多个别名用顿号、逗号或空格分隔。")
    )
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    type = models.CharField(_("事项类型"), max_length=20, choices=ItemType.choices)
    legal_basis = models.TextField(_("设定依据"), blank=True)
    exercise_level = models.CharField(_("行使层级"), max_length=10, choices=ExerciseLevel.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("实施主体"), on_delete=models.PROTECT, related_name="items"
    )
    audience = models.CharField(
        _("服务对象"), max_length=20, choices=Audience.choices, default=Audience.PERSON
    )
    conditions = models.TextField(_("受理条件"), blank=True)
    statutory_days = models.PositiveSmallIntegerField(_("法定时限(工作日)"))
    promised_days = models.PositiveSmallIntegerField(_("承诺时限(工作日)"), help_text=_("0 表示即办件。"))
    supplement_days = models.PositiveSmallIntegerField(
        _("容缺补正期限(工作日)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    visits_required = models.PositiveSmallIntegerField(
        _("到现场次数"), default=1, validators=[MaxValueValidator(2)]
    )
    online_depth = models.PositiveSmallIntegerField(
        _("网办深度(星)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    fee_charged = models.BooleanField(_("是否收费"), default=False)
    fee_standard = models.CharField(_("收费标准"), max_length=200, blank=True)
    fee_basis = models.CharField(_("收费依据"), max_length=300, blank=True)
    result_type = models.CharField(
        _("办理结果类型"), max_length=20, choices=ResultType.choices, default=ResultType.OTHER
    )
    result_name = models.CharField(_("办理结果名称"), max_length=100, blank=True)
    result_license_type = models.ForeignKey(
        LicenseType,
        verbose_name=_("结果证照类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issuing_items",
        help_text=_("办结后向申请人颁发的证照，可供今后免证办理引用。"),
    )
    process = models.TextField(_("办理流程"), blank=True)
    consult_phone = models.CharField(_("咨询电话"), max_length=40, blank=True)
    complaint_phone = models.CharField(_("投诉电话"), max_length=40, blank=True, default="12345")
    status = models.CharField(_("状态"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("父事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    version = models.PositiveIntegerField(_("当前版本"), default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("政务服务事项")
        verbose_name_plural = pgettext_lazy("plural", "政务服务事项")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_days__lte=F("statutory_days")),
                name="item_promised_within_statutory",
                violation_error_message=_("承诺时限不得超过法定时限。"),
            ),
        ]

    def __str__(self) -> str:
        return _("%(name)s（%(code)s）") % {"name": self.name, "code": self.code}

    @property
    def kind(self) -> str:
        return ItemKind.IMMEDIATE if self.promised_days == 0 else ItemKind.PROMISED

    def get_kind_display(self) -> str:
        return str(ItemKind(self.kind).label)

    @property
    def compression(self) -> float | None:
        """How much shorter the promised limit is than the statutory one (承诺时限压缩率)."""
        if not self.statutory_days:
            return None
        return 1 - self.promised_days / self.statutory_days

    def alias_list(self) -> list[str]:
        return _split(self.aliases)

    def keyword_list(self) -> list[str]:
        return _split(self.keywords)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if (
            self.promised_days is not None
            and self.statutory_days is not None
            and self.promised_days > self.statutory_days
        ):
            errors["promised_days"] = str(_("承诺时限不得超过法定时限。"))
        if self.parent_id is not None and self.parent_id == self.pk:
            errors["parent"] = str(_("父事项不能是自身。"))
        if errors:
            raise ValidationError(errors)


def _split(text: str) -> list[str]:
    import re

    return [part for part in re.split(r"[、，,;；\s]+", text or "") if part]


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ELECTRONIC = "electronic", _("电子件")
    ORIGINAL_AND_COPY = "original_and_copy", _("原件及复印件")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("申请人自备")
    GOVERNMENT = "government", _("政府部门核发")
    INTERMEDIARY = "intermediary", _("中介机构出具")
    OTHER = "other", _("其他")


class MaterialRequirement(models.Model):
    """One material an item asks for. ``code`` is catalog-wide: the same material has the same code
    in every item, so a bundle's merged list holds a shared material once."""

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="materials"
    )
    code = models.CharField(_("材料编码"), max_length=30)
    name = models.CharField(_("材料名称"), max_length=200)
    form = models.CharField(
        _("材料形式"), max_length=20, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL
    )
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    required = models.BooleanField(_("必要"), default=True)
    tolerable = models.BooleanField(_("可容缺"), default=False, help_text=_("容缺受理：可先受理，限期补齐。"))
    commitment_allowed = models.BooleanField(
        _("可告知承诺"), default=False, help_text=_("申请人书面承诺可替代此材料。")
    )
    source = models.CharField(
        _("来源渠道"), max_length=20, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    source_note = models.CharField(_("来源说明"), max_length=200, blank=True)
    license_type = models.ForeignKey(
        LicenseType,
        verbose_name=_("可免提交的证照类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="materials",
        help_text=_("免证办：持有此类电子证照时无需提交纸质材料。"),
    )
    notes = models.CharField(_("填报须知"), max_length=300, blank=True)
    blank_form = models.FileField(_("空白表格"), upload_to="catalog/forms/", blank=True)
    sample = models.FileField(_("示例样表"), upload_to="catalog/samples/", blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = pgettext_lazy("plural", "申请材料")
        ordering = ["item", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="material_code_unique_per_item")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.tolerable or self.commitment_allowed) and not self.required:
            raise ValidationError(_("只有必要材料才能设置容缺或告知承诺。"))


class FormFieldKind(models.TextChoices):
    TEXT = "text", _("文本")
    NUMBER = "number", _("数字")
    DATE = "date", _("日期")
    CHOICE = "choice", _("选项")
    ID_NUMBER = "id_number", _("身份证号码")
    PHONE = "phone", _("手机号码")
    ADDRESS = "address", _("地址")


#: The kinds a length limit applies to, and the one range limits apply to.
FORM_TEXT_KINDS = (FormFieldKind.TEXT, FormFieldKind.ADDRESS)


class FormField(models.Model):
    """One entry of an item's application form (申请表), defined by staff in the admin without code:
    the citizen fills it online (信息 step), the window fills it for him, and the values print into
    the item's 申请表 PDF. ``catalog.forms.form_validate`` checks what is filled against these rows."""

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="form_fields"
    )
    key = models.SlugField(
        _("字段标识"),
        max_length=40,
        help_text=_("英文字母、数字、下划线或连字符，同一事项内不重复，如 operator_name。"),
    )
    label = models.CharField(_("字段名称"), max_length=60)
    label_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    kind = models.CharField(
        _("字段类型"), max_length=20, choices=FormFieldKind.choices, default=FormFieldKind.TEXT
    )
    required = models.BooleanField(_("必填"), default=True)
    choices = models.JSONField(
        _("可选项"), default=list, blank=True, help_text=_('选项类字段的可选值，JSON 列表，如 ["是", "否"]。')
    )
    help_text = models.CharField(_("填写提示"), max_length=200, blank=True)
    max_length = models.PositiveSmallIntegerField(
        _("最多字数"), null=True, blank=True, help_text=_("文本、地址字段适用；为空表示不超过 500 字。")
    )
    min = models.DecimalField(
        _("最小值"), max_digits=16, decimal_places=2, null=True, blank=True, help_text=_("数字字段适用。")
    )
    max = models.DecimalField(
        _("最大值"), max_digits=16, decimal_places=2, null=True, blank=True, help_text=_("数字字段适用。")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("申请表字段")
        verbose_name_plural = pgettext_lazy("plural", "申请表字段")
        ordering = ["item", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "key"], name="form_field_key_unique_per_item")]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == FormFieldKind.CHOICE:
            choices = self.choices
            if not isinstance(choices, list) or not choices:
                errors["choices"] = str(_("选项字段请至少填写一个可选值（JSON 列表）。"))
            elif not all(isinstance(choice, str) and choice.strip() for choice in choices):
                errors["choices"] = str(_("可选值应为不为空的文字。"))
            elif len({choice.strip() for choice in choices}) != len(choices):
                errors["choices"] = str(_("可选值不能重复。"))
        elif self.choices:
            errors["choices"] = str(_("只有选项字段才能填写可选值。"))
        if self.max_length is not None and self.kind not in FORM_TEXT_KINDS:
            errors["max_length"] = str(_("只有文本、地址字段才能限制字数。"))
        if (self.min is not None or self.max is not None) and self.kind != FormFieldKind.NUMBER:
            errors["min" if self.min is not None else "max"] = str(_("只有数字字段才能限制取值范围。"))
        elif self.min is not None and self.max is not None and self.min > self.max:
            errors["max"] = str(_("最大值不得小于最小值。"))
        if errors:
            raise ValidationError(errors)


class ItemVersion(models.Model):
    """An immutable snapshot of a published item with its materials."""

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    snapshot = models.JSONField(_("内容"))
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    created_by = models.CharField(_("发布人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = pgettext_lazy("plural", "事项版本")
        ordering = ["item", "-number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="item_version_unique")]

    def __str__(self) -> str:
        return f"{self.item.name} v{self.number}"


class PointItem(models.Model):
    """Which items a service point offers (认领事项)."""

    point = models.ForeignKey(
        ServicePoint, verbose_name=_("服务点"), on_delete=models.CASCADE, related_name="offers"
    )
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="offers"
    )
    active = models.BooleanField(_("启用"), default=True)
    since = models.DateField(_("起始日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务点认领事项")
        verbose_name_plural = pgettext_lazy("plural", "服务点认领事项")
        constraints = [models.UniqueConstraint(fields=["point", "item"], name="point_item_unique")]

    def __str__(self) -> str:
        return f"{self.point.name} · {self.item.name}"


class DelegationMode(models.TextChoices):
    GRANTED = "granted", _("直接赋权")
    ENTRUSTED = "entrusted", _("委托下放")
    FRONT_DESK_ONLY = "front_desk_only", _("服务前移")


class Delegation(models.Model):
    """A county department's power over an item, moved down to a point or a region (权限下放)."""

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="delegations"
    )
    from_department = models.ForeignKey(
        Department, verbose_name=_("下放部门"), on_delete=models.PROTECT, related_name="delegations_out"
    )
    to_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("承接服务点"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    to_region = models.ForeignKey(
        Region,
        verbose_name=_("承接区划"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    mode = models.CharField(_("下放方式"), max_length=20, choices=DelegationMode.choices)
    instrument = models.CharField(_("授权(委托)书编号"), max_length=100)
    instrument_date = models.DateField(_("签订日期"))
    instrument_file = models.FileField(_("授权(委托)书"), upload_to="catalog/delegations/", blank=True)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("为空表示长期有效。"))
    notes = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("权限下放")
        verbose_name_plural = pgettext_lazy("plural", "权限下放")
        ordering = ["item", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_point__isnull=False) | Q(to_region__isnull=False),
                name="delegation_has_target",
                violation_error_message=_("请指定承接服务点或承接区划。"),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="delegation_valid_range",
                violation_error_message=_("失效日期不得早于生效日期。"),
            ),
        ]

    def __str__(self) -> str:
        target = self.to_point or self.to_region
        return _("%(item)s → %(target)s（%(mode)s）") % {
            "item": self.item.name,
            "target": target,
            "mode": self.get_mode_display(),
        }

    def clean(self) -> None:
        if self.to_point_id is None and self.to_region_id is None:
            raise ValidationError(_("请指定承接服务点或承接区划。"))
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("失效日期不得早于生效日期。")})


class Bundle(models.Model):
    """一件事一次办: several items applied for together with one set of materials."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    items: models.ManyToManyField[ServiceItem, BundleItem] = models.ManyToManyField(
        ServiceItem, through="BundleItem", verbose_name=_("包含事项"), related_name="bundles"
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = pgettext_lazy("plural", "一件事")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="bundle_entries"
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("一件事包含事项")
        verbose_name_plural = pgettext_lazy("plural", "一件事包含事项")
        ordering = ["bundle", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item"], name="bundle_item_unique")]

    def __str__(self) -> str:
        return f"{self.bundle.name} · {self.item.name}"


class EligibilityKind(models.TextChoices):
    MIN_AGE = "min_age", _("最低年龄（周岁）")
    MAX_AGE = "max_age", _("最高年龄（周岁）")
    REGION = "region", _("户籍或住所地（区划代码前缀）")
    APPLICANT_KIND = "applicant_kind", _("申请人类型")


class EligibilityRule(models.Model):
    """One condition an applicant must meet to apply for an item (受理条件), checked at intake.

    Staff keep them in the catalog, without code: a minimum or maximum age read from the ID number
    (高龄津贴: 80), the household region (本区户籍: the county's 6-digit code, read from the
    applicant's stated region or else from the ID number's address code), the applicant kind
    (自然人/法人). ``message`` (optional) replaces the standard Chinese sentence.
    """

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="eligibility_rules"
    )
    kind = models.CharField(_("条件"), max_length=20, choices=EligibilityKind.choices)
    value = models.CharField(
        _("值"),
        max_length=40,
        help_text=_(
            "年龄填周岁数（如 80）；区划填代码前缀（如 411502）；申请人类型填 person 或 organization"
        ),
    )
    message = models.CharField(
        _("不符合时的说明"), max_length=200, blank=True, help_text=_("为空时使用标准说明")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("申请条件")
        verbose_name_plural = pgettext_lazy("plural", "申请条件")
        ordering = ["item", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"

    def clean(self) -> None:
        value = self.value.strip()
        if self.kind in (EligibilityKind.MIN_AGE, EligibilityKind.MAX_AGE) and not (
            value.isdigit() and 0 <= int(value) <= 150
        ):
            raise ValidationError({"value": _("年龄应为 0–150 的整数。")})
        if self.kind == EligibilityKind.REGION and not (value.isdigit() and len(value) in (2, 4, 6, 9, 12)):
            raise ValidationError({"value": _("区划代码前缀应为 2、4、6、9 或 12 位数字。")})
        if self.kind == EligibilityKind.APPLICANT_KIND and value not in ("person", "organization"):
            raise ValidationError({"value": _("申请人类型应为 person 或 organization。")})


# 办理情形 live in their own module (this one is long enough); imported here so Django finds them.
from yichuang.catalog.situations import MaterialEffect as MaterialEffect  # noqa: E402
from yichuang.catalog.situations import Situation as Situation  # noqa: E402
from yichuang.catalog.situations import SituationMaterial as SituationMaterial  # noqa: E402
