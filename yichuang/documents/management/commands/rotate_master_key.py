"""``yichuang rotate_master_key --new-key-file FILE [--generate]``: re-encrypt every seal's private key."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yichuang.documents.ceremony import CeremonyError, master_key_rotate


class Command(BaseCommand):
    help = (
        "用新的主密钥重新加密全部电子印章私钥（SEAL_MASTER_KEY）：当前主密钥须能解开全部私钥，否则不做任何改动；"
        "全部成功才保存。完成后把 SEAL_MASTER_KEY_FILE 指向新密钥文件并重启应用和 Celery。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--new-key-file",
            required=True,
            help="新主密钥文件（32位十六进制）；与 --generate 一起用时在此新建（仅本人可读，不覆盖已有文件）",
        )
        parser.add_argument("--generate", action="store_true", help="随机生成新主密钥并写入 --new-key-file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["new_key_file"])
        if options["generate"]:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError as exc:
                raise CommandError(f"{path} 已存在，为免覆盖密钥，请换一个文件名。") from exc
            except OSError as exc:
                raise CommandError(f"无法创建 {path}：{exc.strerror or exc}") from exc
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(16) + "\n")
        try:
            new_key = path.read_text().strip()
        except OSError as exc:
            raise CommandError(f"无法读取新主密钥文件 {path}：{exc.strerror or exc}") from exc
        try:
            rotation = master_key_rotate(new_key=new_key)
        except CeremonyError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已用新主密钥（标识 {rotation.new_key_id}）重新加密 {rotation.seals} 枚印章的私钥"
                f"（原主密钥标识 {rotation.old_key_id}）。"
            )
        )
        self.stdout.write(
            f"下一步：把 SEAL_MASTER_KEY_FILE 指向 {path.resolve()}（或把 SEAL_MASTER_KEY 换成新值），"
            "重启 gunicorn、Celery worker 和 beat；在此之前它们无法签章。"
            "旧主密钥请保留到用它备份的数据库全部过期：恢复旧备份时需要它。"
        )
