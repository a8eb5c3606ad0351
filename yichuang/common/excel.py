"""Excel workbooks that staff fill in and the system reads back (.xlsx through openpyxl).

The catalog (``catalog.excel``) and the organization (``onboarding.workbook``) share one way of
writing and reading a sheet: a row of Chinese headers, one row per record, codes kept as text,
enumerations written with their Chinese labels and read back from the label or the code value,
booleans as 是/否. Reading never stops at the first problem: each row collects its own reasons,
so an import can report every bad row with its sheet and its row number as Excel shows it.
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

logger = logging.getLogger(__name__)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TRUE_WORDS = {"是", "1", "true", "yes", "y", "√", "✓", "有"}
FALSE_WORDS = {"否", "0", "false", "no", "n", "×", "✗", "无"}

# Column kinds: how a cell is written and read.
TEXT = "text"  # free text, blank → ""
CODE = "code"  # an identifier kept as text (Excel would turn 0012 into 12), blank → ""
REF = "ref"  # the code of another row (department, licence type, item …), blank → None
INT = "int"
BOOL = "bool"
ENUM = "enum"
DATE = "date"
TIME = "time"  # a time of day, written 08:30


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str = TEXT
    required: bool = False
    choices: type[models.TextChoices] | None = None
    #: Value for a blank cell. ``None`` on an int/enum/bool column means "leave the field as it is"
    #: (an existing item keeps its value, a new one gets the model default).
    default: Any = None
    width: int = 14
    #: The column's name in English and what to write in it (the guide sheet of a workbook).
    english: str = ""
    help: str = ""


def cell_value(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.kind == BOOL:
        return "是" if value else "否"
    if column.kind == ENUM and column.choices is not None:
        return str(column.choices(value).label) if value in column.choices.values else value
    if column.kind in (TEXT, CODE):
        return value or None
    if column.kind == TIME and isinstance(value, datetime.time):
        # Text, not an Excel time: 0.354166… would be what a reader sees in some viewers.
        return value.strftime("%H:%M")
    return value


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center")


def write_sheet(sheet: Any, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> None:
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    row_number = 1
    for row_number, row in enumerate(rows, start=2):
        for index, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            cell = sheet.cell(row=row_number, column=index, value=value)
            if isinstance(value, str) and value.startswith("="):
                # Text that looks like a formula stays text: a catalog cell must never compute anything.
                cell.data_type = "s"
            if column.kind in (CODE, REF):
                cell.number_format = "@"
            elif column.kind == DATE:
                cell.number_format = "yyyy-mm-dd"
            elif column.kind == TIME:
                cell.number_format = "@"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(row_number, 2)}"
    # Drop-down lists of the Chinese labels; typing a code value instead is still accepted.
    last_row = max(row_number, 1) + 500
    for index, column in enumerate(columns, start=1):
        labels = choice_labels(column)
        if not labels:
            continue
        validation = DataValidation(
            type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True, showErrorMessage=False
        )
        sheet.add_data_validation(validation)
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{last_row}")


def choice_labels(column: Column) -> list[str]:
    if column.kind == BOOL:
        return ["是", "否"]
    if column.kind == ENUM and column.choices is not None:
        return [str(label) for label in column.choices.labels]
    return []


def column_hint(column: Column) -> str:
    if column.kind == ENUM:
        return "可选：" + "、".join(choice_labels(column))
    if column.kind == BOOL:
        return "是 / 否"
    if column.kind == INT:
        return "整数（工作日、次数或星级）"
    if column.kind == DATE:
        return "日期，如 2024-01-31"
    if column.kind == TIME:
        return "时间（24小时制），如 08:30"
    if column.kind == REF:
        return "填写已有记录的编码"
    return "文本"


@dataclass(frozen=True)
class RowError:
    """One problem in the file: where (sheet and Excel row number, header = 1) and why, in Chinese."""

    sheet: str
    row: int | None
    reason: str

    def __str__(self) -> str:
        if self.sheet and self.row:
            return _("“%(sheet)s”表第%(row)s行：%(reason)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "reason": self.reason,
            }
        if self.sheet:
            return _("“%(sheet)s”表：%(reason)s") % {"sheet": self.sheet, "reason": self.reason}
        return self.reason


class WorkbookError(Exception):
    """The file as a whole cannot be read (not an .xlsx, corrupted, a sheet or a column missing)."""


class StoreError(Exception):
    """A row passed validation but the database refused it (a race with another editor, a constraint);
    the import's transaction then ends and nothing is stored."""

    def __init__(self, sheet: str, row: int | None, reason: str) -> None:
        super().__init__(reason)
        self.error = RowError(sheet, row, reason)

    def row_error(self) -> RowError:
        return RowError(
            self.error.sheet,
            self.error.row,
            _("保存失败，未导入任何数据：%(reason)s") % {"reason": self.error.reason},
        )


