"""The admin for the organization, in Chinese. Phone numbers are personal data: lists show them masked."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yichuang.common.identity import mask_phone
from yichuang.org.admin_scope import CountyScopedAdmin, regions_in_scope
from yichuang.org.models import Department, Region, ServicePoint, Staff, Window
from yichuang.org.selectors import is_platform_admin, staff_in_scope


@admin.register(Region)
class RegionAdmin(CountyScopedAdmin, admin.ModelAdmin[Region]):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    list_per_page = 100

    def scope_queryset(self, queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
        return queryset.filter(pk__in=regions_in_scope(user).values("pk"))


class WindowInline(admin.TabularInline[Window, ServicePoint]):
    model = Window
    extra = 0
    fields = ["number", "name", "kind", "active"]


@admin.register(ServicePoint)
class ServicePointAdmin(CountyScopedAdmin, admin.ModelAdmin[ServicePoint]):
    scope_point_field = "pk"
    list_display = ["code", "name", "kind", "region", "parent", "open_all_year", "active"]
    list_filter = ["kind", "active", "open_all_year"]
    search_fields = ["code", "name", "address", "region__name"]
    autocomplete_fields = ["region", "parent"]
    list_select_related = ["region", "parent"]
    inlines = [WindowInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "region", "parent"]}),
        (_("服务信息"), {"fields": ["address", "hours", "phone", "open_all_year", "active"]}),
    ]


@admin.register(Window)
class WindowAdmin(CountyScopedAdmin, admin.ModelAdmin[Window]):
    scope_region_field = "point__region"
    scope_point_field = "point"
    list_display = ["number", "name", "point", "kind", "active"]
    list_filter = ["kind", "active", "point__kind"]
    search_fields = ["number", "name", "point__name", "point__code"]
    autocomplete_fields = ["point"]
    list_select_related = ["point"]


@admin.register(Department)
class DepartmentAdmin(CountyScopedAdmin, admin.ModelAdmin[Department]):
    list_display = ["code", "name", "short_name", "kind", "region", "point", "phone"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["region", "point"]
    list_select_related = ["region", "point"]


#: What only the platform's administrators may change on an account: a county's administrator makes
#: no superuser and hands out no permissions (decision 144).
PLATFORM_ONLY_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


@admin.register(Staff)
class StaffAdmin(CountyScopedAdmin, UserAdmin[Staff]):
    list_display = [
        "username",
        "full_name",
        "get_role_display",
        "point",
        "region",
        "department",
        "masked_phone",
        "is_active",
        "is_demo",
    ]
    list_filter = ["role", "is_active", "is_staff", "is_superuser", "is_demo", "point__kind"]
    # A colleague is found by his whole number (the sealed phone's index: "=phone"); display is masked.
    search_fields = ["username", "first_name", "last_name", "email", "=phone"]
    autocomplete_fields = ["point", "region", "department", "window"]
    list_select_related = ["point", "region", "department"]
    fieldsets = [
        *(UserAdmin.fieldsets or ()),
        (_("岗位"), {"fields": ["role", "point", "region", "department", "window"]}),
        (_("联系方式"), {"fields": ["phone"]}),
        (_("演示"), {"fields": ["is_demo"]}),
    ]
    add_fieldsets = [
        *(UserAdmin.add_fieldsets or ()),
        (_("岗位"), {"classes": ["wide"], "fields": ["role", "point", "region", "department", "window"]}),
        (_("联系方式"), {"fields": ["phone"]}),
    ]

    def scope_queryset(self, queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
        return queryset.filter(pk__in=staff_in_scope(user).values("pk"))

    def get_readonly_fields(self, request: HttpRequest, obj: Staff | None = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if is_platform_admin(request.user) else (*fields, *PLATFORM_ONLY_FIELDS)

    def get_form(
        self, request: HttpRequest, obj: Staff | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if is_platform_admin(request.user):
            return form

        class CountyStaffForm(form):  # type: ignore[valid-type,misc]
            """A county's administrator places every account he makes inside his county: an account
            with neither point nor region would be the platform's administrator, or nobody's."""

            def clean(self) -> dict[str, Any]:
                data: dict[str, Any] = super().clean()
                if not data.get("region") and not data.get("point"):
                    raise ValidationError(_("请为该账号选择本县（区）内的服务点或管辖区划。"))
                return data

        return CountyStaffForm

    def save_model(self, request: HttpRequest, obj: Staff, form: Any, change: bool) -> None:
        """A change of role or scope is a security event with this administrator as its actor."""
        from yichuang.audit.services import acting_as

        with acting_as(request):
            super().save_model(request, obj, form, change)

    @admin.display(description=_("姓名"))
    def full_name(self, obj: Staff) -> str:
        return obj.get_full_name()

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: Staff) -> str:
        return mask_phone(obj.phone)
