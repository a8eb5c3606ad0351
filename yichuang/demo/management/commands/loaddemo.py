"""``yichuang loaddemo``: load or refresh the demo county (idempotent)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from yichuang.demo.loader import demo_accounts, format_accounts, load_demo

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


def print_summary(command: BaseCommand, counts: dict[str, int], seconds: float) -> None:
    command.stdout.write(
        command.style.SUCCESS(f"演示数据已就绪（demo county loaded in {seconds:.1f}s）：浉河区")
    )
    for key, value in counts.items():
        command.stdout.write(f"  {COUNT_LABELS.get(key, key)} {key}: {value}")
    print_accounts(command)


def print_accounts(command: BaseCommand) -> None:
    command.stdout.write("")
    command.stdout.write(
        command.style.MIGRATE_HEADING("演示账号 Demo accounts（仅限演示，生产环境拒绝启动）：")
    )
    command.stdout.write(format_accounts(demo_accounts()))


class Command(BaseCommand):
    help = "加载或刷新演示县（浉河区）数据：区划、服务点、部门、事项目录、下放、一件事与演示账号。Load or refresh the demo county."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("正在加载演示数据 Loading the demo county…")
        started = time.monotonic()
        counts = load_demo(stdout=self.stdout)
        print_summary(self, counts, time.monotonic() - started)
