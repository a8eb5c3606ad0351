"""``yichuang demo --addr 127.0.0.1:PORT``: migrate, load the demo county, print the accounts, serve.

The demo is what outsiders evaluate, so it serves like the product: ``DEBUG`` off unless the
environment sets it, verification links that name the address served unless ``PUBLIC_URL`` is set,
and, without Redis, the Celery beat schedule running in the serving process (``yichuang.beat``).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.commands.runserver import naiveip_re
from django.http.request import validate_host

from yichuang.beat import in_process_beat_start, in_process_beat_stop
from yichuang.demo.loader import load_demo
from yichuang.demo.management.commands.loaddemo import print_summary

WILDCARD_HOSTS = {"0.0.0.0", "::", "[::]"}


@dataclass(frozen=True)
class Address:
    """Where runserver listens (``host`` as runserver reads it, brackets kept for IPv6)."""

    host: str
    port: str

    @property
    def url(self) -> str:
        """The address a browser on this machine opens (a wildcard host is reached at 127.0.0.1)."""
        host = "127.0.0.1" if self.host in WILDCARD_HOSTS else self.host
        return f"http://{host}:{self.port}"

    @property
    def host_header(self) -> str:
        return "127.0.0.1" if self.host in WILDCARD_HOSTS else self.host


def parse_addr(addr: str) -> Address:
    """``PORT``, ``HOST:PORT`` or ``[IPv6]:PORT``, as runserver accepts them."""
    match = naiveip_re.match(addr or "")
    if match is None:
        raise CommandError(
            f"监听地址应为 HOST:PORT，例如 127.0.0.1:8000。--addr must be HOST:PORT, got {addr!r}"
        )
    parts = match.groupdict()
    return Address(host=parts["addr"] or "127.0.0.1", port=parts["port"])


def configure_for(address: Address) -> list[str]:
    """Settings for a demo served at ``address``; returns a line of explanation for each one chosen.

    Only this process changes: the values the environment sets are kept as they are.
    """
    notes = []
    if "DEBUG" not in os.environ:
        # Django's debug pages are English and list the whole URLconf; a demo shows the product's own
        # error pages. Static files are served by WhiteNoise either way (WHITENOISE_USE_FINDERS).
        settings.DEBUG = False
        notes.append(
            "DEBUG 关闭，与生产环境一致（需要调试页面时设置环境变量 DEBUG=1）。DEBUG is off (set DEBUG=1 to debug)."
        )
    if not os.environ.get("PUBLIC_URL", "").strip():
        # The address printed under each document's QR code and in its verify_url.
        settings.PUBLIC_URL = address.url
        notes.append(f"文书核验地址 PUBLIC_URL = {address.url}（可用环境变量 PUBLIC_URL 指定）")
    if not os.environ.get("SMS_BACKEND", "").strip():
        # A tester reads the messages, citizens' sign-in codes among them, on this console (the number
        # masked, the text whole); the outbox in the admin keeps them too.
        settings.SMS_BACKEND = "console"
        notes.append(
            "短信打印在本控制台（号码脱敏，内容完整，含群众登录验证码）。SMS are printed on this console."
        )
    # With DEBUG off WhiteNoise also reads STATIC_ROOT (empty in a demo) and warns when it is missing.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    if not validate_host(address.host_header, settings.ALLOWED_HOSTS):
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, address.host_header]
    return notes


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    # Like Ctrl-C: leave runserver through the ``finally`` that stops the beat and saves its schedule.
    sys.exit(0)


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
        addr: str = options["addr"]
        address = parse_addr(addr)
        notes = [] if options["no_serve"] else configure_for(address)
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
        self.stdout.write("")
        for note in notes:
            self.stdout.write(note)
        beat = in_process_beat_start()
        if beat is not None:
            self.stdout.write(
                "定时任务在本进程中运行（未设置 REDIS_URL）：数据看板每2分钟自动更新，到期预警、评价邀请、"
                "预约爽约、短信重发按计划执行。Periodic tasks run in this process (no REDIS_URL)."
            )
        else:
            self.stdout.write(
                "已设置 REDIS_URL：定时任务由单独的 celery -A yichuang beat 进程运行，任务由 celery worker 执行。"
                "REDIS_URL is set: run celery beat and a worker beside this server."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"启动服务 Serving on {address.url}/ （工作人员登录 /login/，自助终端 /kiosk/，API 文档 /api/docs/，管理后台 /admin/）"
            )
        )
        main = threading.current_thread() is threading.main_thread()  # only it may set signal handlers
        previous = signal.signal(signal.SIGTERM, _stop_on_sigterm) if main else None
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)
            if beat is not None and not in_process_beat_stop(beat):
                self.stderr.write("定时任务线程未能在60秒内停止。The beat thread did not stop within 60 s.")
