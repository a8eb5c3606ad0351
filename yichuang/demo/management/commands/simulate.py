"""``yichuang simulate``: run a realistic month of the demo county through the real services."""

from __future__ import annotations

import datetime as dt
import logging
import time
import warnings
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from yichuang.cases.deadlines import sweep_deadlines
from yichuang.demo.simulate import Simulation
from yichuang.queue.rollup import queue_rollup
from yichuang.stats.services import rollup_all
from yichuang.workdays.calendar import month_end

LABELS = {
    "arrive": "申请人到窗口/代办员提交",
    "accept": "代办件受理",
    "supplement": "补正后受理",
    "review": "后台审查",
    "resume": "恢复办理",
    "decide": "审批决定",
    "deliver": "送达",
    "rate": "好差评",
    "callback": "差评回访",
    "rectified": "整改办结",
    "ticket": "12345工单登记",
    "ticket_accept": "工单签收",
    "ticket_reply": "工单答复办结",
    "ticket_revisit": "工单回访",
    "left_open": "月末仍在办理的步骤",
    "queue": "窗口叫号办理",
    "appointment": "预约签到取号",
    "appointment_missed": "预约爽约",
}


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise CommandError("月份格式应为 YYYY-MM，例如 2026-10。") from None


class Command(BaseCommand):
    help = (
        "模拟演示县一个月的办件：受理、补正、审批、中止、送达、好差评与整改，全部经由真实业务服务；"
        "结束后更新统计。Simulate a month of the demo county through the real services."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", type=_month, help="模拟的月份 YYYY-MM（默认上个月）")
        parser.add_argument("--cases", type=int, default=800, help="本月申请件数（默认800，约3分钟）")
        parser.add_argument(
            "--tickets", type=int, default=None, help="本月12345工单数（默认为申请件数的1/4）"
        )
        parser.add_argument("--seed", type=int, default=20261121, help="随机种子（同一种子结果相同）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        first = options["month"] or (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        last = min(month_end(first), today)
        if first > today:
            raise CommandError("不能模拟未来的月份。")
        if options["cases"] < 1:
            raise CommandError("--cases 至少为1。")
        tickets = options["tickets"] if options["tickets"] is not None else options["cases"] // 4
        simulation = Simulation(
            first=first, last=last, cases=options["cases"], tickets=tickets, seed=options["seed"]
        )
        self.stdout.write(
            f"模拟 {first:%Y-%m}（{first} 至 {last}），{options['cases']} 件申请，{tickets} 件12345工单 …"
        )
        started = time.monotonic()
        # Each step logs at INFO (SMS queued and sent); the progress bar says more here. The levels are
        # put back afterwards: the command may run inside a longer process (the test suite).
        quiet = {name: logging.getLogger(name) for name in ("yichuang", "celery")}
        levels = {name: logger.level for name, logger in quiet.items()}
        for logger in quiet.values():
            logger.setLevel(logging.WARNING)
        # A due date in a year without an official holiday schedule warns at every case; under the bar
        # that would be dozens of the same lines. Gathered here, each distinct warning is said once.
        try:
            with (
                warnings.catch_warnings(record=True) as caught,
                tqdm(total=simulation.total_steps_hint(), unit="步", desc="模拟", file=self.stderr) as bar,
            ):
                warnings.simplefilter("always")
                for _label in simulation.steps():
                    bar.update(1)
        finally:
            for name, logger in quiet.items():
                logger.setLevel(levels[name])
        for message in dict.fromkeys(str(w.message) for w in caught):
            hint = "（yichuang import_holidays 录入该年安排）" if "节假日安排" in message else ""
            self.stderr.write(self.style.WARNING(f"注意 warning：{message}{hint}"))
        counted = rollup_all()
        # The month's numbers were taken on days the nightly queue rollup may already have summed.
        queue_rollup(since=first)
        sweep = sweep_deadlines(today=last)
        self.stdout.write(self.style.SUCCESS(f"完成，用时 {time.monotonic() - started:.0f} 秒。"))
        for key, value in sorted(simulation.tally.items()):
            label = LABELS.get(key.removesuffix("_refused"), key)
            suffix = "（被拒绝）" if key.endswith("_refused") else ""
            self.stdout.write(f"  {label}{suffix} {key}: {value}")
        self.stdout.write(
            f"  统计汇总的事件 rollup events: {counted}；到期预警 {sweep.warned}，超期督办 {sweep.escalated}"
        )
        self.stdout.write(f"数据看板：/api/v1/stats/dashboard/?from={first:%Y-%m}")
        self.stdout.write(f"排队统计：/api/v1/queue/figures/?from={first}&to={last}")
