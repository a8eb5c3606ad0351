"""The licence register in the admin: look up and revoke; licences are issued by approving cases."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yichuang.common.identity import mask_resident_id, mask_uscc
from yichuang.licenses.models import License
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
    ]
    fields = tuple(readonly_fields)
    actions = ["revoke"]

    @admin.display(description=_("持证人证件号码"))
    def masked_id(self, obj: License) -> str:
        masked = mask_resident_id if obj.holder_kind == "person" else mask_uscc
        return masked(obj.holder_id_number)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("注销所选证照"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[License]) -> None:
        for row in queryset:
            license_revoke(license=row, actor=request.user, reason=str(_("管理员注销")))  # type: ignore[arg-type]
        self.message_user(request, _("已注销 %(n)d 个证照。") % {"n": queryset.count()}, messages.SUCCESS)
