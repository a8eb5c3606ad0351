"""``yichuang import_certificate_layouts FILE``: the certificate layouts (证照模板) from an Excel workbook."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yichuang.common.excel import WorkbookError
from yichuang.licenses.excel import import_layouts


class Command(BaseCommand):
    help = "从 Excel 工作簿（证照模板、证照栏目两张表）导入证照模板；有任何错误时不保存。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="xlsx 文件路径")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = import_layouts(options["file"])
        except WorkbookError as exc:
            raise CommandError(str(exc)) from exc
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"共 {len(result.errors)} 处错误，未导入任何数据。")
        self.stdout.write(self.style.SUCCESS(result.summary()))
