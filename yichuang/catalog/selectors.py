"""Reads of the catalog: items for a point, delegations in force, the handling unit, bundles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from yichuang.catalog.models import (
    Bundle,
    Delegation,
    DelegationMode,
    ExerciseLevel,
    FormField,
    ItemStatus,
    MaterialRequirement,
    PointItem,
    ServiceItem,
)
from yichuang.org.models import Department, DepartmentKind, Region, RegionLevel, ServicePoint


def items_published() -> QuerySet[ServiceItem]:
    """Published items with what a list shows, in two queries whatever the number of items."""
    return (
        ServiceItem.objects.filter(status=ItemStatus.PUBLISHED)
        .select_related("department")
        .prefetch_related(
            Prefetch(
                "materials",
                queryset=MaterialRequirement.objects.select_related("license_type").order_by("order", "id"),
            )
        )
    )


def items_offered_at(point: ServicePoint) -> QuerySet[ServiceItem]:
    return items_published().filter(offers__point=point, offers__active=True)


def points_offering(item: ServiceItem) -> QuerySet[ServicePoint]:
    return (
        ServicePoint.objects.filter(offers__item=item, offers__active=True, active=True)
        .select_related("region")
        .order_by("code")
    )


def point_offers(point: ServicePoint, item: ServiceItem) -> bool:
    return PointItem.objects.filter(point=point, item=item, active=True).exists()


def _today() -> dt.date:
    return timezone.localdate()


def delegations_in_force(*, on: dt.date | None = None) -> QuerySet[Delegation]:
    """Delegations valid on ``on`` (today by default): valid_from ≤ on ≤ valid_to (or open-ended)."""
    day = on or _today()
    return Delegation.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def town_of(region: Region) -> Region | None:
    """The town (乡镇/街道) a region lies in, or None for regions above town level."""
    if region.level == RegionLevel.TOWN:
        return region
    if region.level == RegionLevel.VILLAGE:
        return region.parent
    return None


def delegation_for(*, item: ServiceItem, point: ServicePoint, on: dt.date | None = None) -> Delegation | None:
    """The delegation in force that covers ``item`` at ``point``: one made to the point itself wins,
    then the one made to the smallest region containing the point."""
    candidates = list(
        delegations_in_force(on=on)
        .filter(item=item)
        .filter(Q(to_point=point) | Q(to_region__isnull=False))
        .select_related("to_region", "from_department")
    )
    best: Delegation | None = None
    best_rank = -1
    for delegation in candidates:
        if delegation.to_point_id == point.pk:
            rank = 100
        elif delegation.to_region is not None and delegation.to_region.contains(point.region):
            rank = len(delegation.to_region.prefix)
        else:
            continue
        if rank > best_rank:
            best, best_rank = delegation, rank
    return best


def town_approval_center(town: Region) -> Department | None:
    return Department.objects.filter(kind=DepartmentKind.TOWN_APPROVAL_CENTER, region=town).first()


@dataclass(frozen=True)
class HandlingUnit:
    """Who decides a case, and under what power."""

    department: Department
    mode: str  # "own" | granted | entrusted | front_desk_only | "county"
    delegation: Delegation | None = None


def handling_unit_for(
    *, item: ServiceItem, point: ServicePoint, town: Region | None = None, on: dt.date | None = None
) -> HandlingUnit:
    """``_handling_unit`` for the item, point, town and day, kept in memory until the catalog, a
    delegation or a unit changes (``common.memo``): every case asks, the answer changes rarely."""
    from yichuang.common.memo import memoized

    day = on or _today()
    return memoized(
        "reference",
        "handling_unit",
        (item.pk, point.pk, town.pk if town is not None else None, day),
        lambda: _handling_unit(item=item, point=point, town=town, on=day),
    )


def _handling_unit(
    *, item: ServiceItem, point: ServicePoint, town: Region | None = None, on: dt.date | None = None
) -> HandlingUnit:
    """The delegation rules (domain.md, seeds 000 and 003).

    - A power granted (直接赋权) or entrusted (委托下放) to the town is exercised by the town's approval
      service center ("一枚印章管审批");
    - 服务前移 (front desk only): the town accepts, the county department decides;
    - the town's own statutory items (乡级) are decided by the town's approval service center;
    - everything else stays with the item's department.

    ``town`` is the town whose power applies (跨乡镇通办: the applicant's town); it defaults to the
    town the accepting point lies in.
    """
    town = town or town_of(point.region)
    delegation = delegation_for(item=item, point=point, on=on)
    if delegation is None and town is not None and town != town_of(point.region):
        delegation = (
            delegations_in_force(on=on)
            .filter(item=item, to_region__isnull=False)
            .select_related("to_region", "from_department")
            .filter(to_region__code__in=[town.code, town.parent.code if town.parent else ""])
            .first()
        )
    if delegation is not None:
        if delegation.mode == DelegationMode.FRONT_DESK_ONLY:
            return HandlingUnit(delegation.from_department, delegation.mode, delegation)
        center = town_approval_center(town) if town else None
        if center is not None:
            return HandlingUnit(center, delegation.mode, delegation)
        return HandlingUnit(delegation.from_department, delegation.mode, delegation)
    if item.exercise_level in (ExerciseLevel.TOWN, ExerciseLevel.VILLAGE) and town is not None:
        center = town_approval_center(town)
        if center is not None:
            return HandlingUnit(center, "own")
    return HandlingUnit(item.department, "county")


@dataclass
class MergedMaterial:
    code: str
    name: str
    required: bool
    tolerable: bool
    commitment_allowed: bool
    reusable_license_type: str | None
    items: list[str] = field(default_factory=list)


def bundle_materials(bundle: Bundle) -> list[MergedMaterial]:
    """One list for the whole 一件事: a material several items ask for appears once.

    Merging is conservative: the merged material is required if any item requires it, and may be
    tolerated (容缺) or replaced by a commitment (告知承诺) only if every item requiring it allows so.

    A licence an earlier item of the bundle issues (开办小餐饮: 个体工商户登记 issues the 营业执照
    that 小餐饮登记 then asks for) is not asked of the applicant: the bundle produces it itself
    (``MaterialState.PRODUCED`` on the later case).
    """
    merged: dict[str, MergedMaterial] = {}
    requiring: dict[str, list[MaterialRequirement]] = {}
    produced: set[int] = set()  # licence types issued by the items before this one
    for entry in bundle.entries.all():
        for material in entry.item.materials.all():
            if material.license_type_id is not None and material.license_type_id in produced:
                continue
            current = merged.get(material.code)
            if current is None:
                current = merged[material.code] = MergedMaterial(
                    code=material.code,
                    name=material.name,
                    required=False,
                    tolerable=True,
                    commitment_allowed=True,
                    reusable_license_type=material.license_type.code if material.license_type else None,
                )
            if entry.item.code not in current.items:
                current.items.append(entry.item.code)
            if material.required:
                current.required = True
                requiring.setdefault(material.code, []).append(material)
            if current.reusable_license_type is None and material.license_type:
                current.reusable_license_type = material.license_type.code
        if entry.item.result_license_type_id is not None:
            produced.add(entry.item.result_license_type_id)
    for code, entry_material in merged.items():
        needs = requiring.get(code, [])
        entry_material.tolerable = bool(needs) and all(m.tolerable for m in needs)
        entry_material.commitment_allowed = bool(needs) and all(m.commitment_allowed for m in needs)
    return list(merged.values())


def bundles_active() -> QuerySet[Bundle]:
    return (
        Bundle.objects.filter(active=True)
        .prefetch_related(
            Prefetch(
                "entries__item__materials",
                queryset=MaterialRequirement.objects.select_related("license_type").order_by("order", "id"),
            ),
            "entries__item__department",
        )
        .order_by("code")
    )


def form_fields_for(item: ServiceItem) -> list[FormField]:
    """The item's application-form fields in their order, kept in memory until the catalog changes
    (``common.memo``): every online step and every case creation asks, staff rarely edit them.
    The rows are shared between requests: read them, never change them."""
    from yichuang.common.memo import memoized

    return memoized(
        "reference",
        "form_fields",
        item.pk,
        lambda: list(FormField.objects.filter(item_id=item.pk).order_by("order", "id")),
    )


def bundle_form_fields(bundle: Bundle) -> list[FormField]:
    """One form for the whole 一件事, like its materials: a field several items define (same 字段标识)
    appears once, as the first item defines it, required if any item requires it."""
    import copy

    merged: dict[str, FormField] = {}
    for entry in bundle.entries.all():
        for form_field in form_fields_for(entry.item):
            known = merged.get(form_field.key)
            if known is None:
                # A copy: the memo's rows are shared between requests and must not change.
                merged[form_field.key] = copy.copy(form_field)
            elif form_field.required and not known.required:
                known.required = True
    return list(merged.values())
