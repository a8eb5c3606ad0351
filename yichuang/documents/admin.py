"""The seal registry (印章登记) and the documents it signed, in the Chinese admin.

A seal gets its SM2 key pair when it is created here; the private key is never shown. Revoking
(停用) is an action with a date: documents signed from then on do not verify.
"""

from __future__ import annotations

import base64
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from yichuang.documents.models import Document, Seal
from yichuang.documents.services import document_resign, seal_give_keys, seal_revoke
from yichuang.documents.stamp import seal_png


@admin.register(Seal)
class SealAdmin(admin.ModelAdmin[Seal]):
    list_display = [
        "code",
        "name",
        "kind",
        "number_text",
        "department",
        "point",
        "valid_from",
        "revoked_at",
        "in_force",
    ]
    list_filter = ["kind", "revoked_at"]
    list_select_related = ["department", "point"]
    search_fields = ["code", "name", "holder_name", "number"]
    raw_id_fields = ["department", "issuer", "point"]
    autocomplete_fields = ["items"]
    readonly_fields = ["fingerprint", "public_key", "image", "created_at"]
    fields = [
        "code",
        "kind",
        "name",
        "holder_name",
        "caption",
        "number",
        "department",
        "issuer",
        "point",
        "items",
        "valid_from",
        "revoked_at",
        "revoke_reason",
        "image",
        "fingerprint",
        "public_key",
        "created_at",
    ]
    actions = ["revoke_now"]

    @admin.display(description=_("印章编号"), ordering="number")
    def number_text(self, seal: Seal) -> str:
        return seal.number_text

    @admin.display(boolean=True, description=_("在用"))
    def in_force(self, seal: Seal) -> bool:
        return seal.valid_at(timezone.now())

    @admin.display(description=_("印章图样"))
    def image(self, seal: Seal) -> str:
        if not seal.holder_name:
            return "—"
        data = base64.b64encode(seal_png(seal.holder_name, seal.caption, seal.number)).decode()
        return format_html('<img src="data:image/png;base64,{}" width="160" height="160" alt="">', data)

    def save_model(self, request: HttpRequest, obj: Seal, form: Any, change: bool) -> None:
        seal_give_keys(obj)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("立即停用所选印章"))
    def revoke_now(self, request: HttpRequest, queryset: QuerySet[Seal]) -> None:
        count = 0
        for seal in queryset.filter(revoked_at__isnull=True):
            seal_revoke(seal=seal, reason=str(_("管理员停用")))
            count += 1
        self.message_user(
            request,
            ngettext("已停用 %(n)d 枚印章。", "已停用 %(n)d 枚印章。", count) % {"n": count},
            messages.SUCCESS,
        )


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin[Document]):
    list_display = [
        "title",
        "case",
        "handover",
        "kind",
        "seal",
        "status",
        "verify_link",
        "issued_at",
        "signed_at",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["case", "handover", "seal"]
    search_fields = ["=verify_code", "=case__number", "=handover__number"]
    date_hierarchy = "issued_at"
    fields = (
        "title",
        "kind",
        "case",
        "handover",
        "seal",
        "status",
        "verify_link",
        "issued_at",
        "issued_by",
        "signed_at",
        "size",
        "sm3",
        "signature",
    )
    readonly_fields = fields
    actions = ["sign_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False

    @admin.display(description=_("验证码"))
    def verify_link(self, document: Document) -> str:
        url = reverse("verify", kwargs={"code": document.verify_code})
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, document.verify_code)

    @admin.action(description=_("为未盖章的文书重新签章"))
    def sign_again(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        count = 0
        for document in queryset:
            try:
                document_resign(document=document)
            except ValidationError:
                continue
            count += 1
        self.message_user(
            request,
            ngettext("已安排 %(n)d 份文书重新签章。", "已安排 %(n)d 份文书重新签章。", count) % {"n": count},
            messages.SUCCESS,
        )
