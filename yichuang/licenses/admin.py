"""The licence register in the admin: look up and revoke; licences are issued by approving cases."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from yichuang.common.identity import mask_resident_id, mask_uscc
from yichuang.licenses.models import CertificateField, CertificateLayout, License
from yichuang.licenses.services import license_revoke


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin[License]):
    list_display = [
        "number",
        "license_type",
        "holder_name",
        "masked_id",
        "valid_from",
        "valid_until",
        "status",
    ]
    list_filter = ["status", "license_type"]
    search_fields = ["number", "holder_name", "=holder_id_number"]
    readonly_fields = [
        "number",
        "license_type",
        "holder_kind",
        "holder_name",
        "masked_id",
        "issuer",
        "issued_at",
        "valid_from",
        "valid_until",
        "status",
        "revoked_at",
        "revoke_reason",
        "source_case",
        "printed_fields",
    ]
    fields = tuple(readonly_fields)
    actions = ["revoke"]

    @admin.display(description=_("持证人证件号码"))
    def masked_id(self, obj: License) -> str:
        masked = mask_resident_id if obj.holder_kind == "person" else mask_uscc
        return masked(obj.holder_id_number)

    @admin.display(description=_("证照内容"))
    def printed_fields(self, obj: License) -> str:
        return "；".join(f"{row.get('label')}：{row.get('value')}" for row in obj.fields or [])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("注销所选证照"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[License]) -> None:
        for row in queryset:
            license_revoke(license=row, actor=request.user, reason=str(_("管理员注销")))  # type: ignore[arg-type]
        self.message_user(request, _("已注销 %(n)d 个证照。") % {"n": queryset.count()}, messages.SUCCESS)


class CertificateFieldInline(admin.TabularInline[CertificateField, CertificateLayout]):
    """证照栏目: each line the certificate prints, in order, and where its value comes from."""

    model = CertificateField
    extra = 0
    fields = ["order", "label", "source", "key", "text", "holder", "wide"]


@admin.register(CertificateLayout)
class CertificateLayoutAdmin(admin.ModelAdmin[CertificateLayout]):
    """证照模板 (证照套打): one per licence type; what is issued after a change prints the new layout."""

    list_display = [
        "license_type",
        "title",
        "paper",
        "orientation",
        "columns",
        "field_count",
        "updated_at",
        "preview",
    ]
    list_select_related = ["license_type"]
    search_fields = ["title", "license_type__name", "license_type__code"]
    fields = [
        "license_type",
        "title",
        "subtitle",
        "paper",
        "orientation",
        "columns",
        "border",
        "issuer",
        "notes",
    ]
    inlines = [CertificateFieldInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CertificateLayout]:
        return super().get_queryset(request).annotate(field_total=Count("fields"))

    actions = ["export_layouts"]

    @admin.action(description=_("导出Excel"), permissions=["view"])
    def export_layouts(self, request: HttpRequest, queryset: QuerySet[CertificateLayout]) -> HttpResponse:
        from yichuang.common.excel import XLSX_CONTENT_TYPE
        from yichuang.licenses.excel import export_layouts

        data = export_layouts(queryset.select_related("license_type").prefetch_related("fields"))
        response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = (
            "attachment; filename*=UTF-8''%E8%AF%81%E7%85%A7%E6%A8%A1%E6%9D%BF.xlsx"
        )
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """导入证照模板: the workbook the export writes, all or nothing."""
        from yichuang.common.excel import WorkbookError
        from yichuang.licenses.excel import import_layouts

        if not (self.has_change_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        errors: list[str] = []
        upload = request.FILES.get("file")
        if request.method == "POST" and isinstance(upload, UploadedFile):
            try:
                result = import_layouts(upload.read())
            except WorkbookError as exc:
                errors = [str(exc)]
            else:
                if result.ok:
                    self.message_user(request, result.summary(), messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:licenses_certificatelayout_changelist"))
                errors = [str(error) for error in result.errors]
        elif request.method == "POST":
            errors = [str(_("请选择证照模板工作簿（.xlsx）。"))]
        context = {
            **self.admin_site.each_context(request),
            "title": _("导入证照模板"),
            "opts": self.opts,
            "errors": errors,
        }
        return TemplateResponse(
            request, "admin/licenses/certificatelayout/import.html", context, status=400 if errors else 200
        )

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="licenses_certificatelayout_import",
            ),
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="licenses_certificatelayout_preview",
            ),
        ]
        return custom + super().get_urls()

    @admin.display(description=_("样张"))
    def preview(self, obj: CertificateLayout) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:licenses_certificatelayout_preview", args=[obj.pk])
        return format_html(
            '<a href="{}" target="_blank">{}</a> · <a href="{}?holder=organization" target="_blank">{}</a>',
            url,
            _("自然人"),
            url,
            _("法人或其他组织"),
        )

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """样张: the layout as saved, printed with sample values (form fields as 〈label〉), no seal."""
        from yichuang.documents.certificates import layout_certificate_pdf
        from yichuang.licenses.layouts import layout_for, sample_rows

        layout = get_object_or_404(CertificateLayout.objects.select_related("license_type"), pk=pk)
        if not self.has_view_permission(request, layout):
            raise PermissionDenied
        spec = layout_for(layout.license_type_id)
        holder = "organization" if request.GET.get("holder") == "organization" else "person"
        data = {
            "case": {"number": "41150220260101000001"},
            "issued_on": timezone.localdate().isoformat(),
            "certificate": {
                "name": layout.license_type.name,
                "rows": sample_rows(spec, holder_kind=holder),
                "layout": spec.presentation(type_name=layout.license_type.name),
            },
        }
        pdf = layout_certificate_pdf(
            data=data,
            verify_code="",
            verify_url="",
            issuer=spec.issuer or layout.license_type.issuer or str(_("（发证机关）")),
            seal=None,
            watermark=str(_("样张")),
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="preview.pdf"'
        return response

    @admin.display(description=_("栏目数"), ordering="field_total")
    def field_count(self, obj: CertificateLayout) -> int:
        return int(getattr(obj, "field_total", 0))
