"""Reading a year's holiday schedule from a CSV or Excel (.xlsx) file staff type from the notice.

Columns (header row, any order): 日期, 类型 (休/班; holiday/workday accepted), 名称, optionally 备注.
Every bad row is reported with its row number as the spreadsheet shows it (header = row 1) and a
reason in Chinese, all at once, so staff fix the file in one go; nothing is stored from a file
with any error (``services.holidays_import`` stores inside one transaction, after parsing).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 1_000_000
MAX_ROWS = 1000

HEADERS = {
    "date": {"日期", "date"},
    "kind": {"类型", "kind", "type"},
    "name": {"名称", "节日", "name"},
    "note": {"备注", "note"},
}
KINDS = {
    "休": "holiday",
    "假": "holiday",
    "休息": "holiday",
    "放假": "holiday",
    "holiday": "holiday",
    "班": "workday",
    "上班": "workday",
    "补班": "workday",
    "workday": "workday",
    "work": "workday",
}
_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_COMPACT_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


@dataclass(frozen=True)
class ImportRow:
    row: int
    date: datetime.date
    kind: str
    name: str
    note: str = ""


@dataclass
class ParseResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _row_error(row: int, reason: str) -> str:
    return _("第%(row)s行：%(reason)s") % {"row": row, "reason": reason}


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def parse_date(value: Any) -> datetime.date | None:
    """A date from a cell: an Excel date, 2027-01-01, 2027/1/1, 2027.1.1, 2027年1月1日, 20270101."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    match = _DATE_RE.match(text) or _COMPACT_RE.match(text)
    if not match:
        return None
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _read_table(content: bytes) -> list[list[Any]]:
    """The cells of the first sheet (xlsx) or of the CSV, row by row. Raises ValueError if unreadable."""
    if content[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise ValueError(_("无法读取 Excel 文件，请确认是 .xlsx 格式。")) from exc
        try:
            sheet = workbook.worksheets[0]
            return [list(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    # Excel saves "CSV UTF-8" with a BOM and plain "CSV" in GB18030 on Chinese Windows.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(_("无法识别文件编码，请另存为 UTF-8 编码的 CSV 或 .xlsx 文件。"))
    try:
        return [list(row) for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise ValueError(_("CSV 文件格式有误：%(error)s") % {"error": exc}) from exc


def parse_schedule(content: bytes, *, year: int | None = None) -> ParseResult:
    """Parse a schedule file; ``year`` (when given) is the year every row must belong to.

    Without ``year`` all rows must share one year: a schedule is announced per year, and a stray
    date from the neighbouring year would otherwise wipe that year's schedule on import.
    """
    result = ParseResult()
    if len(content) > MAX_FILE_BYTES:
        result.errors.append(_("文件过大（超过 1 MB）。"))
        return result
    try:
        table = _read_table(content)
    except ValueError as exc:
        result.errors.append(str(exc))
        return result

    rows = [(number, cells) for number, cells in enumerate(table, start=1) if any(_text(c) for c in cells)]
    if not rows:
        result.errors.append(_("文件是空的。"))
        return result
    header_row, header = rows[0]
    columns: dict[str, int] = {}
    for index, heading in enumerate(header):
        label = _text(heading).lower()
        for key, names in HEADERS.items():
            if label in names and key not in columns:
                columns[key] = index
    missing = [name for name, key in (("日期", "date"), ("类型", "kind")) if key not in columns]
    if missing:
        result.errors.append(
            _("第%(row)s行（表头）缺少列：%(columns)s。表头应为：日期, 类型, 名称")
            % {"row": header_row, "columns": "、".join(missing)}
        )
        return result
    if len(rows) - 1 > MAX_ROWS:
        result.errors.append(_("行数过多（超过 %(max)s 行）。") % {"max": MAX_ROWS})
        return result

    def cell(cells: list[Any], key: str) -> Any:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    seen: dict[datetime.date, int] = {}
    for number, cells in rows[1:]:
        raw_date, raw_kind = cell(cells, "date"), _text(cell(cells, "kind"))
        day = parse_date(raw_date)
        kind = KINDS.get(raw_kind.lower())
        problems = []
        if day is None:
            problems.append(_("日期“%(value)s”无效，应为 YYYY-MM-DD。") % {"value": _text(raw_date)})
        if kind is None:
            problems.append(_("类型“%(value)s”无效，应为“休”或“班”。") % {"value": raw_kind})
        if day is not None:
            if year is not None and day.year != year:
                problems.append(
                    _("日期 %(date)s 不属于 %(year)s 年。") % {"date": day.isoformat(), "year": year}
                )
            if day in seen:
                problems.append(
                    _("日期 %(date)s 与第%(other)s行重复。") % {"date": day.isoformat(), "other": seen[day]}
                )
            else:
                seen[day] = number
        name = _text(cell(cells, "name"))
        note = _text(cell(cells, "note"))
        if len(name) > 60:
            problems.append(_("名称过长（最多 60 字）。"))
        if len(note) > 200:
            problems.append(_("备注过长（最多 200 字）。"))
        if problems:
            result.errors.extend(_row_error(number, problem) for problem in problems)
            continue
        assert day is not None and kind is not None
        result.rows.append(ImportRow(row=number, date=day, kind=kind, name=name, note=note))

    if not result.errors and not result.rows:
        result.errors.append(_("文件中没有任何日期。"))
    years = sorted({row.date.year for row in result.rows})
    if not result.errors and year is None and len(years) > 1:
        result.errors.append(
            _("文件包含多个年度的日期（%(years)s），每次只能导入一个年度。")
            % {"years": "、".join(str(y) for y in years)}
        )
    return result
