"""The pages people use (issue 16 item 10), each walked in a real browser: the handover list from the
town window to the county bureau, the confirmation after 受理 with the next step, the deadline light's
meaning on hover and focus, the step indicator on the public tracking page, the Chinese month pickers of
the dashboard, the queue board's remembered voice switch and the verify page under the site's header.
Screenshots go to a temporary folder, or to docs/screenshots/ with YICHUANG_SCREENSHOTS=1."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.browser_cast import CHROMIUM
from tests.test_handover import accepted
from tests.test_handover import county as _handover_county  # noqa: F401  (registers "_handover_county")
from tests.test_web_browser import fill_applicant, log_in, upload
from tests.test_web_browser import scan_file as _scan_file  # noqa: F401  (registers "_scan_file")
from tests.test_web_browser import town as _town  # noqa: F401  (registers "_town")
from tests.web_cast import PHONE, make_case
from yichuang.cases.models import Case
from yichuang.handover.models import Handover

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"Chromium not found at {CHROMIUM}"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def town(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("_town")


@pytest.fixture
def scan_file(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue("_scan_file")


@pytest.fixture
def bureau_county(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("_handover_county")


def test_the_window_makes_prints_and_sends_a_handover_list_and_the_bureau_confirms_it(
    bureau_county, desk, browser, live_server, shots
):
    first, second = accepted(bureau_county), accepted(bureau_county)
    page = desk
    log_in(page, "clerk_a")
    page.get_by_role("link", name="移交清单").click()
    page.get_by_role("link", name="移交给 浉河区民政局（2 件待移交）").click()
    expect(page.get_by_role("checkbox", name=first.number)).to_be_checked()
    page.get_by_role("textbox", name=f"{first.number} 的移交说明").fill("原件3份")
    page.get_by_label("联系电话").fill("0376-62212")
    page.get_by_role("button", name="生成清单（草稿）").click()
    # the wrong phone is said beside its field, and the ticks and notes are kept
    expect(page.locator(".field.invalid")).to_contain_text("请输入有效的手机号码或带区号的固定电话")
    assert Handover.objects.count() == 0
    page.get_by_label("联系电话").fill("0376-6221234")
    page.get_by_role("button", name="生成清单（草稿）").click()
    expect(page.locator("#handover-status")).to_have_text("草稿")
    page.screenshot(path=str(shots / "handover-draft.png"), full_page=True)
    with page.expect_download() as printed:
        page.get_by_role("link", name="打印移交清单（草稿，未盖章）").click()
    assert printed.value.suggested_filename.endswith(".pdf")
    page.get_by_role("button", name="移交", exact=True).click()
    expect(page.locator("#handover-status")).to_have_text("已移交待接收")
    number = Handover.objects.get().number

    receiver = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    other = receiver.new_page()
    log_in(other, "review_mzj")
    other.get_by_role("link", name="移交清单").click()
    other.locator("#incoming").get_by_role("link", name=number).click()
    other.get_by_label(f"{second.number} 的接收状态").select_option("damaged")
    other.get_by_label(f"{second.number} 的接收说明").fill("封面破损")
    other.screenshot(path=str(shots / "handover-receive.png"), full_page=True)
    other.get_by_role("button", name="确认接收").click()
    expect(other.locator("#handover-status")).to_have_text("部分接收")
    expect(other.locator("#entries")).to_contain_text("封面破损")
    expect(other.get_by_role("link", name="移交清单回执")).to_be_visible()
    receiver.close()
    assert Handover.objects.get().entries.get(case=first).state == "received"


def test_after_accepting_the_clerk_reads_what_happens_next_where_and_by_when(town, desk, scan_file, shots):
    page = desk
    log_in(page, "clerk_a")
    page.goto("/work/intake/item/DB/")
    fill_applicant(page)
    upload(page, "M001", scan_file)
    upload(page, "M002", scan_file)
    page.get_by_label("容缺（先受理，限期补齐）").check()
    page.get_by_label("告知承诺（申请人签署承诺书代替）").check()
    page.get_by_role("button", name="受理", exact=True).click()
    case = Case.objects.get()
    confirmation = page.locator("#next-step")
    expect(confirmation).to_contain_text(f"已受理 · 办件编号 {case.number}")
    expect(confirmation).to_contain_text(
        f"承诺于 {case.due_date.year}年{case.due_date.month}月{case.due_date.day}日 前办结"
    )
    expect(confirmation).to_contain_text("容缺材料（困难情况证明）须在")
    expect(confirmation).to_contain_text("到甲镇便民服务中心领取结果")
    page.screenshot(path=str(shots / "accepted-next-step.png"), full_page=True)
    # 补正: one upload per owed paper, under its name; shown once, not on the next visit
    expect(page.locator("#supplement-M020 legend")).to_contain_text("困难情况证明")
    page.reload()
    expect(page.locator("#next-step")).to_have_count(0)


def test_nothing_owed_shows_no_supplement_button(town, desk):
    case = make_case(town, commitments=("M010",), provide=("M001", "M002", "M020"))
    page = desk
    log_in(page, "clerk_a")
    page.goto(f"/work/cases/{case.number}/")
    expect(page.locator("#case-status")).to_have_text("已受理")
    expect(page.get_by_role("button", name="提交补正材料")).to_have_count(0)


def test_the_deadline_light_says_what_it_means_on_hover_and_on_focus(town, desk, shots):
    case = make_case(town)
    page = desk
    log_in(page, "review_a")
    page.goto("/work/queue/")
    light = page.locator("#queue-rows .light, table.list .light").first
    expect(light).to_contain_text("距承诺办结日期还有2个以上工作日")  # words for screen readers
    tip = "el => getComputedStyle(el, '::after').content"
    assert light.evaluate(tip) in ("none", "normal", "")
    light.hover()
    assert "距承诺办结日期还有2个以上工作日" in light.evaluate(tip)
    page.screenshot(path=str(shots / "light-tooltip.png"))
    page.mouse.move(0, 0)
    light.focus()
    assert "距承诺办结日期还有2个以上工作日" in light.evaluate(tip)
    assert case.number in page.content()


def test_the_public_tracking_page_shows_the_steps_from_application_to_delivery(town, desk, shots):
    case = make_case(town)
    page = desk
    page.goto("/track/")
    page.get_by_label("办件编号").fill(case.number)
    page.get_by_label("手机号").fill(PHONE)
    page.get_by_role("button", name="查询").click()
    steps = page.get_by_role("list", name="办理进度")
    expect(steps.locator("li")).to_have_text(["✓申请", "2受理", "3审查", "4决定", "5送达"])
    expect(steps.locator("li[aria-current=step]")).to_have_count(1)
    page.screenshot(path=str(shots / "track-steps.png"), full_page=True)


def test_the_dashboard_offers_chinese_month_pickers(town, desk):
    page = desk
    log_in(page, "root")
    page.goto("/work/dashboard/")
    today = timezone.localdate()
    picker = page.get_by_label("起始月份")
    expect(picker).to_have_value(f"{today:%Y-%m}")
    expect(picker.locator("option:checked")).to_have_text(f"{today.year}年{today.month}月")
    last_year = f"{today.year - 1}-{today.month:02d}"
    picker.select_option(last_year)
    page.get_by_label("截止月份").select_option(f"{today:%Y-%m}")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_label("起始月份")).to_have_value(last_year)
    page.get_by_label("起始月份").select_option(f"{today:%Y-%m}")
    page.get_by_label("截止月份").select_option(last_year)
    page.get_by_role("button", name="查看").click()
    expect(page.locator("#month-to-error")).to_have_text("截止月份不能早于起始月份。")


def test_the_queue_board_remembers_its_voice_switch(town, desk):
    page = desk
    page.goto("/queue/CA/board/")
    switch = page.locator("#sound")
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    expect(switch).to_have_text("关闭语音播报")
    page.reload()
    expect(page.locator("#sound")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => localStorage.getItem('yichuang.board.voice')") == "on"
    page.locator("#sound").click()
    page.reload()
    expect(page.locator("#sound")).to_have_attribute("aria-pressed", "false")


def test_the_verify_page_wears_the_site_header_and_labels_its_file_input(town, desk, shots):
    page = desk
    page.goto("/verify/ABCD-EFGH-JKLM")
    expect(page.locator("header.top .brand")).to_contain_text("一窗")
    expect(page.get_by_role("heading", name="文书真伪验证")).to_be_visible()
    page.screenshot(path=str(shots / "verify-unknown.png"), full_page=True)
