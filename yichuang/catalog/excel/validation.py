"""Checking every row of an imported workbook before anything is stored: the plan of what to save,
and every problem named by its sheet and row (``ImportResult``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _

from yichuang.catalog.excel.layout import (
    DELEGATION_COLUMNS,
    DELEGATION_SHEET,
    FORM_FIELD_COLUMNS,
    FORM_FIELD_SHEET,
    ITEM_COLUMNS,
    ITEM_SHEET,
    MATERIAL_COLUMNS,
    MATERIAL_SHEET,
    OFFER_COLUMNS,
    OFFER_SHEET,
)
from yichuang.catalog.excel.situations import SITUATION_SHEET, PlannedSituation, validate_situations
from yichuang.catalog.models import (
    Delegation,
    FormField,
    ItemStatus,
    LicenseType,
    MaterialRequirement,
    PointItem,
    ServiceItem,
)
from yichuang.common.excel import (
    KEEP,
    RowError,
    SheetRow,
    full_clean_row,
    unique,
)
from yichuang.org.models import Department, Region, ServicePoint


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    materials: int = 0
    delegations: int = 0
    offers: int = 0
    form_fields: int = 0
    situations: int = 0
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
            "材料 %(materials)s 条，下放 %(delegations)s 条，认领事项 %(offers)s 条，"
            "表单字段 %(form_fields)s 个，新版本 %(versions)s 个。"
        ) % {
            "prefix": prefix,
            "created": self.created,
            "updated": self.updated,
            "materials": self.materials,
            "delegations": self.delegations,
            "offers": self.offers,
            "form_fields": self.form_fields,
            "versions": self.versions,
        } + (_("办理情形 %(n)s 个。") % {"n": self.situations} if self.situations else "")


@dataclass
class ItemPlan:
    row: int
    item: ServiceItem
    is_new: bool
    parent_code: str | None
    set_parent: bool
    publish: bool


@dataclass
class Plan:
    items: list[ItemPlan] = field(default_factory=list)
    #: Item code → (row, material) in file order.
    materials: dict[str, list[tuple[int, MaterialRequirement]]] = field(default_factory=dict)
    #: Codes of the items whose materials the file replaces, in file order.
    imported_codes: list[str] = field(default_factory=list)
    #: (item code, delegation): the item is attached when stored, it may be a row of this very file.
    delegations: list[tuple[int, str, Delegation]] = field(default_factory=list)
    #: (row, item code, offer): the offer has its point; the item is attached when stored.
    offers: list[tuple[int, str, PointItem]] = field(default_factory=list)
    #: Item code → (row, field) in file order; ``None`` when the workbook has no sheet 表单字段 (an
    #: older one): then the items keep the fields they have.
    form_fields: dict[str, list[tuple[int, FormField]]] | None = None
    db_items: dict[str, ServiceItem] = field(default_factory=dict)
    #: Item code → its 办理情形 as planned; ``None`` without sheet 办理情形 (the items keep theirs).
    situations: dict[str, list[PlannedSituation]] | None = None


def validate(sheets: dict[str, list[SheetRow]], result: ImportResult) -> Plan:
    item_rows = sheets[ITEM_SHEET]
    material_rows = sheets[MATERIAL_SHEET]
    delegation_rows = sheets.get(DELEGATION_SHEET, [])
    offer_rows = sheets.get(OFFER_SHEET, [])
    form_rows = sheets.get(FORM_FIELD_SHEET, [])
    situation_rows = sheets.get(SITUATION_SHEET, [])

    file_codes = {row.values["code"] for row in item_rows if row.values.get("code")}
    referenced = (
        file_codes
        | {row.values["parent"] for row in item_rows if row.values.get("parent")}
        | {
            row.values["item"]
            for row in material_rows + delegation_rows + offer_rows + form_rows + situation_rows
            if row.values.get("item")
        }
    )
    plan = Plan(db_items={item.code: item for item in ServiceItem.objects.filter(code__in=referenced)})
    departments = {department.code: department for department in Department.objects.all()}
    licenses = {license.code: license for license in LicenseType.objects.all()}

    _validate_items(item_rows, plan, departments, licenses, file_codes)
    _validate_materials(material_rows, plan, licenses, file_codes)
    _validate_delegations(delegation_rows, plan, departments, file_codes)
    _validate_offers(offer_rows, plan, file_codes)
    if FORM_FIELD_SHEET in sheets:
        plan.form_fields = {}
        _validate_form_fields(form_rows, plan, file_codes)

    if SITUATION_SHEET in sheets:
        plan.situations = validate_situations(
            situation_rows,
            file_codes=file_codes,
            db_items=plan.db_items,
            file_materials=plan.materials,
            imported_codes=plan.imported_codes,
        )

    for row in [*item_rows, *material_rows, *delegation_rows, *offer_rows, *form_rows, *situation_rows]:
        for reason in unique(row.errors):
            result.add_error(row.sheet, row.number, reason)
    return plan


def _validate_items(
    rows: list[SheetRow],
    plan: Plan,
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
            ItemPlan(
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
    rows: list[SheetRow], plan: Plan, licenses: dict[str, LicenseType], file_codes: set[str]
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
    rows: list[SheetRow], plan: Plan, departments: dict[str, Department], file_codes: set[str]
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


def _validate_offers(rows: list[SheetRow], plan: Plan, file_codes: set[str]) -> None:
    if not rows:
        return
    point_codes = {row.values["point"] for row in rows if row.values.get("point")}
    points = {point.code: point for point in ServicePoint.objects.filter(code__in=point_codes)}
    first_row: dict[tuple[str, str], int] = {}
    for row in rows:
        values = row.values
        point_code = values.pop("point", None)
        item_code = values.pop("item", None)
        point = points.get(point_code or "")
        if point_code and point is None:
            row.errors.append(
                _("服务点编码“%(code)s”不存在（请先用 import_org 导入组织机构）") % {"code": point_code}
            )
        if item_code and item_code not in file_codes and item_code not in plan.db_items:
            row.errors.append(
                _("事项“%(item)s”既不在“%(sheet)s”表中，也不在系统中")
                % {"item": item_code, "sheet": ITEM_SHEET}
            )
        if point_code and item_code:
            key = (point_code, item_code)
            if key in first_row:
                row.errors.append(
                    _("服务点“%(point)s”认领事项“%(item)s”与第%(row)s行重复")
                    % {"point": point_code, "item": item_code, "row": first_row[key]}
                )
                continue
            first_row[key] = row.number
        if point is None or not item_code:
            continue
        offer = PointItem(point=point, **values)
        _full_clean(offer, row, {"point", "item", *row.failed})
        plan.offers.append((row.number, item_code, offer))


def _validate_form_fields(rows: list[SheetRow], plan: Plan, file_codes: set[str]) -> None:
    assert plan.form_fields is not None
    first_row: dict[tuple[str, str], int] = {}
    for row in rows:
        values = row.values
        item_code = values.pop("item", None)
        key = values.get("key")
        if item_code and item_code not in file_codes and item_code not in plan.db_items:
            row.errors.append(
                _("事项“%(item)s”既不在“%(sheet)s”表中，也不在系统中")
                % {"item": item_code, "sheet": ITEM_SHEET}
            )
        if item_code and key:
            if (item_code, key) in first_row:
                row.errors.append(
                    _("事项“%(item)s”的字段标识“%(key)s”与第%(row)s行重复")
                    % {"item": item_code, "key": key, "row": first_row[(item_code, key)]}
                )
                continue
            first_row[(item_code, key)] = row.number
        values["choices"] = [
            part.strip() for part in re.split(r"[、\n|]", values.get("choices") or "") if part.strip()
        ]
        for bound in ("min", "max"):
            values[bound] = values.get(bound) or None
        if not item_code:
            continue
        siblings = plan.form_fields.setdefault(item_code, [])
        values.setdefault("order", len(siblings) + 1)
        form_field = FormField(**values)
        _full_clean(form_field, row, {"item", *row.failed})
        siblings.append((row.number, form_field))
        if item_code not in plan.imported_codes:
            plan.imported_codes.append(item_code)


def _full_clean(instance: models.Model, row: SheetRow, exclude: set[str]) -> None:
    full_clean_row(instance, row, exclude, _HEADERS.get(type(instance), {}))


#: Errors name a field by the column staff see in the sheet, not by the model's verbose name.
_HEADERS: dict[type[models.Model], dict[str, str]] = {
    ServiceItem: {column.field: column.header for column in ITEM_COLUMNS},
    MaterialRequirement: {column.field: column.header for column in MATERIAL_COLUMNS},
    Delegation: {column.field: column.header for column in DELEGATION_COLUMNS},
    PointItem: {column.field: column.header for column in OFFER_COLUMNS},
    FormField: {column.field: column.header for column in FORM_FIELD_COLUMNS},
}
