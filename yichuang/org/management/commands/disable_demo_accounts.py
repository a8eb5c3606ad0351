"""``yichuang disable_demo_accounts``: switch off every demo account (production refuses them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yichuang.org.checks import demo_accounts_disable


class Command(BaseCommand):
    help = (
        "停用全部演示账号（yichuang loaddemo 或 simulate 建立、带“演示账号”标记的账号）并删除其 API 令牌；"
        "生产环境有启用的演示账号时拒绝启动。Switch off every demo account and drop its API token."
    )
    # The check that refuses demo accounts must not stand in the way of the command that removes them.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        names = demo_accounts_disable()
        if not names:
            self.stdout.write("没有启用的演示账号。No active demo account.")
            return
        self.stdout.write(
            self.style.SUCCESS(f"已停用 {len(names)} 个演示账号 (disabled {len(names)} demo accounts)：")
            + "、".join(names)
        )
