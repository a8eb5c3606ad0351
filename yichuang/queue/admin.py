"""The hall in the admin: categories and the windows serving them, opening hours, appointment
schedules; tickets and appointments to read (phone numbers masked)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yichuang.common.identity import mask_name, mask_phone
from yichuang.queue.appointments import slots_sync
from yichuang.queue.models import (
    Appointment,
    AppointmentSchedule,
    AppointmentSlot,
    OpeningHours,
    QueueTicket,
    ServiceCategory,
    WindowService,
)


class WindowServiceInline(admin.TabularInline[WindowService, ServiceCategory]):
    model = WindowService
    extra = 0
    raw_id_fields = ["window"]


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin[ServiceCategory]):
    list_display = ["letter", "name", "code", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name", "code"]
    inlines = [WindowServiceInline]


@admin.register(WindowService)
class WindowServiceAdmin(admin.ModelAdmin[WindowService]):
    list_display = ["window", "category"]
    list_filter = ["category"]
    list_select_related = ["window__point", "category"]
    search_fields = ["window__point__name", "window__point__code", "window__name"]
    raw_id_fields = ["window"]


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin[OpeningHours]):
    list_display = ["point", "days", "weekdays", "start", "end", "extended", "active"]
    list_filter = ["days", "extended", "active"]
    list_select_related = ["point"]
    search_fields = ["point__name", "point__code"]
    raw_id_fields = ["point"]


@admin.register(AppointmentSchedule)
class AppointmentScheduleAdmin(admin.ModelAdmin[AppointmentSchedule]):
    list_display = [
        "point",
        "category",
        "days",
        "weekdays",
        "start",
        "end",
        "slot_minutes",
        "capacity",
        "extended",
        "active",
    ]
    list_filter = ["days", "extended", "active", "category"]
    list_select_related = ["point", "category"]
    search_fields = ["point__name", "point__code"]
    raw_id_fields = ["point"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        slots_sync(point=obj.point)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        point = obj.point
        super().delete_model(request, obj)
        slots_sync(point=point)


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(admin.ModelAdmin[AppointmentSlot]):
    list_display = ["point", "day", "start", "end", "category", "capacity", "booked", "extended", "closed"]
    list_filter = ["day", "category", "extended", "closed"]
    list_select_related = ["point", "category"]
    search_fields = ["point__name", "point__code"]
    readonly_fields = ["point", "category", "day", "start", "end", "booked", "schedule"]
    date_hierarchy = "day"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(QueueTicket)
class TicketAdmin(admin.ModelAdmin[QueueTicket]):
    list_display = [
        "number",
        "point",
        "day",
        "category",
        "status",
        "priority_reason",
        "window",
        "masked_phone",
    ]
    list_filter = ["status", "source", "priority_reason", "category", "day"]
    list_select_related = ["point", "category", "window"]
    search_fields = ["number", "point__name", "point__code"]
    date_hierarchy = "day"
    exclude = ["phone", "cases"]
    readonly_fields = [
        "point",
        "day",
        "category",
        "sequence",
        "number",
        "source",
        "priority",
        "priority_reason",
        "masked_phone",
        "status",
        "window",
        "transfer_to",
        "taken_at",
        "queued_at",
        "first_called_at",
        "called_at",
        "recalls",
        "finished_at",
        "wait_seconds",
        "service_seconds",
        "taken_by",
        "served_by",
    ]

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: QueueTicket) -> str:
        return mask_phone(obj.phone)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin[Appointment]):
    list_display = ["reference", "point", "day", "start", "category", "masked_name", "masked_phone", "status"]
    list_filter = ["status", "channel", "category", "day"]
    list_select_related = ["point", "category"]
    search_fields = ["reference", "point__name"]
    date_hierarchy = "day"
    exclude = ["name", "phone"]
    readonly_fields = [
        "reference",
        "point",
        "category",
        "slot",
        "day",
        "start",
        "end",
        "masked_name",
        "masked_phone",
        "note",
        "status",
        "channel",
        "booked_at",
        "cancelled_at",
        "checked_in_at",
        "ticket",
        "created_by",
    ]

    @admin.display(description=_("姓名"))
    def masked_name(self, obj: Appointment) -> str:
        return mask_name(obj.name)

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: Appointment) -> str:
        return mask_phone(obj.phone)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
