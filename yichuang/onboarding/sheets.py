"""The organization workbook (组织机构工作簿): its sheets, their columns, and the export.

One workbook sets up a county: regions, service points and their opening hours, windows, departments
(county bureaus, the approval bureau, the towns' approval service centers and offices), licence types
and staff. ``export_org`` writes what the database holds in exactly the layout ``import_org`` reads,
so the demo county's export is a filled-in example and ``export_org --template`` an empty form. The
headers are Chinese; the sheet "说明" explains every column in Chinese with its English name.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import translation
from openpyxl import Workbook

from yichuang.catalog.models import LicenseType
from yichuang.common.excel import (
    BOOL,
    CODE,
    ENUM,
    INT,
    REF,
    TEXT,
    TIME,
    Column,
    cell_value,
    column_hint,
    write_sheet,
)
from yichuang.org.models import (
    Department,
    DepartmentKind,
    PointKind,
    Region,
    RegionLevel,
    Role,
    ServicePoint,
    Staff,
    Window,
    WindowKind,
)
from yichuang.queue.models import OpeningHours, ScheduleDays

REGION_SHEET = "行政区划"
POINT_SHEET = "服务点"
HOURS_SHEET = "办公时间"
WINDOW_SHEET = "窗口"
DEPARTMENT_SHEET = "部门"
LICENSE_SHEET = "证照类型"
STAFF_SHEET = "工作人员"
GUIDE_SHEET = "说明"

REGION_COLUMNS = (
    Column("区划代码", "code", CODE, required=True, width=16, english="Division code",
           help="12位统计用区划代码：省2位+市2位+县2位+乡镇3位+村3位，本层级之后补0，如 411502100000"),
    Column("名称", "name", TEXT, required=True, width=20, english="Name"),
    Column("层级", "level", ENUM, required=True, choices=RegionLevel, width=12, english="Level"),
    Column("上级区划代码", "parent", REF, width=16, english="Parent division code",
           help="省级留空；其他层级填上一级的区划代码（本表中或系统中已有）"),
)  # fmt: skip

POINT_COLUMNS = (
    Column("服务点编码", "code", CODE, required=True, width=18, english="Point code",
           help="本县自定的唯一编码，如 411502100-BMZX；导入时按此编码新增或更新"),
    Column("名称", "name", TEXT, required=True, width=30, english="Name"),
    Column("类型", "kind", ENUM, required=True, choices=PointKind, width=16, english="Kind"),
    Column("所在区划代码", "region", REF, required=True, width=16, english="Region code"),
    Column("上级服务点编码", "parent", REF, width=18, english="Parent point code",
           help="村站、银行网点、自助终端所属的便民服务中心或政务服务中心"),
    Column("地址", "address", TEXT, width=36, english="Address"),
    Column("办公时间说明", "hours", TEXT, width=36, english="Opening hours (as published)",
           help="对外公布的文字，如“周一至周五 8:30-12:00、14:30-17:30”；取号按“办公时间”表的时段控制"),
    Column("咨询电话", "phone", CODE, width=16, english="Phone"),
    Column("全年无休", "open_all_year", BOOL, default=False, width=10, english="Open all year"),
    Column("启用", "active", BOOL, default=True, width=8, english="Active"),
)  # fmt: skip

HOURS_COLUMNS = (
    Column("服务点编码", "point", REF, required=True, width=18, english="Point code"),
    Column("适用日期", "days", ENUM, required=True, choices=ScheduleDays, width=24, english="Days",
           help="工作日按节假日安排计算（含调休上班日）"),
    Column("限星期", "weekdays", CODE, width=10, english="Weekdays only",
           help="留空不限；用数字1-7表示周一至周日，如 67 表示周六和周日"),
    Column("开始时间", "start", TIME, required=True, width=10, english="From"),
    Column("结束时间", "end", TIME, required=True, width=10, english="Until (not included)"),
    Column("延时服务", "extended", BOOL, default=False, width=10, english="Extended hours"),
    Column("启用", "active", BOOL, default=True, width=8, english="Active"),
)  # fmt: skip

WINDOW_COLUMNS = (
    Column("服务点编码", "point", REF, required=True, width=18, english="Point code"),
    Column("窗口号", "number", CODE, required=True, width=10, english="Window number",
           help="同一服务点内不重复，如 1、2、A3"),
    Column("窗口名称", "name", TEXT, required=True, width=24, english="Name"),
    Column("类型", "kind", ENUM, choices=WindowKind, default=WindowKind.COMPREHENSIVE, width=16, english="Kind"),
    Column("启用", "active", BOOL, default=True, width=8, english="Active"),
)  # fmt: skip

DEPARTMENT_COLUMNS = (
    Column("部门编码", "code", CODE, required=True, width=18, english="Department code",
           help="事项目录的“实施主体编码”“下放部门编码”引用此编码，如 411502-MZJ、411502100-SPZX"),
    Column("名称", "name", TEXT, required=True, width=32, english="Name"),
    Column("简称", "short_name", TEXT, width=16, english="Short name"),
    Column("类型", "kind", ENUM, required=True, choices=DepartmentKind, width=20, english="Kind",
           help="乡镇行政审批服务中心是乡镇的审批单位，持乡镇的行政审批专用章"),
    Column("所属区划代码", "region", REF, required=True, width=16, english="Region code"),
    Column("办公地点编码", "point", REF, width=18, english="Office (point code)",
           help="部门进驻或办公所在的服务点"),
    Column("电话", "phone", CODE, width=16, english="Phone"),
)  # fmt: skip

LICENSE_COLUMNS = (
    Column("证照类型编码", "code", CODE, required=True, width=16, english="Licence type code",
           help="事项目录的“结果证照类型编码”“证照类型编码”引用此编码"),
    Column("名称", "name", TEXT, required=True, width=30, english="Name", help="不可与其他证照类型重名"),
    Column("发证机关", "issuer", TEXT, width=30, english="Issuer"),
    Column("有效年限", "validity_years", INT, width=10, english="Valid for (years)", help="留空表示长期有效"),
    Column("可套打", "printable", BOOL, default=False, width=8, english="Printable"),
)  # fmt: skip

STAFF_COLUMNS = (
    Column("用户名", "username", CODE, required=True, width=18, english="Username",
           help="登录用的用户名（字母、数字、@/./+/-/_），导入时按此更新；已有账号的密码不会被改动"),
    Column("姓", "last_name", TEXT, required=True, width=8, english="Family name"),
    Column("名", "first_name", TEXT, width=10, english="Given name"),
    Column("角色", "role", ENUM, required=True, choices=Role, width=16, english="Role"),
    Column("服务点编码", "point", REF, width=18, english="Point code", help="所在服务点；平台管理员可留空"),
    Column("管辖区划代码", "region", REF, width=16, english="Scope (region code)",
           help="可见范围：该区划及其下级；留空则只看所在服务点"),
    Column("部门编码", "department", REF, width=18, english="Department code",
           help="后台审批人员所属的审批单位"),
    Column("窗口号", "window", CODE, width=10, english="Window number", help="所在服务点的窗口号"),
    Column("手机号", "phone", CODE, width=14, english="Mobile phone"),
    Column("启用", "is_active", BOOL, default=True, width=8, english="Active", help="“否”停用账号，不能再登录"),
)  # fmt: skip


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    english: str
    about: str


#: In the order they are read and stored: what a row refers to comes before it.
SHEETS: tuple[Sheet, ...] = (
    Sheet(LICENSE_SHEET, LICENSE_COLUMNS, "Licence types", "电子证照类型，一行一种；按证照类型编码新增或更新。"),
    Sheet(REGION_SHEET, REGION_COLUMNS, "Regions", "五级行政区划，一行一个；按区划代码新增或更新，上级可在本表中。"),
    Sheet(POINT_SHEET, POINT_COLUMNS, "Service points",
          "政务服务中心、便民服务中心、便民服务站、政银合作网点、自助终端；按服务点编码新增或更新。"),
    Sheet(HOURS_SHEET, HOURS_COLUMNS, "Opening hours",
          "服务点的办公时段，一行一段（如上午、下午各一行）。表中出现的服务点，其时段以本表为准，"
          "其他时段删除；未出现的服务点保留原有时段。没有时段的服务点不限取号时间。"),
    Sheet(WINDOW_SHEET, WINDOW_COLUMNS, "Windows", "服务点的窗口；按服务点编码+窗口号新增或更新。"),
    Sheet(DEPARTMENT_SHEET, DEPARTMENT_COLUMNS, "Departments and approval service centers",
          "县直部门、行政审批局、乡镇行政审批服务中心、乡镇站所；按部门编码新增或更新。"),
    Sheet(STAFF_SHEET, STAFF_COLUMNS, "Staff",
          "工作人员账号；按用户名新增或更新。新账号的初始密码随机生成，导入完成时只显示（或写入文件）一次；"
          "导入不会修改已有账号的密码。"),
)  # fmt: skip


def _code(obj: Any) -> str | None:
    return obj.code if obj is not None else None


def _value(obj: models.Model, column: Column) -> Any:
    if column.field == "window":  # a staff member's window, by its number at his point
        window = getattr(obj, "window", None)
        return window.number if window is not None else None
    if column.kind == REF:
        return _code(getattr(obj, column.field))
    return cell_value(getattr(obj, column.field), column)


def _rows(sheet: str) -> list[models.Model]:
    queries: dict[str, Callable[[], Any]] = {
        LICENSE_SHEET: lambda: LicenseType.objects.order_by("code"),
        REGION_SHEET: lambda: Region.objects.select_related("parent").order_by("code"),
        POINT_SHEET: lambda: ServicePoint.objects.select_related("region", "parent").order_by("code"),
        HOURS_SHEET: lambda: OpeningHours.objects.select_related("point").order_by(
            "point__code", "days", "weekdays", "start", "id"
        ),
        WINDOW_SHEET: lambda: Window.objects.select_related("point").order_by("point__code", "number"),
        DEPARTMENT_SHEET: lambda: Department.objects.select_related("region", "point").order_by("code"),
        STAFF_SHEET: lambda: Staff.objects.select_related("point", "region", "department", "window").order_by(
            "username"
        ),
    }
    return list(queries[sheet]())


def export_org(*, template: bool = False) -> bytes:
    """The organization as an .xlsx workbook that ``import_org`` reads back (``template``: headers only).

    Passwords are never exported; staff imported from the file get new one-time passwords."""
    with translation.override("zh-hans"):
        workbook = Workbook()
        first = workbook.active
        for index, sheet in enumerate(SHEETS):
            target = first if index == 0 else workbook.create_sheet(sheet.name)
            target.title = sheet.name
            rows = [] if template else [[_value(obj, c) for c in sheet.columns] for obj in _rows(sheet.name)]
            write_sheet(target, sheet.columns, rows)
        write_guide(workbook.create_sheet(GUIDE_SHEET), SHEETS)
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


GUIDE_COLUMNS = (
    Column("工作表", "sheet", width=12),
    Column("列", "column", width=16),
    Column("英文 English", "english", width=26),
    Column("必填", "required", width=6),
    Column("填写说明", "help", width=90),
)


def write_guide(target: Any, sheets: Sequence[Sheet]) -> None:
    """One line per sheet (what it holds, how rows are matched), then one per column."""
    rows: list[tuple[str, str, str, str, str]] = [
        (
            "（全部）",
            "",
            "How to fill in",
            "",
            "第1行是表头，请勿改动；从第2行起一行一条记录。编码按文本填写（单元格格式设为“文本”，"
            "以免前导0丢失）。下拉选项填中文名称，也可填英文代码。导入前全部校验，任何一行有错都不保存，"
            "并列出每个错误所在的工作表和行号；同一文件可重复导入，按编码更新，不会重复新增。"
            "Row 1 holds the headers; nothing is stored unless every row is valid; re-importing updates by code.",
        )
    ]
    for sheet in sheets:
        rows.append((sheet.name, "（整张表）", sheet.english, "", sheet.about))
        for column in sheet.columns:
            hint = column_hint(column)
            if column.kind == REF:
                hint = "填写编码（本工作簿中或系统中已有）"
            text = f"{column.help}。{hint}" if column.help else hint
            rows.append((sheet.name, column.header, column.english, "是" if column.required else "", text))
    write_sheet(target, GUIDE_COLUMNS, rows)
