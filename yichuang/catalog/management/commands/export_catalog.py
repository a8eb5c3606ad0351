"""``yichuang export_catalog FILE``: write the catalog to an Excel workbook that import_catalog reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yichuang.catalog.excel import export_catalog
from yichuang.catalog.models import ServiceItem


class Command(BaseCommand):
    help = "把政务服务事项目录（事项、材料、下放）导出为 Excel 工作簿。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="输出的 xlsx 文件路径")
        parser.add_argument("--status", default="", help="只导出该状态的事项（draft/published/…）")

    def handle(self, *args: Any, **options: Any) -> None:
        items = ServiceItem.objects.all()
        if options["status"]:
            items = items.filter(status=options["status"])
        path = Path(options["file"])
        try:
            path.write_bytes(export_catalog(items))
        except OSError as exc:
            raise CommandError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已导出 {items.count()} 个事项到 {path}"))
