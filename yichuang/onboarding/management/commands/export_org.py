"""``yichuang export_org FILE [--template]``: the organization as the workbook import_org reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yichuang.onboarding.sheets import export_org


class Command(BaseCommand):
    help = (
        "把行政区划、服务点、办公时间、窗口、部门、证照类型和工作人员导出为 Excel 工作簿（import_org 的格式）；"
        "--template 只导出表头和“说明”表。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="输出的 xlsx 文件路径")
        parser.add_argument("--template", action="store_true", help="空白模板：只有表头和“说明”表")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            path.write_bytes(export_org(template=options["template"]))
        except OSError as exc:
            raise CommandError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc
        if not options["template"]:
            from yichuang.audit.models import SecurityKind
            from yichuang.audit.services import security_record

            # staff names and phones leave the system: a security event (from the command line: no actor)
            security_record(SecurityKind.EXPORT, subject=f"export_org {path.name}", note=str(path))
        what = "空白模板" if options["template"] else "组织机构"
        self.stdout.write(self.style.SUCCESS(f"已导出{what}到 {path}（不含密码）。"))
