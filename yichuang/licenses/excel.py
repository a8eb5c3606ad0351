"""证照模板 as an Excel workbook: staff keep their 68 layouts in one file, edit it in Excel or WPS and
import it back. Two sheets, written and read like the catalog workbook (``common.excel``): 证照模板 (one
row per licence type) and 证照栏目 (one row per field, in order). A layout named in the file gets exactly
its rows; a licence type the file does not name keeps its layout. Every bad row is reported with its
sheet and row number, and nothing is stored unless the whole file is good."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from yichuang.catalog.models import LicenseType
from yichuang.common.excel import (
    BOOL,
    CODE,
    ENUM,
    INT,
    TEXT,
    Column,
    FileSource,
    RowError,
    WorkbookError,
    cell_value,
    opened_workbook,
    read_sheet,
    write_sheet,
)
from yichuang.licenses.layouts import FieldSpec, LayoutSpec
from yichuang.licenses.models import CertificateLayout, FieldSource, HolderKind, Orientation, Paper

LAYOUT_SHEET = "证照模板"
FIELD_SHEET = "证照栏目"

LAYOUT_COLUMNS = [
    Column("证照类型编码", "code", CODE, required=True, width=14),
    Column("证照标题", "title", TEXT, width=24),
    Column("副标题", "subtitle", TEXT, width=16),
    Column("纸张", "paper", ENUM, choices=Paper, default=Paper.A4, width=8),
    Column("方向", "orientation", ENUM, choices=Orientation, default=Orientation.PORTRAIT, width=8),
    Column("每行栏数", "columns", INT, default=1, width=10),
    Column("边框颜色", "border", TEXT, width=10),
    Column("发证机关（落款）", "issuer", TEXT, width=24),
    Column("注意事项", "notes", TEXT, width=60),
]
FIELD_COLUMNS = [
    Column("证照类型编码", "code", CODE, required=True, width=14),
    Column("栏目名称", "label", TEXT, required=True, width=20),
    Column("取值来源", "source", ENUM, choices=FieldSource, required=True, width=24),
    Column("申请表字段标识", "key", TEXT, width=18),
    Column("固定文字或缺省文字", "text", TEXT, width=40),
    Column("适用持证主体", "holder", ENUM, choices=HolderKind, default=HolderKind.ALL, width=14),
    Column("整行", "wide", BOOL, default=False, width=6),
]


def export_layouts(layouts: Iterable[CertificateLayout]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = LAYOUT_SHEET
    rows = list(layouts)
    write_sheet(
        sheet,
        LAYOUT_COLUMNS,
        (
            [
                cell_value(value, column)
                for column, value in zip(
                    LAYOUT_COLUMNS,
                    [
                        layout.license_type.code,
                        layout.title,
                        layout.subtitle,
                        layout.paper,
                        layout.orientation,
                        layout.columns,
                        layout.border,
                        layout.issuer,
                        layout.notes,
                    ],
                    strict=True,
                )
            ]
            for layout in rows
        ),
    )
    write_sheet(
        book.create_sheet(FIELD_SHEET),
        FIELD_COLUMNS,
        (
            [
                cell_value(value, column)
                for column, value in zip(
                    FIELD_COLUMNS,
                    [layout.license_type.code, f.label, f.source, f.key, f.text, f.holder or None, f.wide],
                    strict=True,
                )
            ]
            for layout in rows
            for f in sorted(layout.fields.all(), key=lambda f: (f.order, f.pk))
        ),
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class LayoutImport:
    errors: list[RowError] = field(default_factory=list)
    layouts: int = 0
    fields: int = 0
    changed: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return _("证照模板 %(layouts)s 个（栏目 %(fields)s 个），其中 %(changed)s 个有改动。") % {
            "layouts": self.layouts,
            "fields": self.fields,
            "changed": self.changed,
        }


def import_layouts(file: FileSource) -> LayoutImport:
    """Read, check every row, then store every layout of the file in one transaction (or nothing)."""
    from yichuang.licenses.services import layout_store

    result = LayoutImport()
    with opened_workbook(file, empty=_("请选择证照模板工作簿（.xlsx）。")) as book:
        if LAYOUT_SHEET not in book.sheetnames:
            raise WorkbookError(_("工作簿缺少“%(sheet)s”表。") % {"sheet": LAYOUT_SHEET})
        layout_rows = read_sheet(book[LAYOUT_SHEET], LAYOUT_SHEET, LAYOUT_COLUMNS)
        field_rows = (
            read_sheet(book[FIELD_SHEET], FIELD_SHEET, FIELD_COLUMNS)
            if FIELD_SHEET in book.sheetnames
            else []
        )
    types = {
        t.code: t for t in LicenseType.objects.filter(code__in=[r.values.get("code") for r in layout_rows])
    }
    fields: dict[str, list[FieldSpec]] = defaultdict(list)
    for row in field_rows:
        for reason in row.errors:
            result.errors.append(RowError(FIELD_SHEET, row.number, reason))
        if row.errors:
            continue
        values = row.values
        fields[values["code"]].append(
            FieldSpec(
                label=values["label"],
                source=values["source"],
                key=values.get("key", ""),
                text=values.get("text", ""),
                holder=values.get("holder") or "",
                wide=bool(values.get("wide")),
            )
        )
        if not any(r.values.get("code") == values["code"] for r in layout_rows):
            result.errors.append(
                RowError(
                    FIELD_SHEET,
                    row.number,
                    _("证照类型编码 %(code)s 不在“%(sheet)s”表中。")
                    % {"code": values["code"], "sheet": LAYOUT_SHEET},
                )
            )
    planned: list[tuple[int, LicenseType, LayoutSpec]] = []
    for row in layout_rows:
        for reason in row.errors:
            result.errors.append(RowError(LAYOUT_SHEET, row.number, reason))
        if row.errors:
            continue
        values = row.values
        license_type = types.get(values["code"])
        if license_type is None:
            result.errors.append(
                RowError(
                    LAYOUT_SHEET, row.number, _("没有编码为 %(code)s 的证照类型。") % {"code": values["code"]}
                )
            )
            continue
        planned.append(
            (
                row.number,
                license_type,
                LayoutSpec(
                    fields=tuple(fields.get(values["code"], [])),
                    title=values.get("title", ""),
                    subtitle=values.get("subtitle", ""),
                    paper=values.get("paper") or Paper.A4,
                    orientation=values.get("orientation") or Orientation.PORTRAIT,
                    columns=2 if values.get("columns") == 2 else 1,
                    border=values.get("border") or "#b22222",
                    issuer=values.get("issuer", ""),
                    notes=tuple(
                        line.strip() for line in values.get("notes", "").splitlines() if line.strip()
                    ),
                ),
            )
        )
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for number, license_type, spec in planned:
                try:
                    result.changed += layout_store(license_type=license_type, spec=spec)
                except ValidationError as exc:
                    result.errors.append(RowError(LAYOUT_SHEET, number, "；".join(exc.messages)))
                    raise
                result.layouts += 1
                result.fields += len(spec.fields)
    except ValidationError:
        result.layouts = result.fields = result.changed = 0
    return result
