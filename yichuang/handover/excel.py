"""A handover list as an .xlsx workbook, laid out to be printed and signed (one sheet per list)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from yichuang.handover.models import Handover
from yichuang.handover.selectors import HandoverSheet, handover_sheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTHS = (6, 24, 30, 12, 12, 12, 14, 24, 24)
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def export_handovers(handovers: Iterable[Handover]) -> bytes:
    """Each list (fetched with ``selectors.with_details``) on its own sheet, in Chinese."""
    with translation.override("zh-hans"):
        workbook = Workbook()
        workbook.remove(workbook.active)
        for handover in handovers:
            _write(workbook.create_sheet(handover.number[:31]), handover_sheet(handover))
        if not workbook.worksheets:
            workbook.create_sheet(_("移交清单"))
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


def _write(sheet: Worksheet, data: HandoverSheet) -> None:
    columns = data.columns()
    last = get_column_letter(len(columns))
    sheet.append([_("移交清单")])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    for label, value in data.header:
        sheet.append([label, None, value])
        row = sheet.max_row
        sheet.merge_cells(f"A{row}:B{row}")
        sheet.merge_cells(f"C{row}:{last}{row}")
        sheet[f"A{row}"].font = Font(bold=True)
    sheet.append([])
    sheet.append(columns)
    heading = sheet.max_row
    for index in range(1, len(columns) + 1):
        cell = sheet.cell(row=heading, column=index)
        cell.font = Font(bold=True)
        cell.border = _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in data.rows:
        sheet.append(
            [
                row.position,
                row.case_number,
                row.item_name,
                row.applicant,
                row.accepted_at,
                row.case_status,
                row.state,
                row.note,
                row.receipt_note,
            ]
        )
        for index in range(1, len(columns) + 1):
            cell = sheet.cell(row=sheet.max_row, column=index)
            cell.border = _BOX
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            if index == 5:
                cell.number_format = "yyyy-mm-dd"
    sheet.append([])
    sheet.append([_("移交人（签字）："), None, None, None, _("接收人（签字）：")])
    sheet.append([_("日期："), None, None, None, _("日期：")])
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.print_title_rows = f"{heading}:{heading}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
