"""The admin as a county's administrator sees it (decision 144): only his county.

A ``CountyScopedAdmin`` limits its list, its change pages (an object outside is not found), the
choices of its foreign keys and the autocomplete answers to the user's scope (``limit_to_scope``,
decision 2). The platform's administrators (superusers, or an administrator bound to no region) see
everything, as before.
"""

from __future__ import annotations

from typing import Any

from django.db.models import ForeignKey, Model, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from yichuang.org.models import Department, Region, ServicePoint, Staff, Window
from yichuang.org.selectors import (
    is_platform_admin,
    limit_to_scope,
    points_in_scope,
    scope_of,
    staff_in_scope,
)


def regions_in_scope(user: Any) -> QuerySet[Region]:
    scope = scope_of(user)
    if scope.everything:
        return Region.objects.all()
    if scope.region is not None:
        return Region.objects.filter(code__startswith=scope.region.prefix)
    return Region.objects.none()


def in_scope(model: type[Model], user: Any) -> QuerySet[Any] | None:
    """The rows of one of the organization's models a user may choose; ``None`` for other models."""
    if model is Region:
        return regions_in_scope(user)
    if model is ServicePoint:
        return points_in_scope(user)
    if model is Department:
        return limit_to_scope(Department.objects.all(), user, region_field="region", point_field=None)
    if model is Window:
        return limit_to_scope(Window.objects.all(), user, region_field="point__region", point_field="point")
    if model is Staff:
        return staff_in_scope(user)
    from yichuang.catalog.models import ServiceItem

    if model is ServiceItem:
        return limit_to_scope(
            ServiceItem.objects.all(), user, region_field="department__region", point_field=None
        )
    return None


class CountyScopedAdmin:
    """Mixed into a ``ModelAdmin`` before it. ``scope_region_field`` is the path from the model to its
    Region, ``scope_point_field`` to its ServicePoint (as ``limit_to_scope`` takes them)."""

    scope_region_field: str | None = "region"
    scope_point_field: str | None = None

    def scope_queryset(self, queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
        return limit_to_scope(
            queryset, user, region_field=self.scope_region_field, point_field=self.scope_point_field
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        if is_platform_admin(request.user):
            return queryset
        return self.scope_queryset(queryset, request.user)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if not is_platform_admin(request.user) and "queryset" not in kwargs:
            choices = in_scope(db_field.related_model, request.user)  # type: ignore[arg-type]
            if choices is not None:
                kwargs["queryset"] = choices
        field: ModelChoiceField[Any] | None = super().formfield_for_foreignkey(  # type: ignore[misc]
            db_field, request, **kwargs
        )
        return field
