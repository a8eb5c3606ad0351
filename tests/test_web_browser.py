"""The pages in a real browser: Debian's Chromium driven by Playwright against a live server.

Each test is one person's errand, clicked through as they would: a clerk finishing an immediate item, a
clerk accepting a promised item with a tolerated material, a village agent on a 375 px phone, a
reviewer approving from the queue, a citizen checking progress and rating, a kiosk, a county leader reading
the dashboard. The tests skip when Chromium or Playwright is missing; `make test` runs them when both
are there. Screenshots go to a temporary folder, or to docs/screenshots/ with YICHUANG_SCREENSHOTS=1
(`make screenshots`).
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from openpyxl import load_workbook

from tests.browser_cast import CHROMIUM, open_page
from tests.web_cast import ID_NUMBER, NAME, PHONE, PNG, WRONG_ID, make_case
from yichuang.cases import services
from yichuang.cases.models import Case, CaseStatus, DeliveryMethod, MaterialState
from yichuang.catalog.models import ServiceItem
from yichuang.files.samples import BLANK_PDF
from yichuang.queue import services as queue_services
from yichuang.ratings import services as ratings
from yichuang.stats.services import rollup_all

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"Chromium not found at {CHROMIUM}"),
    # The live server commits for real; the seeded calendar and SMS templates come back after each test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    """A village agent's phone: 375 px wide, touch."""
    yield from open_page(
        browser,
        live_server,
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )


@pytest.fixture
def town(county: Any) -> Any:
    """The test county with what a real one shows: staff names, hours, a guide worth reading."""
    cache.clear()
    for key, (family, given) in {
        "town_clerk": ("陈", "静"),
        "reviewer": ("刘", "建华"),
        "agent": ("王", "秀英"),
    }.items():
        staff = county.staff[key]
        staff.last_name, staff.first_name = family, given
        staff.save()
    center = county.points["center_a"]
    center.address, center.hours, center.phone = (
        "甲镇人民路18号",
        "周一至周五 8:30-12:00，14:30-17:30",
        "0376-6100001",
    )
    center.save()
    ServiceItem.objects.filter(code="GL").update(
        conditions="具有本区户籍、年满80周岁的老年人。",
        process="申请→窗口受理（材料齐全当场办结）→出件",
        consult_phone="0376-6288021",
    )
    ServiceItem.objects.filter(code="DB").update(
        conditions="家庭人均收入低于当地最低生活保障标准，且家庭财产状况符合规定的农村居民。",
        process="申请→受理→入户调查→民主评议→审核确认→公示→发放",
        consult_phone="0376-6288021",
    )
    return county


def log_in(page: Any, username: str) -> None:
    """Through the login form, with the keyboard only."""
    page.goto("/login/")
    page.keyboard.type(username)  # the username field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("pw-12345678")
    page.keyboard.press("Enter")
    page.wait_for_url("**/work/")


def fill_applicant(page: Any) -> None:
    page.get_by_label("申请人姓名或名称").fill(NAME)
    id_field = page.locator("#id_id_number")
    id_field.press_sequentially(ID_NUMBER[:10])
    expect(page.locator("#id_id_number-check")).to_contain_text("已输入 10 位")
    id_field.press_sequentially(ID_NUMBER[10:])
    expect(page.locator("#id_id_number-check")).to_contain_text("校验码正确")
    page.get_by_label("手机号").fill(PHONE)


def upload(page: Any, code: str, path: Path, *, camera: bool = False) -> None:
    page.locator(f"#{'camera' if camera else 'upload'}_{code}").set_input_files(str(path))
    expect(page.locator(f"#files-{code} li")).to_have_count(1)


@pytest.fixture
def scan_file(tmp_path: Path) -> Path:
    path = tmp_path / "身份证.pdf"
    path.write_bytes(BLANK_PDF)
    return path


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)
    return path


# ----------------------------------------------------------------------------------------- the window


