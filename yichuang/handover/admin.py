"""Handover lists in the admin: for looking up, auditing and printing; changes go through the services."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yichuang.common.identity import mask_phone
from yichuang.handover.excel import XLSX_CONTENT_TYPE, export_handovers
from yichuang.handover.models import Handover, HandoverEntry
from yichuang.handover.selectors import with_details


class EntryInline(admin.TabularInline[HandoverEntry, Handover]):
    model = HandoverEntry
    extra = 0
    can_delete = False
    fields = ("position", "case", "state", "note", "receipt_note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin[Handover]):
    list_display = [
        "number",
        "status",
        "from_name",
        "to_name",
        "contact_name",
        "masked_phone",
        "sent_at",
        "received_at",
    ]
    list_filter = ["status", "sent_at"]
    search_fields = ["number", "contact_name", "entries__case__number"]
    list_select_related = ["from_point", "from_department", "to_point", "to_department"]
    date_hierarchy = "created_at"
    inlines = [EntryInline]
    exclude = ["contact_phone"]
    actions = ["export_xlsx"]

    @admin.display(description=_("移交单位"))
    def from_name(self, obj: Handover) -> str:
        return obj.from_unit.name

    @admin.display(description=_("接收单位"))
    def to_name(self, obj: Handover) -> str:
        return obj.to_unit.name

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj: Handover) -> str:
        return mask_phone(obj.contact_phone)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Handover._meta.fields if f.name not in self.exclude] + ["masked_phone"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("导出Excel（打印签字）"), permissions=["view"])
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[Handover]) -> FileResponse:
        handovers = with_details(queryset.order_by("number"))
        filename = _("移交清单-%(date)s.xlsx") % {"date": f"{timezone.localdate():%Y%m%d}"}
        from yichuang.audit.models import SecurityKind
        from yichuang.audit.services import security_record

        security_record(SecurityKind.EXPORT, actor=request.user, request=request, subject=str(filename))
        return FileResponse(
            io.BytesIO(export_handovers(handovers)),
            as_attachment=True,
            filename=filename,
            content_type=XLSX_CONTENT_TYPE,
        )
