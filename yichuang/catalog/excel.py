"""Import and export the service-item catalog as an Excel workbook (.xlsx).

Staff keep their item lists in spreadsheets, so the workbook is the same on the way out and on the
way in: sheet "事项" (one row per item), sheet "材料" (one row per material, keyed by the item's
实施编码) and sheet "下放" (one row per delegation). Enumerations are written with their Chinese labels
and read back from either the label or the code value; booleans are 是/否.

An import is all or nothing: every row of every sheet is checked first and every problem is reported
with the sheet name and the row number as Excel shows it (header = row 1). Only a file without a single
bad row is stored, in one transaction. Afterwards each imported item goes through ``item_snapshot`` (or
``item_publish`` when its status is 已发布) so a published item that changed gets a new version, while
the cases already accepted keep the version they were accepted under.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from yichuang.catalog.models import (
    Audience,
    Delegation,
    DelegationMode,
    ExerciseLevel,
    ItemStatus,
    ItemType,
    LicenseType,
    MaterialForm,
    MaterialRequirement,
    MaterialSource,
    ResultType,
    ServiceItem,
)
from yichuang.catalog.services import item_publish, item_snapshot
from yichuang.common.excel import (
    BOOL,
    CODE,
    DATE,
    ENUM,
    INT,
    KEEP,
    REF,
    TEXT,
    Column,
    FileSource,
    RowError,
    SheetRow,
    StoreError,
    WorkbookError,
    cell_value,
    column_hint,
    full_clean_row,
    opened_workbook,
    read_sheet,
    unique,
    write_sheet,
)
from yichuang.org.models import Department, Region, ServicePoint

logger = logging.getLogger(__name__)

ITEM_SHEET = "事项"
MATERIAL_SHEET = "材料"
DELEGATION_SHEET = "下放"
GUIDE_SHEET = "填写说明"

ITEM_COLUMNS: tuple[Column, ...] = (
    Column("实施编码", "code", CODE, required=True, width=28),
    Column("基本编码", "base_code", CODE, required=True, width=24),
    Column("事项名称", "name", TEXT, required=True, width=32),
    Column("别名", "aliases", TEXT, width=20),
    Column("关键词", "keywords", TEXT, width=20),
    Column("事项类型", "type", ENUM, required=True, choices=ItemType, width=14),
    Column("设定依据", "legal_basis", TEXT, width=40),
    Column("行使层级", "exercise_level", ENUM, required=True, choices=ExerciseLevel, width=10),
    Column("实施主体编码", "department", REF, required=True, width=18),
    Column("服务对象", "audience", ENUM, choices=Audience, default=Audience.PERSON, width=14),
    Column("受理条件", "conditions", TEXT, width=40),
    Column("法定时限", "statutory_days", INT, required=True, width=10),
    Column("承诺时限", "promised_days", INT, required=True, width=10),
    Column("容缺补正期限", "supplement_days", INT, default=5, width=12),
    Column("到现场次数", "visits_required", INT, default=1, width=11),
    Column("网办深度", "online_depth", INT, default=3, width=10),
    Column("是否收费", "fee_charged", BOOL, default=False, width=10),
    Column("收费标准", "fee_standard", TEXT, width=20),
    Column("收费依据", "fee_basis", TEXT, width=24),
    Column("结果类型", "result_type", ENUM, choices=ResultType, default=ResultType.OTHER, width=12),
    Column("结果名称", "result_name", TEXT, width=20),
    Column("结果证照类型编码", "result_license_type", REF, width=18),
    Column("咨询电话", "consult_phone", CODE, width=16),
    Column("投诉电话", "complaint_phone", CODE, width=12),
    Column("状态", "status", ENUM, choices=ItemStatus, width=10),
    Column("父事项编码", "parent", REF, width=28),
    Column("办理流程", "process", TEXT, width=40),
)

MATERIAL_COLUMNS: tuple[Column, ...] = (
    Column("实施编码", "item", REF, required=True, width=28),
    Column("材料编码", "code", CODE, required=True, width=16),
    Column("材料名称", "name", TEXT, required=True, width=36),
    Column("材料形式", "form", ENUM, choices=MaterialForm, default=MaterialForm.ORIGINAL, width=14),
    Column("份数", "copies", INT, default=1, width=8),
    Column("必要", "required", BOOL, default=True, width=8),
    Column("可容缺", "tolerable", BOOL, default=False, width=8),
    Column("可告知承诺", "commitment_allowed", BOOL, default=False, width=11),
    Column("来源渠道", "source", ENUM, choices=MaterialSource, default=MaterialSource.APPLICANT, width=14),
    Column("来源说明", "source_note", TEXT, width=24),
    Column("证照类型编码", "license_type", REF, width=16),
    Column("填报须知", "notes", TEXT, width=30),
    Column("排序", "order", INT, width=8),
)

DELEGATION_COLUMNS: tuple[Column, ...] = (
    Column("事项实施编码", "item", REF, required=True, width=28),
    Column("下放部门编码", "from_department", REF, required=True, width=18),
    Column("承接服务点编码", "to_point", REF, width=18),
    Column("承接区划代码", "to_region", REF, width=16),
    Column("下放方式", "mode", ENUM, required=True, choices=DelegationMode, width=12),
    Column("授权书编号", "instrument", TEXT, required=True, width=24),
    Column("签订日期", "instrument_date", DATE, required=True, width=12),
    Column("生效日期", "valid_from", DATE, required=True, width=12),
    Column("失效日期", "valid_to", DATE, width=12),
)


# ---------------------------------------------------------------------------------------------- export


def export_catalog(items: QuerySet[ServiceItem] | None = None) -> bytes:
    """The catalog (or the given items) as an .xlsx workbook that ``import_catalog`` reads back."""
    queryset = ServiceItem.objects.all() if items is None else items
    queryset = (
        queryset.select_related("department", "result_license_type", "parent")
        .prefetch_related(
            Prefetch(
                "materials",
                queryset=MaterialRequirement.objects.select_related("license_type").order_by("order", "id"),
            )
        )
        .order_by("code")
    )
    delegations = (
        Delegation.objects.filter(item__in=queryset.values("pk"))
        .select_related("item", "from_department", "to_point", "to_region")
        .order_by("item__code", "valid_from", "id")
    )
    with translation.override("zh-hans"):
        workbook = Workbook()
        item_sheet = workbook.active
        item_sheet.title = ITEM_SHEET
        material_sheet = workbook.create_sheet(MATERIAL_SHEET)
        delegation_sheet = workbook.create_sheet(DELEGATION_SHEET)
        item_rows: list[list[Any]] = []
        material_rows: list[list[Any]] = []
        for item in queryset:
            item_rows.append([_item_value(item, column) for column in ITEM_COLUMNS])
            for material in item.materials.all():
                material_rows.append([_material_value(item, material, column) for column in MATERIAL_COLUMNS])
        delegation_rows = [
            [_delegation_value(delegation, column) for column in DELEGATION_COLUMNS]
            for delegation in delegations
        ]
        write_sheet(item_sheet, ITEM_COLUMNS, item_rows)
        write_sheet(material_sheet, MATERIAL_COLUMNS, material_rows)
        write_sheet(delegation_sheet, DELEGATION_COLUMNS, delegation_rows)
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


def _write_guide(sheet: Any) -> None:
    rows: list[tuple[str, str, str, str]] = []
    for sheet_name, columns in (
        (ITEM_SHEET, ITEM_COLUMNS),
        (MATERIAL_SHEET, MATERIAL_COLUMNS),
        (DELEGATION_SHEET, DELEGATION_COLUMNS),
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


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    materials: int = 0
    delegations: int = 0
    versions: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, sheet: str, row: int | None, reason: str) -> None:
        self.errors.append(RowError(sheet, row, reason))

    def summary(self) -> str:
        prefix = _("校验通过（未保存）") if self.dry_run else _("导入完成")
        return _(
            "%(prefix)s：新增事项 %(created)s 项，更新事项 %(updated)s 项，"
            "材料 %(materials)s 条，下放 %(delegations)s 条，新版本 %(versions)s 个。"
        ) % {
            "prefix": prefix,
            "created": self.created,
            "updated": self.updated,
            "materials": self.materials,
            "delegations": self.delegations,
            "versions": self.versions,
        }


@dataclass
class _ItemPlan:
    row: int
    item: ServiceItem
    is_new: bool
    parent_code: str | None
    set_parent: bool
    publish: bool


@dataclass
class _Plan:
    items: list[_ItemPlan] = field(default_factory=list)
    #: Item code → (row, material) in file order.
    materials: dict[str, list[tuple[int, MaterialRequirement]]] = field(default_factory=dict)
    #: Codes of the items whose materials the file replaces, in file order.
    imported_codes: list[str] = field(default_factory=list)
    #: (item code, delegation): the item is attached when stored, it may be a row of this very file.
    delegations: list[tuple[int, str, Delegation]] = field(default_factory=list)
    db_items: dict[str, ServiceItem] = field(default_factory=dict)


class _DryRun(Exception):
    pass


def import_catalog(file: FileSource, *, actor: Any = None, dry_run: bool = False) -> ImportResult:
    """Read a workbook in the ``export_catalog`` layout and store it, or report every bad row.

    Items are created or updated by 实施编码; an imported item's materials become exactly the file's
    rows for it (rows matched by 材料编码 are updated in place so uploaded blank forms survive).
    ``dry_run`` checks everything, including the database constraints, and stores nothing.
    """
    result = ImportResult(dry_run=dry_run)
    with translation.override("zh-hans"):
        try:
            sheets = _read_workbook(file)
        except WorkbookError as exc:
            result.add_error("", None, str(exc))
            return result
        plan = _validate(sheets, result)
        if not result.ok:
            return result
        try:
            with transaction.atomic():
                _store(plan, actor=actor, result=result)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        except StoreError as exc:
            logger.warning("catalog import failed while storing: %s", exc.error)
            result.created = result.updated = result.materials = result.delegations = result.versions = 0
            result.errors.append(exc.row_error())
    return result


def _read_workbook(file: FileSource) -> dict[str, list[SheetRow]]:
    with opened_workbook(file, empty=_("文件为空，请选择导出的事项目录 Excel 文件（.xlsx）。")) as workbook:
        missing = [name for name in (ITEM_SHEET, MATERIAL_SHEET) if name not in workbook.sheetnames]
        if missing:
            raise WorkbookError(
                _("缺少工作表：%(sheets)s。请使用导出的模板填写。")
                % {"sheets": "、".join(f"“{name}”" for name in missing)}
            )
        sheets = {
            ITEM_SHEET: read_sheet(workbook[ITEM_SHEET], ITEM_SHEET, ITEM_COLUMNS),
            MATERIAL_SHEET: read_sheet(workbook[MATERIAL_SHEET], MATERIAL_SHEET, MATERIAL_COLUMNS),
        }
        if DELEGATION_SHEET in workbook.sheetnames:
            sheets[DELEGATION_SHEET] = read_sheet(
                workbook[DELEGATION_SHEET], DELEGATION_SHEET, DELEGATION_COLUMNS
            )
        return sheets


# ------------------------------------------------------------------------------------------ validation


def _validate(sheets: dict[str, list[SheetRow]], result: ImportResult) -> _Plan:
    item_rows = sheets[ITEM_SHEET]
    material_rows = sheets[MATERIAL_SHEET]
    delegation_rows = sheets.get(DELEGATION_SHEET, [])

    file_codes = {row.values["code"] for row in item_rows if row.values.get("code")}
    referenced = (
        file_codes
        | {row.values["parent"] for row in item_rows if row.values.get("parent")}
        | {row.values["item"] for row in material_rows + delegation_rows if row.values.get("item")}
    )
    plan = _Plan(db_items={item.code: item for item in ServiceItem.objects.filter(code__in=referenced)})
    departments = {department.code: department for department in Department.objects.all()}
    licenses = {license.code: license for license in LicenseType.objects.all()}

    _validate_items(item_rows, plan, departments, licenses, file_codes)
    _validate_materials(material_rows, plan, licenses, file_codes)
    _validate_delegations(delegation_rows, plan, departments, file_codes)

    for row in [*item_rows, *material_rows, *delegation_rows]:
        for reason in unique(row.errors):
            result.add_error(row.sheet, row.number, reason)
    return plan


def _validate_items(
    rows: list[SheetRow],
    plan: _Plan,
    departments: dict[str, Department],
    licenses: dict[str, LicenseType],
    file_codes: set[str],
) -> None:
    first_row: dict[str, int] = {}
    for row in rows:
        values = row.values
        code = values.get("code")
        if code:
            if code in first_row:
                row.errors.append(
                    _("实施编码“%(code)s”与第%(row)s行重复") % {"code": code, "row": first_row[code]}
                )
            else:
                first_row[code] = row.number
        department_code = values.pop("department", None)
        department = departments.get(department_code or "")
        if department_code and department is None:
            row.errors.append(_("实施主体编码“%(code)s”不存在") % {"code": department_code})
        license_code = values.pop("result_license_type", KEEP)
        license = licenses.get(license_code) if isinstance(license_code, str) else None
        if isinstance(license_code, str) and license is None:
            row.errors.append(_("结果证照类型编码“%(code)s”不存在") % {"code": license_code})
        set_parent = "parent" in values
        parent_code = values.pop("parent", None)
        if parent_code and parent_code == code:
            row.errors.append(_("父事项不能是事项自身"))
        elif parent_code and parent_code not in file_codes and parent_code not in plan.db_items:
            row.errors.append(_("父事项编码“%(code)s”既不在本文件中，也不在系统中") % {"code": parent_code})
        statutory, promised = values.get("statutory_days"), values.get("promised_days")
        if statutory is not None and promised is not None and promised > statutory:
            row.errors.append(
                _("承诺时限（%(promised)s）不得超过法定时限（%(statutory)s）")
                % {"promised": promised, "statutory": statutory}
            )
        if not code or first_row.get(code) != row.number:
            continue

        existing = plan.db_items.get(code)
        item = existing if existing is not None else ServiceItem()
        for name, value in values.items():
            setattr(item, name, value)
        if department is not None:
            item.department = department
        if license_code is not KEEP:
            item.result_license_type = license
        exclude = {"department", "result_license_type", "parent", *row.failed}
        _full_clean(item, row, exclude)
        plan.items.append(
            _ItemPlan(
                row=row.number,
                item=item,
                is_new=existing is None,
                parent_code=parent_code,
                set_parent=set_parent,
                publish=values.get("status") == ItemStatus.PUBLISHED,
            )
        )
        plan.imported_codes.append(code)


def _validate_materials(
    rows: list[SheetRow], plan: _Plan, licenses: dict[str, LicenseType], file_codes: set[str]
) -> None:
    first_row: dict[tuple[str, str], int] = {}
    for row in rows:
        values = row.values
        item_code = values.pop("item", None)
        code = values.get("code")
        if item_code and item_code not in file_codes and item_code not in plan.db_items:
            row.errors.append(
                _("事项“%(item)s”既不在“%(sheet)s”表中，也不在系统中")
                % {"item": item_code, "sheet": ITEM_SHEET}
            )
        if item_code and code:
            key = (item_code, code)
            if key in first_row:
                row.errors.append(
                    _("事项“%(item)s”的材料编码“%(code)s”与第%(row)s行重复")
                    % {"item": item_code, "code": code, "row": first_row[key]}
                )
            else:
                first_row[key] = row.number
        license_code = values.pop("license_type", None)
        license = licenses.get(license_code or "")
        if license_code and license is None:
            row.errors.append(_("证照类型编码“%(code)s”不存在") % {"code": license_code})
        if values.get("required") is False and (values.get("tolerable") or values.get("commitment_allowed")):
            row.errors.append(_("只有必要材料才能设置容缺或告知承诺（该材料不是必要材料）"))
        if not item_code:
            continue
        siblings = plan.materials.setdefault(item_code, [])
        values.setdefault("order", len(siblings) + 1)
        material = MaterialRequirement(license_type=license, **values)
        _full_clean(material, row, {"item", "license_type", "blank_form", "sample", *row.failed})
        siblings.append((row.number, material))
        if item_code not in plan.imported_codes:
            plan.imported_codes.append(item_code)


def _validate_delegations(
    rows: list[SheetRow], plan: _Plan, departments: dict[str, Department], file_codes: set[str]
) -> None:
    if not rows:
        return
    point_codes = {row.values["to_point"] for row in rows if row.values.get("to_point")}
    region_codes = {row.values["to_region"] for row in rows if row.values.get("to_region")}
    points = {point.code: point for point in ServicePoint.objects.filter(code__in=point_codes)}
    regions = {region.code: region for region in Region.objects.filter(code__in=region_codes)}
    for row in rows:
        values = row.values
        item_code = values.pop("item", None)
        if item_code and item_code not in file_codes and item_code not in plan.db_items:
            row.errors.append(
                _("事项“%(item)s”既不在“%(sheet)s”表中，也不在系统中")
                % {"item": item_code, "sheet": ITEM_SHEET}
            )
        department_code = values.pop("from_department", None)
        department = departments.get(department_code or "")
        if department_code and department is None:
            row.errors.append(_("下放部门编码“%(code)s”不存在") % {"code": department_code})
        point_code = values.pop("to_point", None)
        point = points.get(point_code or "")
        if point_code and point is None:
            row.errors.append(_("承接服务点编码“%(code)s”不存在") % {"code": point_code})
        region_code = values.pop("to_region", None)
        region = regions.get(region_code or "")
        if region_code and region is None:
            row.errors.append(_("承接区划代码“%(code)s”不存在") % {"code": region_code})
        if not point_code and not region_code:
            row.errors.append(_("请填写承接服务点编码或承接区划代码"))
        valid_from, valid_to = values.get("valid_from"), values.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            row.errors.append(_("失效日期不得早于生效日期"))
        delegation = Delegation(to_point=point, to_region=region, **values)
        if department is not None:
            delegation.from_department = department
        delegation_exclude = {"item", "from_department", "to_point", "to_region", "instrument_file"}
        _full_clean(delegation, row, delegation_exclude | row.failed)
        if item_code:
            plan.delegations.append((row.number, item_code, delegation))


def _full_clean(instance: models.Model, row: SheetRow, exclude: set[str]) -> None:
    full_clean_row(instance, row, exclude, _HEADERS.get(type(instance), {}))


#: Errors name a field by the column staff see in the sheet, not by the model's verbose name.
_HEADERS: dict[type[models.Model], dict[str, str]] = {
    ServiceItem: {column.field: column.header for column in ITEM_COLUMNS},
    MaterialRequirement: {column.field: column.header for column in MATERIAL_COLUMNS},
    Delegation: {column.field: column.header for column in DELEGATION_COLUMNS},
}


# --------------------------------------------------------------------------------------------- storing


def _store(plan: _Plan, *, actor: Any, result: ImportResult) -> None:
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

    rows = {entry.item.code: entry.row for entry in plan.items}
    publish = {entry.item.code for entry in plan.items if entry.publish}
    for code in plan.imported_codes:
        item = item_for(code)
        with _row(ITEM_SHEET if code in rows else MATERIAL_SHEET, rows.get(code)):
            if code in publish:
                version = item_publish(item=item, actor=actor)
            else:
                version = item_snapshot(item=item, actor=actor)
        if version is not None:
            result.versions += 1


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
