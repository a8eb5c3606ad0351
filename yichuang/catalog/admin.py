"""The admin for the service-item catalog, in Chinese, with Excel import and export.

Versioning rule: editing a published item makes a new version; a case keeps the version it was accepted
under. ``ServiceItemAdmin.save_related`` therefore snapshots the item after its materials are saved, and
versions are shown read-only.
"""

from __future__ import annotations

import io
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms import ModelForm
from django.http import FileResponse, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from yichuang.catalog.admin_situations import SituationInline
from yichuang.catalog.excel import ImportResult, export_catalog, import_catalog
from yichuang.catalog.models import (
    Bundle,
    BundleItem,
    Delegation,
    EligibilityRule,
    FormField,
    ItemVersion,
    LicenseType,
    MaterialRequirement,
    PointItem,
    ServiceItem,
)
from yichuang.catalog.services import item_publish, item_snapshot
from yichuang.common.excel import XLSX_CONTENT_TYPE
from yichuang.org.admin_scope import CountyScopedAdmin
from yichuang.org.selectors import is_platform_admin

#: Uploads bigger than this are refused before openpyxl unpacks them (a catalog of thousands of items
#: with materials is well under 5 MB).
MAX_IMPORT_BYTES = 10 * 1024 * 1024


@admin.register(LicenseType)
class LicenseTypeAdmin(admin.ModelAdmin[LicenseType]):
    list_display = ["code", "name", "issuer", "validity_years", "printable"]
    list_filter = ["printable"]
    search_fields = ["code", "name", "issuer"]


class EligibilityRuleInline(admin.TabularInline[EligibilityRule, ServiceItem]):
    """受理条件 checked at intake (age from the ID number, household region, applicant kind)."""

    model = EligibilityRule
    extra = 0
    fields = ["kind", "value", "message", "active"]


class MaterialRequirementInline(admin.StackedInline[MaterialRequirement, ServiceItem]):
    model = MaterialRequirement
    extra = 0
    autocomplete_fields = ["license_type"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("code", "name", "order"),
                    ("form", "copies", "source"),
                    ("required", "tolerable", "commitment_allowed"),
                    ("source_note", "license_type"),
                    "notes",
                    ("blank_form", "sample"),
                ]
            },
        )
    ]


FORM_FIELD_ADMIN_FIELDS = [
    "order",
    "key",
    "label",
    "label_en",
    "kind",
    "required",
    "choices",
    "max_length",
    "min",
    "max",
    "help_text",
]


