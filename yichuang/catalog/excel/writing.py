"""Writing the catalog into the workbook (``export_catalog``) and the sheet that explains its columns."""

from __future__ import annotations

import io
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import translation
from openpyxl import Workbook

from yichuang.catalog.excel.layout import (
    DELEGATION_COLUMNS,
    DELEGATION_SHEET,
    FORM_FIELD_COLUMNS,
    FORM_FIELD_SHEET,
    GUIDE_SHEET,
    ITEM_COLUMNS,
    ITEM_SHEET,
    MATERIAL_COLUMNS,
    MATERIAL_SHEET,
    OFFER_COLUMNS,
    OFFER_SHEET,
)
from yichuang.catalog.excel.situations import SITUATION_COLUMNS, SITUATION_SHEET, situation_rows
from yichuang.catalog.models import (
    Delegation,
    FormField,
    MaterialRequirement,
    PointItem,
    ServiceItem,
)
from yichuang.common.excel import (
    Column,
    cell_value,
    column_hint,
    write_sheet,
)


def export_catalog(items: QuerySet[ServiceItem] | None = None) -> bytes:
    """The catalog (or the given items) as an .xlsx workbook that ``import_catalog`` reads back."""
    queryset = ServiceItem.objects.all() if items is None else items
    queryset = (
        queryset.select_related("department", "result_license_type", "parent")
        .prefetch_related(
            Prefetch(
                "materials",
                queryset=MaterialRequirement.objects.select_related("license_type").order_by("order", "id"),
            ),
            Prefetch("form_fields", queryset=FormField.objects.order_by("order", "id")),
        )
        .order_by("code")
    )
    delegations = (
        Delegation.objects.filter(item__in=queryset.values("pk"))
        .select_related("item", "from_department", "to_point", "to_region")
        .order_by("item__code", "valid_from", "id")
    )
    offers = (
        PointItem.objects.filter(item__in=queryset.values("pk"))
        .select_related("point", "item")
        .order_by("item__code", "point__code")
    )
    with translation.override("zh-hans"):
        workbook = Workbook()
        item_sheet = workbook.active
        item_sheet.title = ITEM_SHEET
        material_sheet = workbook.create_sheet(MATERIAL_SHEET)
        delegation_sheet = workbook.create_sheet(DELEGATION_SHEET)
        item_rows: list[list[Any]] = []
        material_rows: list[list[Any]] = []
        form_rows: list[list[Any]] = []
        for item in queryset:
            item_rows.append([_item_value(item, column) for column in ITEM_COLUMNS])
            for material in item.materials.all():
                material_rows.append([_material_value(item, material, column) for column in MATERIAL_COLUMNS])
            for form_field in item.form_fields.all():
                form_rows.append(
                    [_form_field_value(item, form_field, column) for column in FORM_FIELD_COLUMNS]
                )
        delegation_rows = [
            [_delegation_value(delegation, column) for column in DELEGATION_COLUMNS]
            for delegation in delegations
        ]
        write_sheet(item_sheet, ITEM_COLUMNS, item_rows)
        write_sheet(material_sheet, MATERIAL_COLUMNS, material_rows)
        write_sheet(delegation_sheet, DELEGATION_COLUMNS, delegation_rows)
        offer_rows = [[_offer_value(offer, column) for column in OFFER_COLUMNS] for offer in offers]
        write_sheet(workbook.create_sheet(OFFER_SHEET), OFFER_COLUMNS, offer_rows)
        write_sheet(workbook.create_sheet(FORM_FIELD_SHEET), FORM_FIELD_COLUMNS, form_rows)
        write_sheet(workbook.create_sheet(SITUATION_SHEET), SITUATION_COLUMNS, situation_rows(queryset))
        _write_guide(workbook.create_sheet(GUIDE_SHEET))
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


def _item_value(item: ServiceItem, column: Column) -> Any:
    if column.field == "department":
        return item.department.code
    if column.field == "result_license_type":
        return item.result_license_type.code if item.result_license_type else None
    if column.field == "parent":
        return item.parent.code if item.parent else None
    return cell_value(getattr(item, column.field), column)


def _material_value(item: ServiceItem, material: MaterialRequirement, column: Column) -> Any:
    if column.field == "item":
        return item.code
    if column.field == "license_type":
        return material.license_type.code if material.license_type else None
    return cell_value(getattr(material, column.field), column)


def _delegation_value(delegation: Delegation, column: Column) -> Any:
    if column.field == "item":
        return delegation.item.code
    if column.field == "from_department":
        return delegation.from_department.code
    if column.field == "to_point":
        return delegation.to_point.code if delegation.to_point else None
    if column.field == "to_region":
        return delegation.to_region.code if delegation.to_region else None
    return cell_value(getattr(delegation, column.field), column)


def _offer_value(offer: PointItem, column: Column) -> Any:
    if column.field == "point":
        return offer.point.code
    if column.field == "item":
        return offer.item.code
    return cell_value(getattr(offer, column.field), column)


def _form_field_value(item: ServiceItem, form_field: FormField, column: Column) -> Any:
    if column.field == "item":
        return item.code
    if column.field == "choices":
        return "、".join(str(choice) for choice in form_field.choices or []) or None
    if column.field in ("min", "max"):
        bound = getattr(form_field, column.field)
        # Text, so 0 is not written as a blank cell and 0.50 reads 0.5.
        return None if bound is None else (format(bound.normalize(), "f") if bound else "0")
    return cell_value(getattr(form_field, column.field), column)


def _write_guide(sheet: Any) -> None:
    rows: list[tuple[str, str, str, str]] = []
    for sheet_name, columns in (
        (ITEM_SHEET, ITEM_COLUMNS),
        (MATERIAL_SHEET, MATERIAL_COLUMNS),
        (DELEGATION_SHEET, DELEGATION_COLUMNS),
        (OFFER_SHEET, OFFER_COLUMNS),
        (FORM_FIELD_SHEET, FORM_FIELD_COLUMNS),
        (SITUATION_SHEET, SITUATION_COLUMNS),
    ):
        for column in columns:
            rows.append((sheet_name, column.header, "是" if column.required else "", column_hint(column)))
    guide_columns = (
        Column("工作表", "sheet", width=10),
        Column("列", "column", width=18),
        Column("必填", "required", width=8),
        Column("填写要求", "hint", width=80),
    )
    write_sheet(sheet, guide_columns, rows)


# ---------------------------------------------------------------------------------------------- import
