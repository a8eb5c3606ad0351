"""``import_org``: set up (or update) a county's organization from the workbook of ``sheets.py``.

All or nothing, like the catalog import: every row of every sheet is read and checked against the
rest of the file and the database first, and every problem is reported with its sheet, its row
number as Excel shows it (header = 1) and a Chinese reason. Only a file without a single bad row is
stored, in one transaction. Rows are found by their natural key (licence type, region, point and
department code; point + window number; username), so importing the same file again changes
nothing, and a changed row is updated in place.

Passwords: an account that the file creates gets a random one-time password, shown once when the
import ends (``ImportResult.passwords``); an account that exists keeps its password and its demo flag,
so importing the demo county's export over the demo cannot turn a demo account into a "real" one
that still opens with the demo password (decision in docs/decisions.md).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from yichuang.common.excel import (
    FileSource,
    RowError,
    SheetRow,
    StoreError,
    WorkbookError,
    opened_workbook,
    read_sheet,
)
from yichuang.onboarding.sheets import SHEETS
from yichuang.onboarding.validation import Plan, Validator
from yichuang.org.models import Staff
from yichuang.queue.models import OpeningHours

logger = logging.getLogger(__name__)

#: Readable one-time passwords: no 0/O, 1/l/I.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def one_time_password() -> str:
    """Three groups of four (about 70 bits), easy to read out and type: ``k7Hq-M2xe-9TfR``."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


@dataclass
class ImportResult:
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    removed_hours: int = 0
    #: (username, full name, one-time password) of the accounts this import created.
    passwords: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        parts = []
        for sheet in SHEETS:
            created, updated = self.created.get(sheet.name, 0), self.updated.get(sheet.name, 0)
            same = self.unchanged.get(sheet.name, 0)
            if created or updated or same:
                parts.append(
                    _("%(sheet)s：新增 %(created)s，更新 %(updated)s，未变 %(same)s")
                    % {"sheet": sheet.name, "created": created, "updated": updated, "same": same}
                )
        prefix = _("校验通过（未保存）") if self.dry_run else _("导入完成")
        text = prefix + "。" + "；".join(parts) + "。"
        if self.removed_hours:
            text += _("删除文件中没有的办公时段 %(n)s 条。") % {"n": self.removed_hours}
        return text


class _DryRun(Exception):
    pass


def import_org(
    file: FileSource,
    *,
    dry_run: bool = False,
    progress: Callable[[int], Any] | None = None,
    on_total: Callable[[int], Any] | None = None,
) -> ImportResult:
    """Read the workbook and store it, or report every bad row and store nothing.

    ``on_total`` is told how many rows will be written, ``progress`` is called once per row written
    (the command's progress bar)."""
    result = ImportResult(dry_run=dry_run)
    with translation.override("zh-hans"):
        try:
            sheets = _read_workbook(file)
        except WorkbookError as exc:
            result.errors.append(RowError("", None, str(exc)))
            return result
        plan = Validator(sheets).validate(result.errors)
        if not result.ok:
            return result
        if on_total is not None:
            on_total(len(plan.entries))
        try:
            with transaction.atomic():
                _store(plan, result, dry_run=dry_run, progress=progress)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            result.passwords = []
        except StoreError as exc:
            logger.warning("organization import failed while storing: %s", exc.error)
            result.created, result.updated, result.unchanged, result.passwords = {}, {}, {}, []
            result.errors.append(exc.row_error())
    return result


def _read_workbook(file: FileSource) -> dict[str, list[SheetRow]]:
    with opened_workbook(file, empty=_("文件为空，请选择组织机构 Excel 工作簿（.xlsx）。")) as workbook:
        present = [sheet for sheet in SHEETS if sheet.name in workbook.sheetnames]
        if not present:
            raise WorkbookError(
                _(
                    "工作簿中没有可导入的工作表，应至少有其中之一：%(sheets)s。请使用 export_org 导出的模板填写。"
                )
                % {"sheets": "、".join(f"“{sheet.name}”" for sheet in SHEETS)}
            )
        return {sheet.name: read_sheet(workbook[sheet.name], sheet.name, sheet.columns) for sheet in present}


def _store(plan: Plan, result: ImportResult, *, dry_run: bool, progress: Callable[[int], Any] | None) -> None:
    new_staff = {id(staff) for staff in plan.new_staff}
    for entry in plan.entries:
        counter = result.created if entry.is_new else result.updated if entry.changed else result.unchanged
        counter[entry.sheet] = counter.get(entry.sheet, 0) + 1
        if entry.changed:
            obj = entry.obj
            if id(obj) in new_staff and not dry_run:
                assert isinstance(obj, Staff)
                password = one_time_password()
                obj.password = make_password(password)
                result.passwords.append((obj.username, obj.get_full_name(), password))
            try:
                obj.save()  # a row of this file it refers to was saved before it: Django takes its key
            except (DatabaseError, ValueError) as exc:
                raise StoreError(
                    entry.sheet, entry.row, _("数据库拒绝保存（%(error)s）") % {"error": exc}
                ) from exc
        if progress is not None:
            progress(1)
    if plan.stale_hours:
        result.removed_hours = OpeningHours.objects.filter(pk__in=plan.stale_hours).delete()[0]