class ChoiceLinesField(forms.CharField):
    """A choice field's options typed one a line (staff do not write JSON); stored as a list."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 30})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(choice) for choice in value)
        if isinstance(value, str) and value.startswith("["):
            try:
                return "\n".join(str(choice) for choice in json.loads(value))
            except ValueError:
                return value
        return value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        return [line.strip() for line in str(text).splitlines() if line.strip()]


class FormFieldAdminForm(ModelForm[FormField]):
    choices = ChoiceLinesField(
        label=_("可选项"), required=False, help_text=_("选项字段适用：每行一个可选值。")
    )

    class Meta:
        model = FormField
        fields = FORM_FIELD_ADMIN_FIELDS


class FormFieldInline(admin.TabularInline[FormField, ServiceItem]):
    """申请表字段: what the citizen (or the window for him) fills in, printed into the 申请表 PDF."""

    model = FormField
    form = FormFieldAdminForm
    extra = 0
    fields = [*FORM_FIELD_ADMIN_FIELDS]


class ItemKindFilter(admin.SimpleListFilter):
    title = _("办件类型")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("immediate", _("即办件")), ("promised", _("承诺件"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "immediate":
            return queryset.filter(promised_days=0)
        if self.value() == "promised":
            return queryset.filter(promised_days__gt=0)
        return queryset


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        help_text=_("请使用“导出Excel”得到的表格格式。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    dry_run = forms.BooleanField(label=_("仅校验，不保存"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", _("："))
        super().__init__(*args, **kwargs)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("文件过大：不能超过 10 MB。"))
        return upload


@admin.register(ServiceItem)
class ServiceItemAdmin(CountyScopedAdmin, admin.ModelAdmin[ServiceItem]):
    # A county's administrator manages the items of his county's departments (decision 144).
    scope_region_field = "department__region"

    list_display = [
        "code",
        "name",
        "type",
        "exercise_level",
        "department",
        "kind_label",
        "statutory_days",
        "promised_days",
        "status",
        "version",
    ]
    list_display_links = ["code", "name"]
    list_filter = [
        "status",
        "type",
        "exercise_level",
        ItemKindFilter,
        "audience",
        "fee_charged",
        "department",
    ]
    search_fields = ["code", "base_code", "name", "aliases", "keywords"]
    autocomplete_fields = ["department", "result_license_type", "parent"]
    list_select_related = ["department"]
    readonly_fields = ["version", "version_history", "created_at", "updated_at"]
    inlines = [MaterialRequirementInline, SituationInline, FormFieldInline, EligibilityRuleInline]
    actions = ["publish_items", "export_items"]
    fieldsets = [
        (
            None,
            {"fields": ["code", "base_code", "name", "aliases", "keywords", "type", "status", "parent"]},
        ),
        (
            _("实施与依据"),
            {"fields": ["department", "exercise_level", "legal_basis", "audience", "conditions", "process"]},
        ),
        (
            _("时限与办理"),
            {
                "fields": [
                    ("statutory_days", "promised_days", "supplement_days"),
                    ("visits_required", "online_depth"),
                ]
            },
        ),
        (_("收费"), {"fields": ["fee_charged", "fee_standard", "fee_basis"]}),
        (_("办理结果"), {"fields": ["result_type", "result_name", "result_license_type"]}),
        (_("咨询与投诉"), {"fields": ["consult_phone", "complaint_phone"]}),
        (_("版本"), {"fields": ["version", "version_history", "created_at", "updated_at"]}),
    ]

    @admin.display(description=_("办件类型"), ordering="promised_days")
    def kind_label(self, obj: ServiceItem) -> str:
        return obj.get_kind_display()

    @admin.display(description=_("版本记录"))
    def version_history(self, obj: ServiceItem) -> SafeString | str:
        if obj.pk is None:
            return "—"
        versions = list(ItemVersion.objects.filter(item=obj).order_by("-number"))
        if not versions:
            return str(_("尚无版本（事项发布后生成）。"))
        rows = format_html_join(
            "",
            '<li><a href="{}">v{}</a> · {} · {}</li>',
            (
                (
                    reverse("admin:catalog_itemversion_change", args=[version.pk]),
                    version.number,
                    timezone.localtime(version.created_at).strftime("%Y-%m-%d %H:%M"),
                    version.created_by or "—",
                )
                for version in versions
            ),
        )
        return format_html('<ul style="margin:0;padding-left:1em">{}</ul>', rows)

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # After the inlines: the snapshot must hold the materials as they are now.
        version = item_snapshot(item=form.instance, actor=request.user)
        if version is not None:
            self.message_user(
                request, _("已生成新版本 v%(n)d；已受理的办件仍按原版本办理。") % {"n": version.number}
            )

    @admin.action(description=_("发布"), permissions=["change"])
    def publish_items(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        published, failed = 0, []
        for item in queryset:
            try:
                item_publish(item=item, actor=request.user)
            except ValidationError as exc:
                failed.append(f"{item.code}：{'；'.join(exc.messages)}")
            else:
                published += 1
        if published:
            self.message_user(request, _("已发布 %(n)d 个事项。") % {"n": published}, messages.SUCCESS)
        for failure in failed:
            self.message_user(request, _("发布失败 %(reason)s") % {"reason": failure}, messages.ERROR)

    @admin.action(description=_("导出Excel"), permissions=["view"])
    def export_items(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> FileResponse:
        return _xlsx_response(export_catalog(queryset), request)

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="catalog_serviceitem_import",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="catalog_serviceitem_export",
            ),
        ]
        return custom + super().get_urls()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_import": self.may_import(request)}
        return super().changelist_view(request, extra_context)

    def export_view(self, request: HttpRequest) -> FileResponse:
        """The items the changelist shows with the same search and filters (all of them without any)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            items = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            items = self.get_queryset(request)
        return _xlsx_response(export_catalog(items), request)

    def may_import(self, request: HttpRequest) -> bool:
        """Importing rewrites items and their materials: the same right as editing them one by one.
        The workbook may name any county's items, so it is the platform administrators' (decision 144)."""
        return (
            self.has_change_permission(request)
            and self.has_add_permission(request)
            and is_platform_admin(request.user)
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.may_import(request):
            raise PermissionDenied
        result: ImportResult | None = None
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                result = import_catalog(
                    form.cleaned_data["file"], actor=request.user, dry_run=form.cleaned_data["dry_run"]
                )
                if result.ok and not result.dry_run:
                    self.message_user(request, result.summary(), messages.SUCCESS)
        else:
            form = ImportForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("导入事项目录"),
            "opts": self.opts,
            "form": form,
            "result": result,
            "has_view_permission": self.has_view_permission(request),
        }
        status = 400 if result is not None and not result.ok else 200
        return TemplateResponse(request, "admin/catalog/serviceitem/import.html", context, status=status)


