"""``yichuang demo --addr 127.0.0.1:PORT``: migrate, load the demo county, print the accounts, serve."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yichuang.demo.loader import load_demo
from yichuang.demo.management.commands.loaddemo import print_summary


class Command(BaseCommand):
    help = "迁移数据库、加载演示县并启动服务。Migrate, load the demo county and serve (runserver --noreload)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--addr",
            default="127.0.0.1:8000",
            help="监听地址 address:port to serve on (default 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="只迁移和加载，不启动服务 (migrate and load only)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "生产环境（YICHUANG_ENV=production）禁止运行演示服务。Refusing to run the demo in production."
            )
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"数据目录 data directory: {settings.DATA_DIR}")
        self.stdout.write("正在迁移数据库 Migrating…")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("正在加载演示数据 Loading the demo county…")
        started = time.monotonic()
        counts = load_demo(stdout=self.stdout)
        print_summary(self, counts, time.monotonic() - started)
        if options["no_serve"]:
            return
        addr: str = options["addr"]
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"启动服务 Serving on http://{addr}/ （工作人员登录 /login/，自助终端 /kiosk/，API 文档 /api/docs/，管理后台 /admin/）"
            )
        )
        call_command("runserver", addr, use_reloader=False)
