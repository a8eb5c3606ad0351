"""办理情形 in the admin: listed on the item (its situations, each with a link to its own page), and a
page per situation whose rules pick the item's own materials (本情形需要 / 不需要 / 可不提交). Saving
either writes the item's next version (``item_snapshot``), so new applications follow at once and
accepted cases keep theirs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey
from django.forms import ModelChoiceField, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yichuang.catalog.models import MaterialRequirement, ServiceItem
from yichuang.catalog.services import item_snapshot
from yichuang.catalog.situations import Situation, SituationMaterial


class SituationInline(admin.TabularInline[Situation, ServiceItem]):
    model = Situation
    extra = 0
    fields = ["order", "code", "name", "description"]
    show_change_link = True
    verbose_name_plural = _("办理情形（保存后点“修改”设定每种情形的材料）")


class SituationMaterialInline(admin.TabularInline[SituationMaterial, Situation]):
    model = SituationMaterial
    extra = 1
    fields = ["material", "effect"]

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "material":
            item_id = getattr(request, "_situation_item_id", None)
            kwargs["queryset"] = MaterialRequirement.objects.filter(item_id=item_id).order_by("order", "id")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Situation)
class SituationAdmin(admin.ModelAdmin[Situation]):
    list_display = ["item", "code", "name", "order"]
    search_fields = ["item__code", "item__name", "code", "name"]
    list_select_related = ["item"]
    autocomplete_fields = ["item"]
    inlines = [SituationMaterialInline]
    fields = ["item", "code", "name", "description", "order"]

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Situation | None:
        found = super().get_object(request, object_id, from_field)
        # the rules may name only this item's materials
        request._situation_item_id = found.item_id if found else None  # type: ignore[attr-defined]
        return found

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        version = item_snapshot(item=form.instance.item, actor=request.user)
        if version is not None:
            self.message_user(
                request, _("已生成新版本 v%(n)d；已受理的办件仍按原版本办理。") % {"n": version.number}
            )
