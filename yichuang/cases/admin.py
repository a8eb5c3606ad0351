"""Cases in the admin: for looking up and auditing; changes go through the workflow, not here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yichuang.cases.models import BundleApplication, Case, CaseEvent, CaseMaterial
from yichuang.common.identity import mask_phone, mask_resident_id


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MaterialInline(ReadOnlyInline):
    model = CaseMaterial
    fields = ("requirement", "name", "required", "state")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("at", "action", "actor_name", "from_status", "to_status", "note")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin[Case]):
    list_display = [
        "number",
        "item",
        "status",
        "point",
        "handling_department",
        "masked_applicant",
        "due_date",
    ]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["number", "item__name"]
    list_select_related = ["item", "point", "handling_department"]
    date_hierarchy = "created_at"
    inlines = [MaterialInline, EventInline]
    exclude = ["applicant_id_number", "applicant_phone"]

    @admin.display(description=_("申请人"))
    def masked_applicant(self, obj: Case) -> str:
        return f"{obj.applicant_name} {mask_resident_id(obj.applicant_id_number)} {mask_phone(obj.applicant_phone)}"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Case._meta.fields if f.name not in self.exclude] + ["masked_applicant"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ApplicationCaseInline(ReadOnlyInline):
    model = Case
    fields = ("number", "item", "status", "due_date")
    readonly_fields = fields
    show_change_link = True


@admin.register(BundleApplication)
class BundleApplicationAdmin(admin.ModelAdmin[BundleApplication]):
    list_display = ["number", "bundle", "point", "masked_applicant", "created_at"]
    search_fields = ["number", "bundle__name"]
    list_select_related = ["bundle", "point"]
    inlines = [ApplicationCaseInline]
    exclude = ["applicant_id_number", "applicant_phone"]

    @admin.display(description=_("申请人"))
    def masked_applicant(self, obj: BundleApplication) -> str:
        return f"{obj.applicant_name} {mask_resident_id(obj.applicant_id_number)} {mask_phone(obj.applicant_phone)}"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in BundleApplication._meta.fields if f.name not in self.exclude] + [
            "masked_applicant"
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
