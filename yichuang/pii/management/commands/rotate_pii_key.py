"""``yichuang rotate_pii_key``: a new SM4 key for personal data, and every row sealed again under it.

Safe to stop and run again (``--no-new-key`` resumes with the current key): each batch commits on its
own and a row already under the current key is skipped. With ``--retire`` the keys no longer named
by any row leave the key file at the end.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from yichuang.pii.fields import sealed_fields
from yichuang.pii.keys import FileKeyBackend, backend, forget_keys, keyring
from yichuang.pii.migration import reseal


def sealed_models() -> list[Any]:
    return [m for m in apps.get_models() if sealed_fields(m)]


def rows_under_other_keys(model: Any, current: str) -> int:
    """Rows with a value of a sealed column not under ``current`` (read from the raw columns)."""
    table = connection.ops.quote_name(model._meta.db_table)
    conditions = " OR ".join(
        f"({connection.ops.quote_name(f.column)} <> '' AND {connection.ops.quote_name(f.column)} NOT LIKE %s)"
        for f in sealed_fields(model)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} WHERE {conditions}",
            [f"s1.{current}.%"] * len(sealed_fields(model)),
        )
        return int(cursor.fetchone()[0])


class Command(BaseCommand):
    help = "轮换个人信息加密密钥：生成新密钥，并分批用新密钥重新加密所有个人信息。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-new-key", action="store_true", help="不生成新密钥，用当前密钥继续（中断后续做）"
        )
        parser.add_argument("--batch", type=int, default=2000, help="每批行数（默认 2000）")
        parser.add_argument("--retire", action="store_true", help="完成后从密钥文件中删除不再使用的旧密钥")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch 至少为 1")
        if not options["no_new_key"]:
            key_id = backend().add_key()
            forget_keys()
            self.stdout.write(f"新密钥 {key_id} 已成为当前密钥（new current key）。")
        current = keyring().current
        for model in sealed_models():
            total = model._base_manager.count()
            done = 0

            def progress(n: int, *, label: str = model._meta.label, total: int = total) -> None:
                nonlocal done
                done += n
                self.stdout.write(f"{label}: {done}/{total}")

            # Each batch's bulk_update commits on its own (autocommit): a stop loses one batch at most.
            reseal(model, connection, batch=options["batch"], key_id=current, progress=progress)
            left = rows_under_other_keys(model, current)
            if left:
                raise CommandError(f"{model._meta.label}: 仍有 {left} 行不是用当前密钥加密的，请重新运行。")
        self.stdout.write(
            self.style.SUCCESS(f"全部个人信息已用密钥 {current} 重新加密（all rows under {current}）。")
        )
        if options["retire"]:
            store = backend()
            if not isinstance(store, FileKeyBackend):
                raise CommandError("--retire 只适用于密钥文件；密钥管理服务中的旧密钥请在服务中停用。")
            retired = store.retire_except(current)
            forget_keys()
            self.stdout.write(f"已删除旧密钥（retired）：{', '.join(retired) or '无'}")
