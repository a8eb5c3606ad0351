"""``yichuang sweep_deadlines``: 到期预警 and 超期督办 once (cron, or by hand; Celery beat runs it daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yichuang.cases.deadlines import sweep_deadlines


class Command(BaseCommand):
    help = "到期预警与超期督办：提醒承办人（到期前2个工作日）和督查人员（超期后），同一提醒只发一次。"

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep_deadlines()
        self.stdout.write(f"到期预警 {result.warned} 条，超期督办 {result.escalated} 条。")
