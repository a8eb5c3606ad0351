"""好差评 in the admin: ratings to read, rectifications and appeals to follow."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yichuang.ratings.models import Appeal, Rating, Rectification


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin[Rating]):
    list_display = ["case", "channel", "score", "point", "created_at", "excluded"]
    list_filter = ["score", "channel", "excluded"]
    search_fields = ["case__number"]  # the comment is sealed (decision 106): not searchable
    list_select_related = ["case", "point"]
    readonly_fields = [
        "case",
        "channel",
        "score",
        "dimensions",
        "comment",
        "point",
        "staff",
        "created_at",
        "excluded",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Rectification)
class RectificationAdmin(admin.ModelAdmin[Rectification]):
    list_display = ["rating", "ticket", "owner", "status", "due_date", "callback_at", "closed_at"]
    list_filter = ["status", ("ticket", admin.EmptyFieldListFilter)]
    list_select_related = ["rating__case", "ticket", "owner"]
    raw_id_fields = ["owner"]
    readonly_fields = [
        "rating",
        "ticket",
        "owner_department",
        "owner_point",
        "status",
        "callback_at",
        "callback_by",
        "closed_at",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin[Appeal]):
    list_display = ["rating", "raised_by", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["rating__case", "raised_by"]
    readonly_fields = [
        "rating",
        "raised_by",
        "reason",
        "status",
        "decided_by",
        "decision_note",
        "decided_at",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
