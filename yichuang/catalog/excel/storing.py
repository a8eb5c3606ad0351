"""Storing a checked plan in one transaction; a row the database still refuses is named (``StoreError``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from yichuang.catalog.excel.layout import (
    DELEGATION_SHEET,
    FORM_FIELD_COLUMNS,
    FORM_FIELD_SHEET,
    ITEM_SHEET,
    MATERIAL_COLUMNS,
    MATERIAL_SHEET,
    OFFER_SHEET,
)
from yichuang.catalog.excel.situations import SITUATION_SHEET, store_situations
from yichuang.catalog.excel.validation import ImportResult, Plan
from yichuang.catalog.models import Delegation, FormField, MaterialRequirement, PointItem, ServiceItem
from yichuang.catalog.services import item_publish, item_snapshot
from yichuang.common.excel import StoreError


def store(plan: Plan, *, actor: Any, result: ImportResult) -> None:
    saved: dict[str, ServiceItem] = {}
    for entry in plan.items:
        item = entry.item
        if entry.set_parent:
            item.parent = plan.db_items.get(entry.parent_code) if entry.parent_code else None
        with _row(ITEM_SHEET, entry.row):
            item.save()
        saved[item.code] = item
        if entry.is_new:
            result.created += 1
        else:
            result.updated += 1
    for entry in plan.items:
        # A parent that is new in this file exists only now.
        if entry.set_parent and entry.parent_code and entry.parent_code not in plan.db_items:
            entry.item.parent = saved[entry.parent_code]
            with _row(ITEM_SHEET, entry.row):
                entry.item.save(update_fields=["parent", "updated_at"])

    def item_for(code: str) -> ServiceItem:
        return saved.get(code) or plan.db_items[code]

    for code in plan.imported_codes:
        item = item_for(code)
        existing = {material.code: material for material in MaterialRequirement.objects.filter(item=item)}
        keep: set[int] = set()
        for row, material in plan.materials.get(code, []):
            current = existing.get(material.code)
            with _row(MATERIAL_SHEET, row):
                if current is None:
                    material.item = item
                    material.save()
                else:
                    for name in (*_MATERIAL_FIELDS, "license_type"):
                        setattr(current, name, getattr(material, name))
                    current.save()
                    keep.add(current.pk)
            result.materials += 1
        stale = [material.pk for material in existing.values() if material.pk not in keep]
        MaterialRequirement.objects.filter(pk__in=stale).delete()

    for row, item_code, delegation in plan.delegations:
        item = item_for(item_code)
        found = Delegation.objects.filter(
            item=item,
            from_department=delegation.from_department,
            to_point=delegation.to_point,
            to_region=delegation.to_region,
            instrument=delegation.instrument,
        ).first()
        with _row(DELEGATION_SHEET, row):
            if found is None:
                delegation.item = item
                delegation.save()
            else:
                for name in ("mode", "instrument_date", "valid_from", "valid_to"):
                    setattr(found, name, getattr(delegation, name))
                found.save()
        result.delegations += 1

    for row, item_code, offer in plan.offers:
        item = item_for(item_code)
        with _row(OFFER_SHEET, row):
            PointItem.objects.update_or_create(
                point=offer.point, item=item, defaults={"active": offer.active, "since": offer.since}
            )
        result.offers += 1

    if plan.form_fields is not None:
        for code in plan.imported_codes:
            _store_form_fields(item_for(code), plan.form_fields.get(code, []), result)

    versioned = list(plan.imported_codes)
    if plan.situations is not None:
        for code in dict.fromkeys([*plan.imported_codes, *plan.situations]):
            planned = plan.situations.get(code, [])
            with _row(SITUATION_SHEET, planned[0].row if planned else None):
                result.situations += store_situations(item_for(code), planned)
            if code not in versioned:
                versioned.append(code)

    rows = {entry.item.code: entry.row for entry in plan.items}
    publish = {entry.item.code for entry in plan.items if entry.publish}
    for code in versioned:
        item = item_for(code)
        with _row(ITEM_SHEET if code in rows else MATERIAL_SHEET, rows.get(code)):
            if code in publish:
                version = item_publish(item=item, actor=actor)
            else:
                version = item_snapshot(item=item, actor=actor)
        if version is not None:
            result.versions += 1


def _store_form_fields(item: ServiceItem, planned: list[tuple[int, FormField]], result: ImportResult) -> None:
    """The item's fields become the sheet's rows for it: matched by 字段标识, the rest removed."""
    existing = {form_field.key: form_field for form_field in FormField.objects.filter(item=item)}
    keep: set[int] = set()
    for row, form_field in planned:
        current = existing.get(form_field.key)
        with _row(FORM_FIELD_SHEET, row):
            if current is None:
                form_field.item = item
                form_field.save()
                current = form_field
            else:
                for name in _FORM_FIELD_FIELDS:
                    setattr(current, name, getattr(form_field, name))
                current.save()
        keep.add(current.pk)
        result.form_fields += 1
    FormField.objects.filter(item=item).exclude(pk__in=keep).delete()


@contextmanager
def _row(sheet: str, row: int | None) -> Iterator[None]:
    """Name the row when the database refuses what validation let through; the transaction then ends."""
    try:
        yield
    except ValidationError as exc:
        raise StoreError(sheet, row, "；".join(exc.messages)) from exc
    except DatabaseError as exc:
        raise StoreError(sheet, row, _("数据库拒绝保存（%(error)s）") % {"error": exc}) from exc


_MATERIAL_FIELDS = tuple(
    column.field for column in MATERIAL_COLUMNS if column.field not in {"item", "license_type"}
)
_FORM_FIELD_FIELDS = tuple(column.field for column in FORM_FIELD_COLUMNS if column.field != "item")
