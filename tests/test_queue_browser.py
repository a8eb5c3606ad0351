"""The hall's pages in a real browser: Debian's Chromium driven by Playwright against a live server.

A person takes a number at the kiosk, the clerk calls it from his panel, and the board shows it
within two seconds with the sentence the speaker reads; a citizen books an appointment and cancels
it with the code. The tests skip when Chromium or Playwright is missing. Screenshots go to a
temporary folder, or to docs/screenshots/ with YICHUANG_SCREENSHOTS=1 (fixtures: ``tests/browser_cast.py``).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache

from tests.browser_cast import CHROMIUM, open_page
from yichuang.queue.models import AppointmentSchedule, QueueTicket, TicketStatus

PASSWORD = "pw-12345678"  # tests.factories.StaffFactory

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"Chromium not found at {CHROMIUM}"),
    # The live server commits for real; the seeded calendar and SMS templates come back after each test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def screens(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Open a path in a browser context of its own (the kiosk, the board and the clerk's screen are
    three machines); each fails the test on a script error (``browser_cast.open_page``)."""
    cache.clear()
    opened: list[Iterator[Any]] = []

    def open_screen(path: str, **options: Any) -> Any:
        screen = open_page(
            browser, live_server, viewport=options.pop("viewport", {"width": 1280, "height": 800})
        )
        page = next(screen)
        opened.append(screen)
        page.goto(path)
        return page

    yield open_screen
    problems = []
    for screen in opened:  # close every screen (a polling page must stop) before reporting
        try:
            next(screen, None)
        except AssertionError as error:
            problems.append(str(error))
    cache.clear()
    assert not problems, problems


def log_in(page: Any, username: str) -> None:
    """Through the web app's login page, which sends him back to the panel."""
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_number_taken_at_the_kiosk_is_called_from_the_panel_and_shown_on_the_board(hall, screens, shots):
    clerk = hall.clerk
    clerk.window = hall.windows["2"]
    clerk.save()

    board = screens("/queue/HALL/board/", viewport={"width": 1920, "height": 1080})
    expect(board.locator("#current")).to_contain_text("暂无叫号")

    kiosk = screens("/queue/HALL/kiosk/")
    kiosk.get_by_label("老年人优先（60周岁以上）").check()
    kiosk.locator("[data-category=general]").click()
    expect(kiosk.locator("#ticket-number")).to_have_text("A001")
    expect(kiosk.locator("#ticket-ahead")).to_have_text("马上就到您，请留意叫号")
    kiosk.screenshot(path=str(shots / "queue-kiosk-ticket.png"))
    kiosk.get_by_role("button", name="完成").click()
    kiosk.locator("[data-category=estate]").click()
    expect(kiosk.locator("#ticket-number")).to_have_text("D001")
    assert QueueTicket.objects.get(number="A001").priority_reason == "elderly"

    panel = screens("/queue/panel/")
    log_in(panel, clerk.username)
    expect(panel.locator("#window")).to_have_value(str(hall.windows["2"].pk))
    expect(panel.locator("#waiting")).to_contain_text("A001")
    panel.get_by_role("button", name="叫下一位").click()
    expect(panel.locator("#current-number")).to_have_text("A001")

    # The board polls by itself: the call shows within two seconds, with the speaker's sentence.
    row = board.locator("#current tr[data-number=A001]")
    expect(row).to_contain_text("2号窗口", timeout=2_000)
    expect(board.locator("#speech")).to_have_text("请A001号到2号窗口办理", timeout=2_000)
    expect(board.locator("[data-waiting=estate]")).to_have_text("1 人")
    board.screenshot(path=str(shots / "queue-board.png"))
    panel.screenshot(path=str(shots / "queue-panel.png"), full_page=True)

    panel.get_by_role("button", name="办结").click()
    expect(panel.locator("#current-number")).to_have_text("—")
    expect(board.locator("#current")).to_contain_text("暂无叫号", timeout=2_000)
    expect(board.locator("#recent")).to_contain_text("A001")
    served = QueueTicket.objects.get(number="A001")
    assert (served.status, served.window_id, served.served_by_id) == (
        TicketStatus.SERVED,
        hall.windows["2"].pk,
        clerk.pk,
    )

    # The next one, a 不动产 ticket, goes on to the dedicated window.
    panel.get_by_role("button", name="叫下一位").click()
    expect(panel.locator("#current-number")).to_have_text("D001")
    panel.locator("#transfer-to").select_option(str(hall.windows["10"].pk))
    panel.get_by_role("button", name="转窗口").click()
    expect(panel.locator("#current-number")).to_have_text("—")
    expect(panel.locator("#waiting")).to_contain_text("D001 不动产登记 → 10号窗口")


def test_a_citizen_books_an_appointment_and_cancels_it_with_the_code(hall, screens, shots):
    AppointmentSchedule.objects.create(
        point=hall.point,
        category=hall.categories["general"],
        days="every_day",
        start=dt.time(8, 30),
        end=dt.time(17, 30),
        capacity=2,
    )
    page = screens("/queue/HALL/book/")
    page.locator("#days button").nth(1).click()  # tomorrow: today's slots may all have begun
    page.locator("#slots button").first.click()
    page.get_by_label("姓名").fill("王秀英")
    page.get_by_label("手机号（接收预约短信和取消码）").fill("13912345678")
    page.get_by_role("button", name="提交预约").click()
    expect(page.locator("#done")).to_be_visible()
    reference = page.locator("#done-reference").inner_text()
    code = page.locator("#done-code").inner_text()
    assert len(reference) == 8 and len(code) == 6
    page.screenshot(path=str(shots / "queue-booked.png"), full_page=True)

    page.get_by_label("预约号").fill(reference)
    page.get_by_label("取消码（取消用）").fill(code)
    page.get_by_role("button", name="取消预约").click()
    expect(page.locator("#manage-result")).to_contain_text("预约已取消")
    assert hall.point.appointments.get(reference=reference).status == "cancelled"


def test_the_kiosk_of_a_closed_hall_says_when_it_opens_and_gives_no_number(hall, screens, time_machine):
    from tests.queue_cast import at
    from yichuang.queue.models import OpeningHours, ScheduleDays

    OpeningHours.objects.create(
        point=hall.point, days=ScheduleDays.REST_DAYS, start=dt.time(9), end=dt.time(16), extended=True
    )
    time_machine.move_to(at(dt.date(2026, 10, 18), 0, 49))  # a Sunday night
    kiosk = screens("/queue/HALL/kiosk/")
    expect(kiosk.locator("#closed")).to_contain_text("下次开始办理：今天 9:00")
    expect(kiosk.locator("[data-category=general]")).to_be_disabled()
    expect(kiosk.get_by_role("tab", name="预约签到")).to_be_enabled()
    assert not QueueTicket.objects.exists()
