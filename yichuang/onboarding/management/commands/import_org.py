"""``yichuang import_org FILE [--dry-run] [--passwords FILE]``: set up a county from its workbook."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from yichuang.onboarding.importer import ImportResult, import_org


class Command(BaseCommand):
    help = (
        "从 Excel 工作簿导入行政区划、服务点、办公时间、窗口、部门、证照类型和工作人员；"
        "任何一行有错都不保存，并列出所有错误（工作表和行号）。按编码更新，可重复导入。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="xlsx 文件路径（export_org 导出的格式）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不保存")
        parser.add_argument(
            "--passwords",
            default="",
            metavar="FILE",
            help="把新账号的一次性初始密码写入此 CSV 文件（仅本人可读，不覆盖已有文件），而不是显示在屏幕上",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        passwords = Path(options["passwords"]) if options["passwords"] else None
        if passwords is not None and passwords.exists():
            raise CommandError(f"密码文件 {passwords} 已存在，为免覆盖，请换一个文件名。")
        bar: tqdm[Any] | None = None

        def start(total: int) -> None:
            nonlocal bar
            # Shown on a terminal only; each new account's password hash takes about a second.
            bar = tqdm(total=total, unit="行", desc="导入", file=self.stderr, disable=None)

        try:
            result = import_org(
                options["file"],
                dry_run=options["dry_run"],
                on_total=start,
                progress=lambda n: bar.update(n) if bar is not None else None,
            )
        finally:
            if bar is not None:
                bar.close()
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"共 {len(result.errors)} 处错误，未导入任何数据。")
        self.stdout.write(self.style.SUCCESS(result.summary()))
        if result.passwords:
            self._hand_out(result, passwords)

    def _hand_out(self, result: ImportResult, path: Path | None) -> None:
        """The one-time passwords exist only here: the database keeps their hashes."""
        if path is not None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow(["用户名", "姓名", "一次性初始密码"])
                writer.writerows(result.passwords)
            self.stdout.write(
                f"新账号 {len(result.passwords)} 个，初始密码已写入 {path}（仅本人可读）。"
                "请逐一交给本人后删除该文件。"
            )
            return
        self.stdout.write(
            f"新账号 {len(result.passwords)} 个的一次性初始密码（只显示这一次，系统中不保存明文）："
        )
        for username, name, password in result.passwords:
            self.stdout.write(f"  {username}\t{name}\t{password}")
        self.stdout.write("请逐一交给本人。New accounts' one-time passwords, shown only once.")
