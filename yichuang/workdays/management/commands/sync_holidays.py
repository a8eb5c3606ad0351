"""``yichuang sync_holidays``: bring the package's years up to date (idempotent; safe on every deploy)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yichuang.workdays.services import holidays_sync_from_package


class Command(BaseCommand):
    help = "从 chinesecalendar 软件包同步节假日安排（已导入或管理员编辑过的年度保持不变）。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = holidays_sync_from_package()
        self.stdout.write(
            f"新增 {report.created} 条，更新 {report.updated} 条，删除 {report.deleted} 条；"
            f"新增年度 {len(report.years_added)} 个；重新计算办结期限的在办办件 {report.recounted} 件。"
        )
        if report.years_skipped:
            years = "、".join(str(y) for y in report.years_skipped)
            self.stdout.write(f"以下年度已由官方导入或管理员维护，未改动：{years}")
