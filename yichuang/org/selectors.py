"""Reads that know who is asking. ``limit_to_scope`` is the one place that says what a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from yichuang.org.models import Region, Role, ServicePoint, Staff

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    """What a user may see: everything, a region subtree, or one service point, or nothing."""

    everything: bool = False
    region: Region | None = None
    point: ServicePoint | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and self.region is None and self.point is None

    def covers(self, *, region: Region, point_id: int | None) -> bool:
        """Whether one object (with its region and point) is in this scope: the same rule as
        ``limit_to_scope`` applies to a queryset."""
        if self.everything:
            return True
        if self.region is not None:
            return region.code.startswith(self.region.prefix)
        return self.point is not None and point_id == self.point.pk

    def describe(self) -> str:
        if self.everything:
            return _("全部")
        if self.region is not None:
            return self.region.name
        if self.point is not None:
            return self.point.name
        return _("无")


def is_platform_admin(user: Any) -> bool:
    """The platform's administrator: a superuser, or an administrator bound to no region or point.
    An administrator with a region is that county's (decision 144): he manages it and nothing else."""
    return (
        isinstance(user, Staff)
        and user.is_authenticated
        and (
            user.is_superuser
            or (user.role == Role.ADMIN and user.region_id is None and user.point_id is None)
        )
    )


def is_admin_of(user: Any, *, region: Region, point_id: int | None = None) -> bool:
    """Whether ``user`` administers the place of an object: the platform's administrator everywhere,
    a county's administrator inside his county."""
    if is_platform_admin(user):
        return True
    return (
        isinstance(user, Staff)
        and user.role == Role.ADMIN
        and scope_of(user).covers(region=region, point_id=point_id)
    )


def scope_of(user: Any) -> Scope:
    """The scope of a user: the platform's administrators see everything; others (a county's
    administrator among them) their region subtree, or else their point."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope()
    if not isinstance(user, Staff):
        return Scope()
    if is_platform_admin(user):
        return Scope(everything=True)
    if user.region_id is not None:
        return Scope(region=user.region)
    if user.point_id is not None:
        return Scope(point=user.point)
    return Scope()


def limit_to_scope(
    queryset: QuerySet[M],
    user: Any,
    *,
    region_field: str | None = "region",
    point_field: str | None = "point",
) -> QuerySet[M]:
    """Limit any queryset to what ``user`` may see.

    ``region_field`` is the path to the object's Region (``"region"``, ``"point__region"``),
    ``point_field`` the path to its ServicePoint (``"pk"`` for points themselves). An object is in a
    region scope when its region lies in the user's region subtree; in a point scope when it
    belongs to that point. A scope that cannot be applied to the model yields nothing, never all.
    """
    scope = scope_of(user)
    if scope.everything:
        return queryset
    if scope.region is not None and region_field:
        return queryset.filter(**{f"{region_field}__code__startswith": scope.region.prefix})
    if scope.point is not None and point_field:
        return queryset.filter(**{point_field: scope.point.pk})
    return queryset.none()


def region_subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(code__startswith=region.prefix)


def points_in_scope(user: Any) -> QuerySet[ServicePoint]:
    return limit_to_scope(ServicePoint.objects.select_related("region"), user, point_field="pk")


def staff_in_scope(user: Any) -> QuerySet[Staff]:
    """Staff a user may see. Staff scoped by region are in it when their scope region is inside."""
    qs = Staff.objects.select_related("point", "region")
    scope = scope_of(user)
    if scope.everything:
        return qs
    if scope.region is not None:
        prefix = scope.region.prefix
        return qs.filter(
            Q(region__code__startswith=prefix)
            | Q(region__isnull=True, point__region__code__startswith=prefix)
        )
    if scope.point is not None:
        return qs.filter(point=scope.point)
    return qs.none()
