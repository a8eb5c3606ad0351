"""Assessment weights in the admin; the rollups are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yichuang.stats.models import AssessmentIndicator, MonthlyFigure


@admin.register(AssessmentIndicator)
class AssessmentIndicatorAdmin(admin.ModelAdmin[AssessmentIndicator]):
    list_display = ["indicator", "weight", "active"]
    list_editable = ["weight", "active"]


@admin.register(MonthlyFigure)
class MonthlyFigureAdmin(admin.ModelAdmin[MonthlyFigure]):
    list_display = ["month", "point", "staff", "kind", "accepted", "completed", "on_time"]
    list_filter = ["month", "kind"]
    list_select_related = ["point", "staff"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
