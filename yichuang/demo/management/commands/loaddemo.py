"""``yichuang loaddemo``: load or refresh the demo county (idempotent); ``--counties 2`` adds the
second county of the city, its supervisors and the county administrators (decision 144)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yichuang.demo.loader import counties_for, demo_accounts, format_accounts, load_demo

COUNT_LABELS = {
    "regions": "行政区划",
    "towns": "乡镇（街道）",
    "villages": "村（社区）",
    "points": "服务点",
    "town_centers": "便民服务中心",
    "village_stations": "便民服务站",
    "bank_outlets": "政银合作网点",
    "kiosks": "自助终端",
    "windows": "窗口",
    "departments": "部门",
    "license_types": "证照类型",
    "items": "已发布事项",
    "materials": "申请材料",
    "item_versions": "事项版本",
    "offers": "服务点认领事项",
    "delegations": "权限下放",
    "bundles": "一件事",
    "staff": "演示账号",
    "seals": "电子印章",
    "hotline_categories": "12345诉求分类",
    "hotline_rules": "12345派单规则",
}


def print_summary(command: BaseCommand, counts: dict[str, int], seconds: float, counties: int = 1) -> None:
    names = "、".join(c.name for c in counties_for(counties))
    what = "demo county" if counties == 1 else f"{counties} demo counties"
    command.stdout.write(command.style.SUCCESS(f"演示数据已就绪（{what} loaded in {seconds:.1f}s）：{names}"))
    for key, value in counts.items():
        command.stdout.write(f"  {COUNT_LABELS.get(key, key)} {key}: {value}")
    print_accounts(command, counties)


def print_accounts(command: BaseCommand, counties: int = 1) -> None:
    command.stdout.write("")
    command.stdout.write(
        command.style.MIGRATE_HEADING("演示账号 Demo accounts（仅限演示，生产环境拒绝启动）：")
    )
    command.stdout.write(format_accounts(demo_accounts(counties), counties))


class Command(BaseCommand):
    help = "加载或刷新演示县（浉河区）数据：区划、服务点、部门、事项目录、下放、一件事与演示账号。Load or refresh the demo county."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--counties",
            type=int,
            default=1,
            help="加载几个县区：1 只有浉河区（默认）；2 再加同市的平桥区、市和省督查、各县区管理员。"
            "How many counties of the city to load (default 1; 2 adds 平桥区).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counties: int = options["counties"]
        counties_for(counties)  # a wrong number is refused before anything is loaded
        self.stdout.write(
            "正在加载演示数据 Loading the demo county…"
            if counties == 1
            else f"正在加载演示数据 Loading {counties} demo counties…"
        )
        started = time.monotonic()
        counts = load_demo(stdout=self.stdout, counties=counties)
        print_summary(self, counts, time.monotonic() - started, counties)
