"""``yichuang fetchassets``: the front-end libraries no Python package ships (ECharts), from the npm
registry, checked against their pinned integrity (``yichuang.web.assets``). Run by ``make setup``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yichuang.web.assets import ASSETS, AssetError, fetch, folder_of


class Command(BaseCommand):
    help = (
        "从 npm 仓库下载页面所需的前端组件（ECharts），按固定版本的 sha512 校验后放入静态文件目录；"
        "已就绪时不再下载。Fetch the pinned front-end libraries from the npm registry (NPM_REGISTRY)."
    )
    # The check that warns about a missing asset must not stand in the way of the command that fetches it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="即使已就绪也重新下载并校验")

    def handle(self, *args: Any, **options: Any) -> None:
        registry = settings.NPM_REGISTRY
        for asset in ASSETS:
            try:
                fetched = fetch(asset, registry=registry, force=options["force"])
            except AssetError as exc:
                raise CommandError(str(exc)) from exc
            if fetched:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{asset.label}：已从 {registry} 下载并校验 → {folder_of(asset)}"
                        f"（downloaded and verified）"
                    )
                )
            else:
                self.stdout.write(f"{asset.label}：已就绪（already present）")
