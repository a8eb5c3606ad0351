"""``yichuang rollup_stats``: bring the dashboard's rollups up to date now (Celery beat does it every
few minutes); ``--rebuild-ratings`` recounts the satisfaction rollup from the ratings."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yichuang.ratings.rollup import rebuild
from yichuang.stats.services import rollup_all


class Command(BaseCommand):
    help = "统计汇总：把新的办件记录计入月度统计；--rebuild-ratings 按评价重新汇总满意度。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild-ratings", action="store_true", help="按全部评价重新汇总月度评价统计（导入数据后使用）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        events = rollup_all()
        self.stdout.write(f"计入办件记录 {events} 条。")
        if options["rebuild_ratings"]:
            rows = rebuild()
            self.stdout.write(f"月度评价统计重新汇总为 {rows} 行。")
