"""The self-service kiosk (自助终端) in a real browser, portrait 1080×1920, touch: Debian's Chromium
driven by Playwright against a live server (set-up as in tests/test_web_browser.py). A citizen
walks up, reads his ID card (the demo reader), signs in with the code sent to his phone, applies,
prints his receipt, and walks away; the kiosk returns to its point's home screen by itself.
Screenshots go to docs/screenshots/ with YICHUANG_SCREENSHOTS=1."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_cast import CHROMIUM, open_page
from tests.test_citizens import PDF
from tests.test_documents import office as _office  # noqa: F401  (registers the fixture "_office")
from yichuang.cases.models import Case

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"Chromium not found at {CHROMIUM}"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DEMO_ID = "411502195001011239"
PHONE = "13812345678"


@pytest.fixture
def office(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("_office")


@pytest.fixture
def kiosk(browser: Any, live_server: Any) -> Iterator[Any]:
    """The hall's kiosk: a portrait touch screen, 1080×1920."""
    yield from open_page(browser, live_server, viewport={"width": 1080, "height": 1920}, has_touch=True)


def code_sent_to(phone: str) -> str:
    from tests.test_citizens import last_code

    return last_code(phone)


def test_the_home_screen_is_a_full_grid_of_large_tiles(office, kiosk, shots: Path):
    page = kiosk
    page.goto("/kiosk/p/CA/")
    expect(page.locator("#kiosk-point")).to_have_text("甲镇便民服务中心")
    tiles = page.locator(".tiles .big-choice")
    expect(tiles).to_have_count(8)
    boxes = [tiles.nth(i).bounding_box() for i in range(8)]
    assert all(box["height"] >= 200 and box["width"] >= 400 for box in boxes)
    assert boxes[-1]["y"] + boxes[-1]["height"] > 1400  # the grid fills the portrait screen
    page.screenshot(path=str(shots / "kiosk-home.png"))
    page.get_by_role("link", name=re.compile("^预约签到")).click()
    expect(page).to_have_url(re.compile(r"/queue/CA/kiosk/\?tab=checkin$"))
    expect(page.locator("#checkin")).to_be_visible()


def test_a_citizen_reads_his_card_signs_in_applies_prints_and_the_kiosk_forgets_him(
    office, kiosk, shots: Path, settings, tmp_path: Path
):
    page = kiosk
    page.goto("/kiosk/p/CA/")
    page.get_by_role("link", name=re.compile("^我要办")).click()
    page.get_by_role("link", name=re.compile("老年人优待证办理")).click()

    # not signed in: the card reader (demo) fills the number; the first time, name and phone too
    expect(page.get_by_role("heading", name="刷身份证登录")).to_be_visible()
    page.get_by_role("button", name="读取身份证").click()
    expect(page.get_by_label("身份证号码")).to_have_value(DEMO_ID)
    page.get_by_text("首次使用", exact=True).click()
    expect(page.get_by_label("姓名（首次使用时填）")).to_have_value("李金文")
    page.get_by_label("手机号（首次使用时填）").fill(PHONE)
    page.screenshot(path=str(shots / "kiosk-signin.png"))
    page.get_by_role("button", name="获取短信验证码").click()
    expect(page.locator("#sent-to")).to_contain_text("138****5678")
    page.get_by_label("短信验证码").fill(code_sent_to(PHONE))
    page.get_by_role("button", name="登录").click()

    # the application form, then the receipt
    expect(page.get_by_role("heading", name="老年人优待证办理")).to_be_visible()
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    page.locator("#m-M001").set_input_files(str(scan))
    page.locator("#m-M020").set_input_files(str(scan))
    page.get_by_label("承诺（告知承诺制，无需提交）").check()
    page.screenshot(path=str(shots / "kiosk-apply.png"), full_page=True)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="申请回执")).to_be_visible()
    case = Case.objects.get()
    assert (case.channel, case.status) == ("kiosk", "submitted")
    expect(page.locator("#receipt-number")).to_have_text(case.number)
    page.screenshot(path=str(shots / "kiosk-receipt.png"))
    # a stub for the printer (an expression that is a function would be called by evaluate: wrap it)
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.get_by_role("button", name="打印回执").click()
    assert page.evaluate("window.__printed") == 1

    # he walks away: the kiosk goes back to its point's home and has signed him out
    settings.KIOSK_IDLE_SECONDS = 2
    page.get_by_role("link", name="我的办件").first.click()
    expect(page.locator("#my-cases")).to_contain_text(case.number)
    page.wait_for_url(re.compile(r"/kiosk/p/CA/$"), timeout=10_000)
    expect(page.locator("#kiosk-who")).to_have_count(0)
    page.goto("/kiosk/mine/")
    expect(page.get_by_role("heading", name="刷身份证登录")).to_be_visible()
