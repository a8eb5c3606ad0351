from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yichuang.common.identity import mask_address
from yichuang.delivery.models import Waybill


@admin.register(Waybill)
class WaybillAdmin(admin.ModelAdmin[Waybill]):
    """Read only: waybills are made by the window's delivery; the list shows the address masked."""

    list_display = ["number", "carrier", "case", "masked_address", "tracked_at", "created_at"]
    list_filter = ["carrier", "created_online"]
    search_fields = ["number", "case__number"]
    readonly_fields = [f.name for f in Waybill._meta.fields]

    @admin.display(description=_("收件地址"))
    def masked_address(self, obj: Waybill) -> str:
        return mask_address(obj.address)

    def has_add_permission(self, request: object) -> bool:
        return False
