"""Reading an imported workbook (``import_catalog``): all or nothing, every bad row reported."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import translation
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
from yichuang.catalog.excel.situations import SITUATION_COLUMNS, SITUATION_SHEET
from yichuang.catalog.excel.storing import store
from yichuang.catalog.excel.validation import ImportResult, validate
from yichuang.common.excel import (
    FileSource,
    SheetRow,
    StoreError,
    WorkbookError,
    opened_workbook,
    read_sheet,
)

logger = logging.getLogger("yichuang.catalog.excel")


class _DryRun(Exception):
    pass


def import_catalog(file: FileSource, *, actor: Any = None, dry_run: bool = False) -> ImportResult:
    """Read a workbook in the ``export_catalog`` layout and store it, or report every bad row.

    Items are created or updated by 实施编码; an imported item's materials become exactly the file's
    rows for it (rows matched by 材料编码 are updated in place so uploaded blank forms survive).
    Offers (认领事项) are created or updated by 服务点编码 + 实施编码; an offer the file leaves out is kept
    (staff stop offering an item with 启用 = 否). When the workbook has sheet 表单字段, each item of the
    file gets exactly that sheet's fields for it (matched by 字段标识); without the sheet (an older
    workbook) the items keep their fields; likewise sheet 办理情形 and the items' situations.
    ``dry_run`` checks everything, including the database constraints, and stores nothing.
    """
    result = ImportResult(dry_run=dry_run)
    with translation.override("zh-hans"):
        try:
            sheets = _read_workbook(file)
        except WorkbookError as exc:
            result.add_error("", None, str(exc))
            return result
        plan = validate(sheets, result)
        if not result.ok:
            return result
        try:
            with transaction.atomic():
                store(plan, actor=actor, result=result)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        except StoreError as exc:
            logger.warning("catalog import failed while storing: %s", exc.error)
            result.created = result.updated = result.materials = result.delegations = result.offers = 0
            result.form_fields = result.situations = 0
            result.versions = 0
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
        if OFFER_SHEET in workbook.sheetnames:
            sheets[OFFER_SHEET] = read_sheet(workbook[OFFER_SHEET], OFFER_SHEET, OFFER_COLUMNS)
        if FORM_FIELD_SHEET in workbook.sheetnames:
            sheets[FORM_FIELD_SHEET] = read_sheet(
                workbook[FORM_FIELD_SHEET], FORM_FIELD_SHEET, FORM_FIELD_COLUMNS
            )
        if SITUATION_SHEET in workbook.sheetnames:
            sheets[SITUATION_SHEET] = read_sheet(
                workbook[SITUATION_SHEET], SITUATION_SHEET, SITUATION_COLUMNS
            )
        return sheets
