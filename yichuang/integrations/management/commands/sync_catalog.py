"""``yichuang sync_catalog FILE [--dry-run]``: the province's 事项库 export into the county's catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from yichuang.integrations.catalog_sync import catalog_sync, read_export


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "按省事项库导出文件（JSON）同步本县事项：按实施编码/基本编码对应，内容变化才生成新版本；新事项为草稿"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="只报告将发生的变化，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            records = read_export(Path(options["file"]).read_bytes())
        except (OSError, ValueError) as exc:
            raise CommandError(f"无法读取导出文件：{exc}") from exc
        total = len(records)

        def progress(n: int) -> None:
            if n == total or n % 50 == 0:
                self.stdout.write(f"  {n}/{total}")

        try:
            with transaction.atomic():
                result = catalog_sync(records, progress=progress)
                if options["dry_run"]:
                    raise _DryRun
        except _DryRun:
            self.stdout.write("（试运行，未写入 dry run, nothing written）")
        self.stdout.write(result.summary())
        for old, new in result.recoded:
            self.stdout.write(f"  实施编码 {old} → {new}")
        for code, why in result.skipped:
            self.stdout.write(f"  跳过 {code}：{why}")
