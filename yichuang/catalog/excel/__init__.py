"""Import and export the service-item catalog as an Excel workbook (.xlsx).

Staff keep their item lists in spreadsheets, so the workbook is the same on the way out and on the
way in: sheet "事项" (one row per item), sheet "材料" (one row per material, keyed by the item's
实施编码), sheet "下放" (one row per delegation), sheet "认领事项" (one row per item a
service point offers, keyed by 服务点编码 + 实施编码) and sheet "表单字段" (one row per field of an item's
application form, keyed by 实施编码 + 字段标识). Enumerations are written with their Chinese labels
and read back from either the label or the code value; booleans are 是/否.

An import is all or nothing: every row of every sheet is checked first and every problem is reported
with the sheet name and the row number as Excel shows it (header = row 1). Only a file without a single
bad row is stored, in one transaction. Afterwards each imported item goes through ``item_snapshot`` (or
``item_publish`` when its status is 已发布) so a published item that changed gets a new version, while
the cases already accepted keep the version they were accepted under.
"""

from __future__ import annotations

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
from yichuang.catalog.excel.reading import import_catalog
from yichuang.catalog.excel.validation import ImportResult
from yichuang.catalog.excel.writing import export_catalog

__all__ = [
    "DELEGATION_COLUMNS",
    "DELEGATION_SHEET",
    "FORM_FIELD_COLUMNS",
    "FORM_FIELD_SHEET",
    "GUIDE_SHEET",
    "ITEM_COLUMNS",
    "ITEM_SHEET",
    "MATERIAL_COLUMNS",
    "MATERIAL_SHEET",
    "OFFER_COLUMNS",
    "OFFER_SHEET",
    "ImportResult",
    "export_catalog",
    "import_catalog",
]