def test_a_clerk_accepts_and_completes_an_immediate_item_in_one_sitting(town, desk, scan_file, shots):
    page = desk
    log_in(page, "clerk_a")
    page.get_by_role("link", name="综合受理").first.click()
    page.get_by_label("查找事项（名称、简称或拼音首字母）").fill("gljt")  # 高龄津贴 by pinyin initials
    page.get_by_role("link", name="高龄津贴申领").click()
    expect(page.get_by_role("heading", name="办事指南")).to_be_visible()
    fill_applicant(page)
    upload(page, "M001", scan_file)
    page.screenshot(path=str(shots / "workbench.png"), full_page=True)

    page.get_by_role("button", name="受理（即办）").click()
    expect(page.locator("#case-status")).to_have_text("已受理")
    case = Case.objects.get()
    page.get_by_role("button", name="准予").click()
    expect(page.locator("#case-status")).to_have_text("准予")
    page.get_by_label("送达方式").select_option(DeliveryMethod.PICKUP)
    page.get_by_role("button", name="确认送达").click()
    expect(page.locator("#case-status")).to_have_text("已送达办结")
    page.screenshot(path=str(shots / "case-immediate-done.png"), full_page=True)

    page.get_by_role("link", name="打印受理通知书").click()
    expect(page.get_by_role("heading", name="受理通知书")).to_be_visible()
    expect(page.locator(".paper")).to_contain_text(case.number)
    assert ID_NUMBER not in page.content() and PHONE not in page.content()
    page.screenshot(path=str(shots / "receipt.png"), full_page=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.DELIVERED and case.recipient_name == NAME
    assert [e.action for e in case.events.all()] == ["submit", "accept", "approve", "deliver"]


def test_a_clerk_accepts_a_promised_item_with_a_tolerated_material(town, desk, scan_file, shots):
    page = desk
    log_in(page, "clerk_a")
    page.goto("/work/intake/?q=低保")
    page.get_by_role("link", name="农村最低生活保障审批").click()
    fill_applicant(page)
    upload(page, "M001", scan_file)
    upload(page, "M002", scan_file)
    page.get_by_label("容缺（先受理，限期补齐）").check()  # 困难情况证明 follows later
    page.get_by_label("告知承诺（申请人签署承诺书代替）").check()  # 家庭经济状况说明
    page.get_by_role("button", name="受理", exact=True).click()

    expect(page.locator("#case-status")).to_have_text("已受理")
    expect(page.get_by_text("容缺材料须在")).to_be_visible()
    case = Case.objects.get()
    states = dict(case.materials.values_list("requirement", "state"))
    assert states == {
        "M001": MaterialState.PROVIDED,
        "M002": MaterialState.PROVIDED,
        "M010": MaterialState.COMMITTED,
        "M020": MaterialState.TOLERATED,
    }
    assert case.supplement_due_date is not None and case.due_date is not None
    page.get_by_role("link", name="打印受理通知书").click()
    expect(page.locator(".paper")).to_contain_text("容缺受理")
    page.screenshot(path=str(shots / "receipt-tolerated.png"), full_page=True)


def test_a_missing_material_is_told_once_and_nothing_is_half_stored(town, desk, scan_file):
    page = desk
    log_in(page, "clerk_a")
    page.goto("/work/intake/item/DB/")
    fill_applicant(page)
    upload(page, "M001", scan_file)
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("材料不全，不能受理")
    expect(page.locator("#files-M001 li")).to_have_count(1)  # the upload survived the refusal
    assert not Case.objects.exists()
    page.get_by_role("button", name="一次性告知").click()
    expect(page.get_by_role("heading", name="一次性告知书", exact=True)).to_be_visible()
    expect(page.locator(".paper")).to_contain_text("户口簿")
    assert Case.objects.get().status == CaseStatus.NEEDS_SUPPLEMENT


def test_a_wrong_id_number_is_told_once_and_the_message_follows_the_correction(town, desk, scan_file):
    page = desk
    log_in(page, "clerk_a")
    page.goto("/work/intake/item/GL/")
    page.get_by_label("申请人姓名或名称").fill(NAME)
    page.locator("#id_id_number").fill(WRONG_ID)
    page.get_by_label("手机号").fill(PHONE)
    upload(page, "M001", scan_file)
    page.get_by_role("button", name="受理（即办）").click()
    field = page.locator(".field", has=page.locator("#id_id_number"))
    expect(field.locator(".errors")).to_contain_text("公民身份号码的校验码不正确")
    # The server's sentence only: the page's own check does not say it again.
    expect(field.get_by_text("校验码")).to_have_count(1)
    assert not Case.objects.exists()
    page.locator("#id_id_number").fill(ID_NUMBER)
    expect(page.locator("#id_id_number-check")).to_contain_text("校验码正确")
    expect(field.locator(".errors")).to_have_count(0)
    expect(field.get_by_text("校验码")).to_have_count(1)


# ------------------------------------------------------------------------------------ the village agent


def test_an_agent_submits_for_a_villager_from_a_375_px_phone(town, phone, photo, shots):
    page = phone
    log_in(page, "agent_a1")
    page.get_by_role("link", name="代村民申请").first.click()
    page.get_by_label("查找事项（名称、简称或拼音首字母）").fill("高龄")
    page.get_by_role("link", name="高龄津贴申领").click()
    fill_applicant(page)
    upload(page, "M001", photo, camera=True)
    page.locator("#consent_upload").set_input_files(str(photo))
    expect(page.locator("#files-consent li")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the page must not scroll sideways"
    page.screenshot(path=str(shots / "agent-phone.png"), full_page=True)
    page.get_by_role("button", name="提交到便民服务中心").click()

    expect(page.locator("#case-status")).to_have_text("已提交")
    case = Case.objects.get()
    assert case.channel == "agent" and case.agent is not None and case.consent_file is not None
    page.get_by_role("link", name="工作台").click()
    expect(page.locator("#pile-village")).to_contain_text(case.number)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_an_agent_brings_the_result_home_and_records_who_signed(town, phone, shots):
    case = make_case(town, actor="agent", point="station_a1", channel="agent")
    services.case_accept(case=case, actor=town.staff["town_clerk"])
    services.case_approve(case=case, actor=town.staff["reviewer"])
    page = phone
    log_in(page, "agent_a1")
    pile = page.locator("#pile-bring_home")
    expect(pile).to_contain_text(case.number)
    pile.get_by_label("签收人姓名").fill(NAME)
    page.screenshot(path=str(shots / "agent-bring-home.png"), full_page=True)
    pile.get_by_role("button", name="已送到，登记签收").click()
    expect(page.locator("#case-status")).to_have_text("已送达办结")
    case.refresh_from_db()
    assert case.delivery_method == DeliveryMethod.AGENT and case.recipient_name == NAME


# ---------------------------------------------------------------------------------------- the reviewer


def test_a_reviewer_approves_from_the_queue(town, desk, shots):
    today = timezone.localdate()
    overdue = make_case(town)
    soon = make_case(town)
    fine = make_case(town)
    Case.objects.filter(pk=overdue.pk).update(due_date=today - dt.timedelta(days=3))
    Case.objects.filter(pk=soon.pk).update(due_date=today)
    suspended = make_case(town)
    services.case_suspend(case=suspended, actor=town.staff["reviewer"], reason="入户核查", kind="inspection")

    page = desk
    log_in(page, "review_a")
    page.get_by_role("link", name="审批队列").click()
    rows = page.locator("#queue-rows tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text(overdue.number)
    expect(rows.nth(0).locator(".light")).to_have_class("light red")
    expect(rows.nth(1).locator(".light")).to_have_class("light yellow")
    assert page.locator(".light.green").count() >= 1 and page.locator(".light.grey").count() == 1
    page.screenshot(path=str(shots / "queue.png"), full_page=True)

    page.get_by_label("事项").select_option("DB")  # htmx refreshes the rows
    # The rows are swapped when the answer arrives: a click before that lands on a row being replaced.
    page.wait_for_load_state("networkidle")
    expect(rows).to_have_count(4)
    page.get_by_role("link", name=fine.number).click()
    page.get_by_role("button", name="准予").click()
    expect(page.locator("#case-status")).to_have_text("准予")
    expect(page.get_by_role("status").first).to_contain_text("已准予")
    page.screenshot(path=str(shots / "case-approved.png"), full_page=True)
    fine.refresh_from_db()
    assert fine.status == CaseStatus.APPROVED


def test_a_late_second_click_is_a_clear_conflict(town, desk):
    case = make_case(town)
    page = desk
    log_in(page, "review_a")
    page.goto(f"/work/cases/{case.number}/")
    services.case_approve(case=case, actor=town.staff["reviewer"])  # someone else was quicker
    page.get_by_role("button", name="准予").click()
    expect(page.get_by_role("alert").first).to_contain_text("办件已被他人修改，请刷新后重试")


# ------------------------------------------------------------------------------------------- citizens


def delivered_case(town: Any) -> Case:
    case = make_case(town, item="GL", provide=("M001",), tolerated=(), commitments=())
    services.case_approve(case=case, actor=town.staff["town_clerk"])
    return services.case_deliver(case=case, actor=town.staff["town_clerk"], method=DeliveryMethod.PICKUP)


def query_progress(page: Any, number: str, *, path: str = "/track/") -> None:
    page.goto(path)
    page.get_by_label("办件编号").fill(number)
    page.get_by_label("申请时留的手机号").fill(PHONE)
    page.get_by_role("button", name="查询", exact=True).click()


def test_a_citizen_queries_progress_by_number_and_phone(town, browser, live_server, shots):
    case = delivered_case(town)
    for page in open_page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True):
        query_progress(page, case.number)
        expect(page.locator("#track-status")).to_have_text("已送达办结")
        assert PHONE not in page.url and PHONE not in page.content()
        expect(page.locator(".timeline li")).to_have_count(4)
        page.screenshot(path=str(shots / "track.png"), full_page=True)
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", name="Check the progress of a case")).to_be_visible()


def test_a_citizen_rates_after_completion(town, desk, shots):
    case = delivered_case(town)
    page = desk
    query_progress(page, case.number)
    page.get_by_label("非常满意").check()
    page.get_by_label("意见或建议（可不填）").fill("窗口一次办好，很方便。")
    page.screenshot(path=str(shots / "rating.png"), full_page=True)
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("heading", name="感谢您的评价！")).to_be_visible()
    rating = case.ratings.get()
    assert (rating.score, rating.channel, rating.comment) == (5, "web", "窗口一次办好，很方便。")


def test_the_kiosk_finds_a_guide_and_checks_progress_with_large_buttons(town, browser, live_server, shots):
    case = delivered_case(town)
    for page in open_page(browser, live_server, viewport={"width": 1080, "height": 1920}, has_touch=True):
        page.goto("/kiosk/")
        guide = page.get_by_role("link", name="办事指南").last
        assert guide.bounding_box()["height"] >= 72
        page.screenshot(path=str(shots / "kiosk.png"))
        guide.click()
        page.get_by_label("想办什么事？输入名称、简称或拼音首字母").fill("db")
        page.get_by_role("link", name="农村最低生活保障审批").click()
        expect(page.get_by_text("甲镇人民路18号")).to_be_visible()
        expect(page.get_by_text("周一至周五 8:30-12:00，14:30-17:30").first).to_be_visible()
        page.screenshot(path=str(shots / "kiosk-guide.png"), full_page=True)
        query_progress(page, case.number, path="/kiosk/track/")
        expect(page.locator("#track-status")).to_have_text("已送达办结")


# ------------------------------------------------------------------------------------ the county leader


def test_a_county_leader_reads_the_dashboard_drills_down_to_a_point_and_exports_it(town, hall, desk, shots):
    """Some cases and a visit to the hall, rolled up; the supervisor of the county reads the month."""
    for _n in range(2):
        make_case(town)
    make_case(town, actor="hall_clerk", point="hall")
    done = delivered_case(town)
    ratings.rating_submit(case=done, channel="web", score=5)
    clerk = hall.clerk
    queue_services.ticket_take(point=hall.point, category=hall.categories["general"], source="kiosk")
    ticket = queue_services.ticket_call_next(window=hall.windows["1"], actor=clerk)
    queue_services.ticket_serve(ticket=ticket, actor=clerk)
    rollup_all(now=timezone.now() + dt.timedelta(minutes=5))

    page = desk
    log_in(page, "sup")
    page.get_by_role("link", name="数据看板").click()
    expect(page.locator("#unit-name")).to_have_text("浉河区")
    # ECharts (from the npm registry, served from our static files) draws into each chart's box.
    expect(page.locator("#chart-months svg").first).to_be_visible()
    expect(page.locator("#chart-children svg").first).to_be_visible()
    expect(page.locator("#chart-children")).to_contain_text("甲镇")
    cases = page.get_by_role("table", name="办件与时限")
    expect(cases.get_by_role("row", name="受理件数")).to_contain_text("4")
    expect(cases.get_by_role("row", name="按时办结率")).to_contain_text("100.0%")
    satisfaction = page.get_by_role("table", name="好差评")
    expect(satisfaction.get_by_role("row", name="满意率")).to_contain_text("100.0%")
    expect(page.get_by_role("table", name="大厅取号排队").get_by_role("row", name="办结")).to_contain_text(
        "1"
    )
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

    page.locator("#table-children").get_by_role("link", name="甲镇", exact=True).click()
    expect(page.locator("#unit-name")).to_have_text("甲镇")
    expect(page.locator("#chart-children svg").first).to_be_visible()
    expect(cases.get_by_role("row", name="受理件数")).to_contain_text("3")
    page.locator("#table-children").get_by_role("link", name="甲镇便民服务中心").click()
    expect(page.locator("#unit-name")).to_have_text("甲镇便民服务中心")
    expect(page.locator(".trail").get_by_role("link", name="甲镇", exact=True)).to_be_visible()
    expect(page.locator("#table-children")).to_contain_text("陈静")

    with page.expect_download() as download:
        page.locator("#export-dashboard").click()
    path = download.value.path()
    assert download.value.suggested_filename.startswith("dashboard-CA-")
    book = load_workbook(io.BytesIO(path.read_bytes()))
    assert book.sheetnames == ["汇总", "按月", "超期办件", "取号排队"]
    assert [c.value for c in book["汇总"][3][:2]] == ["甲镇便民服务中心", 3]
