"""``yichuang send_pending_sms``: send queued and failed SMS whose time has come (cron, or by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yichuang.notify.services import sms_retry_pending


class Command(BaseCommand):
    help = "发送到期的待发送和发送失败的短信（无后台任务进程时用定时任务调用）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="本次最多处理的短信条数")

    def handle(self, *args: Any, **options: Any) -> None:
        result = sms_retry_pending(limit=options["limit"])
        self.stdout.write(f"尝试发送 {result.attempted} 条：成功 {result.sent} 条，失败 {result.failed} 条。")
