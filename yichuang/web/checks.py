"""A warning when a front-end library fetched at setup is missing: the pages still work, their
charts do not."""

from __future__ import annotations

from typing import Any

from django.core.checks import Warning, register

from yichuang.web.assets import ASSETS, folder_of, is_current


@register()
def vendor_assets_present(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    return [
        Warning(
            f"前端组件 {asset.label} 未安装或与固定版本不符（{folder_of(asset)}）：数据看板的图表无法显示。"
            f"{asset.label} is missing: the dashboard's charts cannot be drawn.",
            hint="运行 make setup 或 .venv/bin/yichuang fetchassets（需能访问 npm 仓库，或设置 NPM_REGISTRY 为镜像）。",
            id="yichuang.web.W001",
        )
        for asset in ASSETS
        if not is_current(asset)
    ]
