"""``yichuang export_certificate_layouts FILE``: every certificate layout (证照模板) as an Excel workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yichuang.licenses.excel import export_layouts
from yichuang.licenses.models import CertificateLayout


class Command(BaseCommand):
    help = "把全部证照模板导出为 Excel 工作簿（可修改后用 import_certificate_layouts 导入）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="xlsx 文件路径")

    def handle(self, *args: Any, **options: Any) -> None:
        layouts = CertificateLayout.objects.select_related("license_type").prefetch_related("fields")
        Path(options["file"]).write_bytes(export_layouts(layouts))
        self.stdout.write(self.style.SUCCESS(f"已导出 {layouts.count()} 个证照模板：{options['file']}"))
