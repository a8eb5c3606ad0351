"""Sheet 办理情形 of the catalog workbook: one row per situation of an item (实施编码 + 情形编码), with
the materials it adds, drops or makes optional as 材料编码 separated by “、”. Optional like 表单字段:
when the sheet is present each item named in the file gets exactly its rows; an older workbook without
it leaves the situations alone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yichuang.catalog.models import MaterialRequirement, ServiceItem
from yichuang.catalog.situations import MaterialEffect, Situation, SituationMaterial
from yichuang.common.excel import CODE, INT, REF, TEXT, Column, SheetRow, cell_value, full_clean_row

SITUATION_SHEET = "办理情形"

_CODES_HELP = "材料编码（本事项“材料”表中的），多个用顿号“、”分隔"

SITUATION_COLUMNS: tuple[Column, ...] = (
    Column("实施编码", "item", REF, required=True, width=28),
    Column("情形编码", "code", CODE, required=True, width=14, help="字母、数字、下划线，如 first"),
    Column("情形名称", "name", TEXT, required=True, width=16, help="如：首次申领"),
    Column("情形说明", "description", TEXT, width=36),
    Column(
        "本情形需要的材料", MaterialEffect.ADD, TEXT, width=24, help=_CODES_HELP + "；只在写明它的情形中需要"
    ),
    Column("本情形不需要的材料", MaterialEffect.DROP, TEXT, width=24, help=_CODES_HELP),
    Column("本情形可不提交的材料", MaterialEffect.OPTIONAL, TEXT, width=24, help=_CODES_HELP),
    Column("排序", "order", INT, width=8),
)

_EFFECTS = (MaterialEffect.ADD, MaterialEffect.DROP, MaterialEffect.OPTIONAL)
_HEADERS = {column.field: column.header for column in SITUATION_COLUMNS}


@dataclass
class PlannedSituation:
    row: int
    situation: Situation
    rules: dict[str, str] = field(default_factory=dict)


def validate_situations(
    rows: list[SheetRow],
    *,
    file_codes: set[str],
    db_items: dict[str, ServiceItem],
    file_materials: dict[str, list[tuple[int, MaterialRequirement]]],
    imported_codes: list[str],
) -> dict[str, list[PlannedSituation]]:
    """Item code → its situations as planned; errors on the rows (``row.errors``)."""
    planned: dict[str, list[PlannedSituation]] = {}
    first_row: dict[tuple[str, str], int] = {}
    db_codes: dict[str, set[str]] = {}
    for row in rows:
        values = dict(row.values)
        item_code = values.pop("item", None)
        code = values.get("code")
        if item_code and item_code not in file_codes and item_code not in db_items:
            row.errors.append(_("事项“%(item)s”既不在“事项”表中，也不在系统中") % {"item": item_code})
            continue
        if item_code and code:
            if (item_code, code) in first_row:
                row.errors.append(
                    _("事项“%(item)s”的情形编码“%(code)s”与第%(row)s行重复")
                    % {"item": item_code, "code": code, "row": first_row[(item_code, code)]}
                )
                continue
            first_row[(item_code, code)] = row.number
        if not item_code:
            continue
        # the item's materials after this import: the file's rows when it brings them, else the system's
        if item_code in imported_codes:
            known = {material.code for _row, material in file_materials.get(item_code, [])}
        else:
            if item_code not in db_codes:
                db_codes[item_code] = set(
                    MaterialRequirement.objects.filter(item=db_items[item_code]).values_list(
                        "code", flat=True
                    )
                )
            known = db_codes[item_code]
        rules: dict[str, str] = {}
        for effect in _EFFECTS:
            for material in (p.strip() for p in re.split(r"[、,，;；\s]+", values.pop(effect, None) or "")):
                if not material:
                    continue
                if material not in known:
                    row.errors.append(
                        _("“%(column)s”中的材料编码“%(code)s”不是该事项的材料")
                        % {"column": _HEADERS[effect], "code": material}
                    )
                elif material in rules:
                    row.errors.append(_("材料编码“%(code)s”在本行出现了不止一次") % {"code": material})
                else:
                    rules[material] = effect
        siblings = planned.setdefault(item_code, [])
        values.setdefault("order", len(siblings) + 1)
        values["description"] = values.get("description") or ""
        situation = Situation(**values)
        full_clean_row(situation, row, {"item", *row.failed}, _HEADERS)
        siblings.append(PlannedSituation(row.number, situation, rules))
    return planned


def store_situations(item: ServiceItem, planned: list[PlannedSituation]) -> int:
    """The item's situations become the sheet's rows for it (matched by 情形编码), each with exactly
    its rules; the rest are removed. Runs after the materials are stored."""
    existing = {row.code: row for row in Situation.objects.filter(item=item)}
    materials = {row.code: row for row in MaterialRequirement.objects.filter(item=item)}
    keep: set[int] = set()
    for entry in planned:
        current = existing.get(entry.situation.code)
        if current is None:
            entry.situation.item = item
            entry.situation.save()
            current = entry.situation
        else:
            for name in ("name", "description", "order"):
                setattr(current, name, getattr(entry.situation, name))
            current.save()
        keep.add(current.pk)
        SituationMaterial.objects.filter(situation=current).delete()
        SituationMaterial.objects.bulk_create(
            SituationMaterial(situation=current, material=materials[code], effect=effect)
            for code, effect in entry.rules.items()
            if code in materials
        )
    Situation.objects.filter(item=item).exclude(pk__in=keep).delete()
    return len(planned)


def situation_rows(items: QuerySet[ServiceItem]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    situations = (
        Situation.objects.filter(item__in=items.values("pk"))
        .select_related("item")
        .prefetch_related("rules__material")
        .order_by("item__code", "order", "id")
    )
    for situation in situations:
        by_effect: dict[str, list[str]] = {effect: [] for effect in _EFFECTS}
        for rule in sorted(situation.rules.all(), key=lambda r: (r.material.order, r.material.pk)):
            by_effect[rule.effect].append(rule.material.code)
        row: list[Any] = []
        for column in SITUATION_COLUMNS:
            if column.field == "item":
                row.append(situation.item.code)
            elif column.field in by_effect:
                row.append("、".join(by_effect[column.field]) or None)
            else:
                row.append(cell_value(getattr(situation, column.field), column))
        rows.append(row)
    return rows
