"""``yichuang import_catalog FILE [--dry-run] [--user NAME]``: load the catalog from an Excel workbook."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yichuang.catalog.excel import import_catalog


class Command(BaseCommand):
    help = "从 Excel 工作簿（导出格式）导入政务服务事项目录；有任何错误时不保存。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="xlsx 文件路径")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不保存")
        parser.add_argument("--user", default="", help="记为版本发布人的工作人员用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            try:
                actor = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"用户“{options['user']}”不存在。") from exc
        result = import_catalog(options["file"], actor=actor, dry_run=options["dry_run"])
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"共 {len(result.errors)} 处错误，未导入任何数据。")
        self.stdout.write(self.style.SUCCESS(result.summary()))
