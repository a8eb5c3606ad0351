from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yichuang.integrations.models import (
    EventStatus,
    ExternalLicense,
    OutboundEvent,
    RatingReport,
    Subscription,
    SystemClient,
)
from yichuang.integrations.services import event_redeliver


@admin.register(SystemClient)
class SystemClientAdmin(admin.ModelAdmin[SystemClient]):
    list_display = ["name", "region", "scopes", "created_at"]
    raw_id_fields = ["application"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    list_display = ["client", "url", "active", "created_at"]
    list_filter = ["active"]
    exclude = ["secret"]  # shown once, to the system that subscribed


@admin.register(OutboundEvent)
class OutboundEventAdmin(admin.ModelAdmin[OutboundEvent]):
    list_display = ["created_at", "type", "case_number", "subscription", "status", "attempts", "last_status"]
    list_filter = ["status", "type"]
    search_fields = ["case_number"]
    readonly_fields = [f.name for f in OutboundEvent._meta.fields]
    actions = ["redeliver"]

    @admin.action(description=_("重新发送选中的事件"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[OutboundEvent]) -> None:
        count = 0
        for event in queryset.exclude(status=EventStatus.DELIVERED):
            event_redeliver(event=event)
            count += 1
        self.message_user(request, _("已重新排队 %(n)d 条事件。") % {"n": count})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(RatingReport)
class RatingReportAdmin(admin.ModelAdmin[RatingReport]):
    list_display = ["rating", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in RatingReport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ExternalLicense)
class ExternalLicenseAdmin(admin.ModelAdmin[ExternalLicense]):
    list_display = ["license", "source", "fetched_at"]
    readonly_fields = ["license", "source", "fetched_at"]
