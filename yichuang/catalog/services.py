"""Writes to the catalog. Publishing and editing a published item goes through ``item_snapshot``."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from yichuang.catalog.models import FormField, ItemStatus, ItemVersion, MaterialRequirement, ServiceItem
from yichuang.catalog.situations import situations_data

SNAPSHOT_FIELDS = [
    "code",
    "base_code",
    "name",
    "aliases",
    "keywords",
    "type",
    "legal_basis",
    "exercise_level",
    "audience",
    "conditions",
    "statutory_days",
    "promised_days",
    "supplement_days",
    "visits_required",
    "online_depth",
    "fee_charged",
    "fee_standard",
    "fee_basis",
    "result_type",
    "result_name",
    "process",
    "consult_phone",
    "complaint_phone",
]
MATERIAL_FIELDS = [
    "code",
    "name",
    "form",
    "copies",
    "required",
    "tolerable",
    "commitment_allowed",
    "source",
    "source_note",
    "notes",
]


def item_snapshot_data(item: ServiceItem) -> dict[str, Any]:
    """Everything a case must remember about the item it was accepted under."""
    data: dict[str, Any] = {field: getattr(item, field) for field in SNAPSHOT_FIELDS}
    data["kind"] = item.kind
    data["department"] = {"code": item.department.code, "name": item.department.name}
    data["result_license_type"] = item.result_license_type.code if item.result_license_type else None
    data["parent"] = item.parent.code if item.parent else None
    materials = []
    for material in (
        MaterialRequirement.objects.filter(item=item).select_related("license_type").order_by("order", "id")
    ):
        entry: dict[str, Any] = {field: getattr(material, field) for field in MATERIAL_FIELDS}
        entry["license_type"] = material.license_type.code if material.license_type else None
        materials.append(entry)
    data["materials"] = materials
    form_fields = [
        form_field_data(form_field)
        for form_field in FormField.objects.filter(item=item).order_by("order", "id")
    ]
    if form_fields:  # items without a form keep the snapshot they had (no new version for nothing)
        data["form_fields"] = form_fields
    situations = situations_data(item.pk)
    if situations:  # likewise: 办理情形 only when the item has some
        data["situations"] = situations
    return data


def form_field_data(form_field: FormField) -> dict[str, Any]:
    """A form field as JSON (a version's snapshot, the definition a case keeps beside its values)."""
    return {
        "key": form_field.key,
        "label": form_field.label,
        "label_en": form_field.label_en,
        "kind": form_field.kind,
        "required": form_field.required,
        "choices": list(form_field.choices or []),
        "help_text": form_field.help_text,
        "max_length": form_field.max_length,
        "min": None if form_field.min is None else str(form_field.min),
        "max": None if form_field.max is None else str(form_field.max),
    }


@transaction.atomic
def item_snapshot(*, item: ServiceItem, actor: Any = None) -> ItemVersion | None:
    """Write a new version of a published item when its content differs from the last version.

    Returns the new version, or None when nothing changed or the item is not published. Drafts are
    not versioned: only what citizens could apply under needs to be kept.
    """
    item = (
        ServiceItem.objects.select_for_update(of=("self",))
        .select_related("department", "result_license_type", "parent")
        .get(pk=item.pk)
    )
    if item.status != ItemStatus.PUBLISHED:
        return None
    data = item_snapshot_data(item)
    latest = ItemVersion.objects.filter(item=item).order_by("-number").first()
    if latest is not None and latest.snapshot == data:
        return None
    number = (latest.number if latest else 0) + 1
    version = ItemVersion.objects.create(
        item=item, number=number, snapshot=data, created_by=getattr(actor, "username", "") or ""
    )
    ServiceItem.objects.filter(pk=item.pk).update(version=number)
    return version


@transaction.atomic
def item_publish(*, item: ServiceItem, actor: Any = None) -> ItemVersion | None:
    """Publish an item (validating it first) and write its first or next version."""
    item.full_clean()
    if item.status != ItemStatus.PUBLISHED:
        item.status = ItemStatus.PUBLISHED
        item.save(update_fields=["status", "updated_at"])
    return item_snapshot(item=item, actor=actor)


def item_current_version(*, item: ServiceItem) -> ItemVersion | None:
    return ItemVersion.objects.filter(item=item).order_by("-number").first()
