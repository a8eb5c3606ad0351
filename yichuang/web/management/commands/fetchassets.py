"""``yichuang fetchassets``: the front-end libraries no Python package ships (ECharts), from the npm
registry, checked against their pinned integrity (``yichuang.web.assets``). Run by ``make setup``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yichuang.web.assets import (
    ASSETS,
    TEST_ASSETS,
    TEST_VENDOR_DIR,
    AssetError,
    NpmAsset,
    fetch,
    folder_of,
    from_folder,
)


class Command(BaseCommand):
    help = (
        "从 npm 仓库下载页面所需的前端组件（ECharts），按固定版本的 sha512 校验后放入静态文件目录；"
        "已就绪时不再下载。Fetch the pinned front-end libraries from the npm registry (NPM_REGISTRY)."
    )
    # The check that warns about a missing asset must not stand in the way of the command that fetches it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="即使已就绪也重新下载并校验")
        parser.add_argument(
            "--from",
            dest="source",
            metavar="DIR",
            help="不联网：从本地目录取 npm 包文件（如 echarts-6.1.0.tgz，npm pack echarts@6.1.0 所得），"
            "同样按固定的 sha512 校验。Offline: take the tarballs from DIR instead of the registry.",
        )
        parser.add_argument(
            "--tests",
            action="store_true",
            help="同时下载测试专用的组件（axe-core，无障碍检查），放在 tests/vendor/，不对用户提供。"
            "Also fetch the test-only assets (axe-core) into tests/vendor/, never served.",
        )
        parser.add_argument(
            "--list",
            action="store_true",
            help="只列出所需的包文件及其下载地址（供离线安装时在联网机器上下载）。List the tarballs and their URLs.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        registry = settings.NPM_REGISTRY
        wanted: list[tuple[NpmAsset, Path | None]] = [(asset, None) for asset in ASSETS]
        if options["tests"]:
            wanted += [(asset, TEST_VENDOR_DIR) for asset in TEST_ASSETS]
        if options["list"]:
            for asset, _root in wanted:
                self.stdout.write(f"{asset.tarball_name}  {asset.tarball_url(registry)}  {asset.integrity}")
            return
        source = Path(options["source"]).resolve() if options["source"] else None
        if source is not None and not source.is_dir():
            raise CommandError(f"{source} 不是目录。--from needs a directory.")
        for asset, root in wanted:
            try:
                if source is not None:
                    fetched = fetch(
                        asset,
                        registry=registry,
                        root=root,
                        force=options["force"],
                        opener=from_folder(source),
                    )
                else:
                    fetched = fetch(asset, registry=registry, root=root, force=options["force"])
            except AssetError as exc:
                raise CommandError(str(exc)) from exc
            if fetched:
                origin = str(source / asset.tarball_name) if source is not None else registry
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{asset.label}：已从 {origin} 取得并校验 → {folder_of(asset, root)}（fetched and verified）"
                    )
                )
            else:
                self.stdout.write(f"{asset.label}：已就绪（already present）")