def _xlsx_response(data: bytes, request: HttpRequest) -> FileResponse:
    from yichuang.audit.models import SecurityKind
    from yichuang.audit.services import security_record

    filename = _("事项目录-%(date)s.xlsx") % {"date": f"{timezone.localdate():%Y%m%d}"}
    security_record(SecurityKind.EXPORT, actor=request.user, request=request, subject=str(filename))
    return FileResponse(
        io.BytesIO(data), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )


@admin.register(ItemVersion)
class ItemVersionAdmin(CountyScopedAdmin, admin.ModelAdmin[ItemVersion]):
    """Versions are written by ``item_snapshot`` only: nobody adds, edits or deletes one here."""

    scope_region_field = "item__department__region"

    list_display = ["item", "number", "created_at", "created_by"]
    list_filter = ["created_at"]
    search_fields = ["item__code", "item__name", "created_by"]
    list_select_related = ["item"]
    fields = ["item", "number", "created_at", "created_by", "snapshot_pretty"]
    readonly_fields = ["item", "number", "created_at", "created_by", "snapshot_pretty"]

    @admin.display(description=_("内容"))
    def snapshot_pretty(self, obj: ItemVersion) -> SafeString:
        text = json.dumps(obj.snapshot, ensure_ascii=False, indent=2)
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', text)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ItemVersion | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ItemVersion | None = None) -> bool:
        return False


@admin.register(PointItem)
class PointItemAdmin(CountyScopedAdmin, admin.ModelAdmin[PointItem]):
    scope_region_field = "point__region"
    scope_point_field = "point"
    list_display = ["point", "item", "active", "since"]
    list_filter = ["active", "point__kind", "item__type", "item__status"]
    search_fields = ["point__code", "point__name", "item__code", "item__name", "item__aliases"]
    autocomplete_fields = ["point", "item"]
    list_select_related = ["point", "item"]


class DelegationValidityFilter(admin.SimpleListFilter):
    title = _("有效性")
    parameter_name = "validity"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("current", _("当前有效")), ("expired", _("已失效")), ("pending", _("未生效"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "current":
            return queryset.filter(valid_from__lte=today).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=today)
            )
        if self.value() == "expired":
            return queryset.filter(valid_to__lt=today)
        if self.value() == "pending":
            return queryset.filter(valid_from__gt=today)
        return queryset


@admin.register(Delegation)
class DelegationAdmin(CountyScopedAdmin, admin.ModelAdmin[Delegation]):
    scope_region_field = "from_department__region"
    list_display = [
        "item",
        "from_department",
        "to_point",
        "to_region",
        "mode",
        "instrument",
        "valid_from",
        "valid_to",
        "is_current",
    ]
    list_filter = [DelegationValidityFilter, "mode", "from_department"]
    search_fields = [
        "item__code",
        "item__name",
        "item__aliases",
        "instrument",
        "from_department__name",
        "to_point__name",
        "to_region__name",
        "to_region__code",
    ]
    autocomplete_fields = ["item", "from_department", "to_point", "to_region"]
    list_select_related = ["item", "from_department", "to_point", "to_region"]
    date_hierarchy = "valid_from"
    fieldsets = [
        (None, {"fields": ["item", "from_department", "mode"]}),
        (_("承接方"), {"fields": ["to_point", "to_region"]}),
        (_("授权(委托)书"), {"fields": ["instrument", "instrument_date", "instrument_file"]}),
        (_("有效期"), {"fields": ["valid_from", "valid_to", "notes"]}),
    ]

    @admin.display(description=_("当前有效"), boolean=True)
    def is_current(self, obj: Delegation) -> bool:
        today = timezone.localdate()
        return obj.valid_from <= today and (obj.valid_to is None or today <= obj.valid_to)


class BundleItemInline(admin.TabularInline[BundleItem, Bundle]):
    model = BundleItem
    extra = 0
    autocomplete_fields = ["item"]
    fields = ["item", "order"]


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin[Bundle]):
    list_display = ["code", "name", "item_count", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name", "items__name", "items__code"]
    inlines = [BundleItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Bundle]:
        return super().get_queryset(request).annotate(entry_count=Count("entries"))

    @admin.display(description=_("事项数"), ordering="entry_count")
    def item_count(self, obj: Bundle) -> int:
        return getattr(obj, "entry_count", 0)
