"""What every browser test shares: Debian's Chromium driven by Playwright, a folder for screenshots,
and a page that fails its test on a script error. Registered for all tests by ``tests/conftest.py``.

Nothing here imports Playwright at load time: a machine without it still runs the other tests, and
the browser tests skip (``pytest.importorskip`` in their modules).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Playwright's sync API keeps an event loop in this thread; Django's ORM calls made by the test
    # itself (fixtures, checks) are still plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"], headless=True, env=_with_cjk_font()
        )
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _with_cjk_font() -> dict[str, str]:
    """The environment for Chromium, with the project's own CJK font (the PDFs' 文泉驿微米黑, from
    PyPI) added to fontconfig's when the machine has none: otherwise a bare Debian draws every
    Chinese character of the screenshots as an empty box."""
    env = dict(os.environ)
    if (
        shutil.which("fc-list")
        and subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True, check=False
        ).stdout.strip()
    ):
        return env
    from yichuang.documents.fonts import font_path

    folder = Path(tempfile.mkdtemp(prefix="yichuang-fonts-"))
    system = "/etc/fonts/fonts.conf"
    include = f'<include ignore_missing="yes">{system}</include>' if Path(system).exists() else ""
    (folder / "fonts.conf").write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"{include}<dir>{font_path().parent}</dir><cachedir>{folder}</cachedir></fontconfig>"
    )
    env["FONTCONFIG_FILE"] = str(folder / "fonts.conf")
    return env


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("YICHUANG_SCREENSHOTS") == "1":
        folder = REPO / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path


def open_page(browser: Any, live_server: Any, **options: Any) -> Iterator[Any]:
    """A page in a fresh context; the test fails if a script on it raised, or if the browser refused
    something the Content-Security-Policy forbids (an inline script or handler, a foreign source)."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"script errors on the page: {errors}"


@pytest.fixture
def desk(browser: Any, live_server: Any) -> Iterator[Any]:
    """A window's desktop screen."""
    yield from open_page(browser, live_server, viewport={"width": 1366, "height": 900})
