"""The outbox in the Chinese admin: texts are editable, messages are a read-only record (numbers masked)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from yichuang.notify.models import SmsMessage, SmsProvider, SmsProviderTemplate, SmsTemplate, StaffNotice
from yichuang.notify.selectors import can_read_outbox
from yichuang.notify.services import sms_requeue

MESSAGE_FIELDS: tuple[str, ...] = (
    "masked_to",
    "template",
    "case_number",
    "body",
    "status",
    "attempts",
    "error_code",
    "last_error",
    "backend",
    "provider_id",
    "created_at",
    "sent_at",
    "next_attempt_at",
    "receipt",
    "receipt_at",
    "receipt_detail",
)


class SmsProviderTemplateInline(admin.TabularInline[SmsProviderTemplate, SmsTemplate]):
    """The platforms' approved templates for this text (docs/sms.md): one row per platform."""

    model = SmsProviderTemplate
    extra = 0
    fields = ["provider", "provider_code", "params"]


class WarnsOfUnmappedTemplates(admin.ModelAdmin[Any]):
    """The template lists say at the top which templates the configured platform cannot send yet."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        from yichuang.notify.checks import configured_provider
        from yichuang.notify.mapping import MappingError, unmapped_templates

        provider = configured_provider()
        if provider is not None:
            try:
                missing = unmapped_templates(provider)
            except MappingError as exc:
                self.message_user(
                    request, _("环境变量中的短信模板对照有误：%(error)s") % {"error": exc}, messages.ERROR
                )
            else:
                if missing:
                    self.message_user(
                        request,
                        _(
                            "以下模板还没有对照%(provider)s的模板编号，发送会失败：%(codes)s。请在模板页下方“短信平台模板”中填写。"
                        )
                        % {"provider": SmsProvider(provider).label, "codes": "、".join(missing)},
                        messages.ERROR,
                    )
        return super().changelist_view(request, extra_context)


@admin.register(SmsTemplate)
class SmsTemplateAdmin(WarnsOfUnmappedTemplates):
    list_display = ["code", "name", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["code", "name", "body"]
    fields = ["code", "name", "body", "active", "updated_at"]
    readonly_fields = ["updated_at"]
    inlines = [SmsProviderTemplateInline]

    def get_readonly_fields(self, request: HttpRequest, obj: SmsTemplate | None = None) -> list[str]:
        # The program picks a template by its code: renaming one would silently switch to the default text.
        return [*self.readonly_fields, "code"] if obj is not None else list(self.readonly_fields)


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin[SmsMessage]):
    list_display = [
        "id",
        "masked_to",
        "template",
        "case_number",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "error_code",
        "receipt",
    ]
    list_filter = ["status", "receipt", "backend", "template"]
    search_fields = ["=case_number"]
    date_hierarchy = "created_at"
    fields = MESSAGE_FIELDS
    readonly_fields = MESSAGE_FIELDS
    actions = ["resend"]

    @admin.display(description=_("手机号"))
    def masked_to(self, obj: SmsMessage) -> str:
        return obj.masked_to

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SmsMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SmsMessage | None = None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return can_read_outbox(request.user)  # type: ignore[arg-type]

    @admin.action(description=_("重新发送"), permissions=["resend"])
    def resend(self, request: HttpRequest, queryset: QuerySet[SmsMessage]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = sms_requeue(message_ids=ids)
        skipped = len(ids) - count
        self.message_user(
            request,
            ngettext("已重新排队发送 %(count)d 条短信。", "已重新排队发送 %(count)d 条短信。", count)
            % {"count": count},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                _("%(count)d 条不是发送失败状态，未重新发送。") % {"count": skipped},
                messages.WARNING,
            )


@admin.register(SmsProviderTemplate)
class SmsProviderTemplateAdmin(WarnsOfUnmappedTemplates):
    """The whole mapping at a glance, for the platform's template list beside it."""

    list_display = ["template", "provider", "provider_code", "params", "updated_at"]
    list_filter = ["provider"]
    search_fields = ["template__code", "template__name", "provider_code"]
    fields = ["template", "provider", "provider_code", "params"]


@admin.register(StaffNotice)
class StaffNoticeAdmin(admin.ModelAdmin[StaffNotice]):
    list_display = ["recipient", "kind", "case_number", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["case_number", "recipient__username"]
    list_select_related = ["recipient"]
    readonly_fields = ["recipient", "kind", "key", "case_number", "body", "created_at", "read_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