@dataclass
class SheetRow:
    sheet: str
    number: int
    values: dict[str, Any]
    errors: list[str]
    failed: set[str]


FileSource = str | os.PathLike[str] | bytes | IO[bytes]


def read_bytes(file: FileSource) -> bytes:
    if isinstance(file, bytes):
        return file
    if isinstance(file, str | os.PathLike):
        try:
            with open(file, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise WorkbookError(_("找不到或无法读取文件：%(path)s") % {"path": os.fspath(file)}) from exc
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    return data if isinstance(data, bytes) else bytes(data)


@contextmanager
def opened_workbook(file: FileSource, *, empty: str) -> Iterator[Any]:
    """The workbook, read-only; a file that is empty (``empty`` says what to choose instead), not an
    .xlsx or broken inside raises ``WorkbookError`` with a Chinese sentence, whatever openpyxl raised."""
    data = read_bytes(file)
    if not data:
        raise WorkbookError(empty)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML, key and value errors for broken files
        logger.info("not a readable xlsx: %r", exc)
        raise WorkbookError(
            _(
                "文件不是有效的 Excel 工作簿（.xlsx），或文件已损坏。请用 Excel 或 WPS 另存为 .xlsx 格式后重新导入。"
            )
        ) from exc
    try:
        yield workbook
    except WorkbookError:
        raise
    except Exception as exc:
        logger.info("broken xlsx: %r", exc)
        raise WorkbookError(
            _("文件内容已损坏，无法读取。请用 Excel 或 WPS 另存为 .xlsx 后重新导入。")
        ) from exc
    finally:
        workbook.close()


def normalize_header(value: Any) -> str:
    text = re.sub(r"\s+", "", str(value or ""))
    # "法定时限(工作日)" and "法定时限（工作日）" mean 法定时限; a leading "*" marks a required column.
    return re.sub(r"[（(].*?[)）]$", "", text).lstrip("*＊")


def read_sheet(sheet: Any, name: str, columns: Sequence[Column]) -> list[SheetRow]:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise WorkbookError(_("“%(sheet)s”表是空的：第1行应为表头。") % {"sheet": name})
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        positions.setdefault(normalize_header(value), index)
    missing = [column.header for column in columns if column.required and column.header not in positions]
    if missing:
        raise WorkbookError(
            _("“%(sheet)s”表第1行缺少必填列：%(columns)s。")
            % {"sheet": name, "columns": "、".join(f"“{header}”" for header in missing)}
        )
    present = [(column, positions[column.header]) for column in columns if column.header in positions]
    parsed: list[SheetRow] = []
    for number, cells in enumerate(rows, start=2):
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue
        row = SheetRow(sheet=name, number=number, values={}, errors=[], failed=set())
        for column, index in present:
            raw = cells[index] if index < len(cells) else None
            try:
                value = parse(raw, column)
            except ValueError as exc:
                row.errors.append(str(exc))
                row.failed.add(column.field)
                continue
            if value is KEEP:
                continue
            row.values[column.field] = value
        parsed.append(row)
    return parsed


KEEP = object()


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse(raw: Any, column: Column) -> Any:
    if is_blank(raw):
        if column.required:
            raise ValueError(_("“%(column)s”不能为空") % {"column": column.header})
        if column.default is not None:
            return column.default
        if column.kind in (TEXT, CODE):
            return ""
        if column.kind in (REF, DATE, TIME):
            return None
        return KEEP
    if column.kind in (TEXT, CODE, REF):
        return parse_text(raw)
    if column.kind == INT:
        return parse_int(raw, column)
    if column.kind == BOOL:
        return parse_bool(raw, column)
    if column.kind == ENUM:
        return parse_enum(raw, column)
    if column.kind == DATE:
        return parse_date(raw, column)
    if column.kind == TIME:
        return parse_time(raw, column)
    raise AssertionError(column.kind)


def parse_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime.datetime):
        return raw.date().isoformat() if raw.time() == datetime.time() else raw.isoformat(sep=" ")
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    return str(raw).strip()


