"""``yichuang import_holidays FILE [--year 2027]``: store a year's official schedule from CSV/xlsx."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yichuang.workdays.services import ScheduleImportError, holidays_import


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"发布日期“{value}”无效，应为 YYYY-MM-DD。") from exc


class Command(BaseCommand):
    help = "导入某年度的官方节假日安排（CSV 或 .xlsx，列：日期, 类型(休/班), 名称），替换该年度原有记录。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV 或 .xlsx 文件")
        parser.add_argument("--year", type=int, help="年度；给出时每一行都必须属于该年度")
        parser.add_argument("--published", help="通知发布日期 YYYY-MM-DD")
        parser.add_argument("--note", default="", help="备注，例如文号")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        published = _date(options["published"]) if options["published"] else None
        try:
            report = holidays_import(
                content=content, year=options["year"], published=published, note=options["note"]
            )
        except ScheduleImportError as exc:
            raise CommandError("导入失败，未保存任何记录：\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已导入 {report.year} 年节假日安排 {report.days} 条（替换原有 {report.replaced} 条）；"
                f"{report.recounted} 件在办办件的办结期限已重新计算。"
            )
        )
