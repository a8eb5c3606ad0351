"""axe-core in the browser tests: the accessibility engine, injected into a page by Playwright, and the
violations people would notice (impact ``serious`` or ``critical``) as readable lines.

axe-core comes from the npm registry like ECharts (``yichuang.web.assets.AXE_CORE``: pinned version and
sha512) but for the tests only: ``yichuang fetchassets --tests`` puts it in ``tests/vendor/``, which no
page serves. It is evaluated through the DevTools protocol (``page.evaluate``), not as a script
element, so the pages' strict Content-Security-Policy stays as it is while it runs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from django.conf import settings

from yichuang.web.assets import AXE_CORE, TEST_VENDOR_DIR, AssetError, fetch, folder_of

#: What axe calls serious or critical: a person cannot read, reach or operate something.
BLOCKING = ("serious", "critical")


@cache
def axe_source() -> str:
    """The pinned axe-core, fetched on first use (cheap when already there and intact)."""
    try:
        fetch(AXE_CORE, registry=settings.NPM_REGISTRY, root=TEST_VENDOR_DIR)
    except AssetError as exc:  # offline without the tarball: the axe tests cannot run here
        pytest.skip(f"axe-core is not available: {exc}")
    return (folder_of(AXE_CORE, TEST_VENDOR_DIR) / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Every violation axe finds on the page as it stands (all rules of WCAG 2.x A/AA and axe's best
    practices), as axe reports them."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source() + "\n;undefined")
    results: dict[str, Any] = page.evaluate(
        """async () => await window.axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def blocking(page: Any) -> list[str]:
    """The serious and critical violations on the page, one line each: rule, impact, the elements."""
    lines = []
    for violation in axe_violations(page):
        if violation["impact"] not in BLOCKING:
            continue
        targets = "; ".join(
            f"{' '.join(node['target'])} — {node.get('failureSummary', '').splitlines()[-1].strip()}"
            for node in violation["nodes"][:6]
        )
        lines.append(
            f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']} → {targets}"
        )
    return lines