def parse_int(raw: Any, column: Column) -> int:
    value: int | None = None
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif isinstance(raw, str) and re.fullmatch(r"\s*[+-]?\d+(\.0+)?\s*", raw):
        value = int(float(raw))
    if value is None:
        raise ValueError(
            _("“%(column)s”应为整数，实际为“%(value)s”") % {"column": column.header, "value": parse_text(raw)}
        )
    if value < 0:
        raise ValueError(_("“%(column)s”不能为负数") % {"column": column.header})
    return value


def parse_bool(raw: Any, column: Column) -> bool:
    if isinstance(raw, bool):
        return raw
    word = parse_text(raw).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(
        _("“%(column)s”应填“是”或“否”，实际为“%(value)s”")
        % {"column": column.header, "value": parse_text(raw)}
    )


def parse_enum(raw: Any, column: Column) -> str:
    assert column.choices is not None
    text = parse_text(raw)
    for value, label in column.choices.choices:
        if text == str(label) or text.lower() == str(value).lower():
            return str(value)
    labels = "、".join(choice_labels(column))
    raise ValueError(
        _("“%(column)s”的值“%(value)s”无效，可选：%(choices)s")
        % {"column": column.header, "value": text, "choices": labels}
    )


def parse_date(raw: Any, column: Column) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = parse_text(raw)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if match:
        try:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise ValueError(
        _("“%(column)s”应为日期（如 2024-01-31），实际为“%(value)s”")
        % {"column": column.header, "value": text}
    )


def gist(message: str) -> str:
    return re.sub(r"[（(][^）)]*[）)]|[“”\s。]", "", message)


def unique(messages: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for message in messages:
        if message not in seen:
            seen.add(message)
            yield message


def parse_time(raw: Any, column: Column) -> datetime.time:
    if isinstance(raw, datetime.datetime):
        return raw.time()
    if isinstance(raw, datetime.time):
        return raw
    text = parse_text(raw)
    match = re.fullmatch(r"(\d{1,2})[:：点](\d{2})(?::\d{2})?", text)
    if match:
        try:
            return datetime.time(int(match[1]), int(match[2]))
        except ValueError:
            pass
    raise ValueError(
        _("“%(column)s”应为时间（如 08:30），实际为“%(value)s”") % {"column": column.header, "value": text}
    )


def full_clean_row(
    instance: models.Model, row: SheetRow, exclude: set[str], headers: dict[str, str], *, clean: bool = True
) -> None:
    """Add the model's own validation errors, except those the importer has already said in its words.

    ``clean=False`` checks the fields only, for a model whose ``clean()`` reads foreign-key ids that
    rows of the same file, not yet saved, cannot have: the importer then says the rule itself."""
    try:
        if clean:
            instance.full_clean(exclude=sorted(exclude), validate_unique=False)
        else:
            instance.clean_fields(exclude=sorted(exclude))
    except ValidationError as exc:
        said = [gist(error) for error in row.errors]
        for name, messages in exc.message_dict.items():
            if name in row.failed:
                continue  # the importer has said what is wrong with that cell
            for message in messages:
                if any(gist(message) in said_gist for said_gist in said):
                    continue
                if name == NON_FIELD_ERRORS:
                    row.errors.append(message.rstrip("。"))
                else:
                    label = headers.get(name) or getattr(instance._meta.get_field(name), "verbose_name", name)
                    row.errors.append(f"“{label}”：{message.rstrip('。')}")
