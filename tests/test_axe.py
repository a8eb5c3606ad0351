"""An axe run over the main pages (issue 16's Done-when): no serious or critical violation.

axe-core (the pinned npm version, test-only, ``tests/axe.py``) is injected by Playwright into each page
as its user sees it — the clerk's workbench, queue, case, intake form, dashboard and handover lists; the
public home, guide, tracking and verify pages; the citizen's phone pages; the kiosk and the queue board
— and every ``serious``/``critical`` finding (contrast, names, labels, landmarks, language …) fails the
test with the rule and the elements.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.axe import blocking
from tests.browser_cast import CHROMIUM, open_page
from tests.test_citizens import PHONE, last_code
from tests.test_documents import apply, client_for
from tests.test_documents import office as _office  # noqa: F401  (registers the fixture "_office")
from yichuang.documents.models import Document
from yichuang.handover.models import Handover

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"Chromium not found at {CHROMIUM}"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def office(request: pytest.FixtureRequest) -> Any:
    cache.clear()
    return request.getfixturevalue("_office")


@pytest.fixture
def desk(browser: Any, live_server: Any) -> Iterator[Any]:
    yield from open_page(browser, live_server, viewport={"width": 1366, "height": 900})


@pytest.fixture
def handset(browser: Any, live_server: Any) -> Iterator[Any]:
    yield from open_page(
        browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )


def sign_in(page: Any, live_server: Any, client: Client) -> None:
    """The page's browser takes over a session opened by Django's test client (staff or citizen)."""
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def staff_session(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def citizen_session() -> Client:
    client = Client()
    client.post("/me/login/", {"phone": PHONE, "action": "send"})
    answer = client.post("/me/login/", {"phone": PHONE, "code": last_code(PHONE), "action": "login"})
    assert answer.status_code == 302
    return client


def check(page: Any, path: str, found: list[str]) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    found.extend(blocking(page))


def test_the_staff_pages_have_no_serious_accessibility_violation(office, desk, live_server):
    clerk = client_for(office.staff["town_clerk"])
    case = apply(clerk, "OWN", provide=("M001", "M010"), tolerated=["M020"])
    other = apply(clerk, "OWN", provide=("M001", "M010", "M020"))
    found: list[str] = []
    check(desk, "/login/", found)
    sign_in(desk, live_server, staff_session(office.staff["town_clerk"]))
    for path in (
        "/work/",
        "/work/intake/",
        "/work/intake/item/OWN/",
        "/work/queue/",
        f"/work/cases/{case['number']}/",
        "/work/handovers/",
        f"/work/handovers/new/?to=department:{case['handling_unit']}",
    ):
        check(desk, path, found)
    desk.goto(f"/work/handovers/new/?to=department:{case['handling_unit']}")
    desk.get_by_role("button", name="生成清单（草稿）").click()  # the clerk has no phone on file
    expect(desk.locator("#id_contact_phone")).to_have_attribute("aria-invalid", "true")
    found.extend(blocking(desk))  # the form with its error beside the field
    desk.get_by_label("联系电话").fill("0376-6221234")
    desk.get_by_role("button", name="生成清单（草稿）").click()
    desk.wait_for_load_state("networkidle")
    found.extend(blocking(desk))  # the draft, with its send and cancel buttons
    desk.get_by_role("button", name="移交", exact=True).click()
    number = Handover.objects.get().number
    sign_in(desk, live_server, staff_session(office.staff["reviewer"]))
    for path in (
        "/work/queue/",
        f"/work/cases/{other['number']}/",
        "/work/dashboard/",
        "/work/handovers/",
        f"/work/handovers/{number}/",  # the receiver's confirmation form
    ):
        check(desk, path, found)
    assert not found, "\n".join(found)


def test_the_public_pages_have_no_serious_accessibility_violation(office, desk, live_server):
    clerk = client_for(office.staff["town_clerk"])
    case = apply(clerk, "OWN")
    document = Document.objects.filter(case__number=case["number"]).first()
    found: list[str] = []
    for path in ("/", "/guide/", "/guide/OWN/", "/track/", "/queue/book/"):
        check(desk, path, found)
    desk.goto("/track/")
    desk.get_by_label("办件编号").fill(case["number"])
    desk.get_by_label("手机号").fill(PHONE)
    desk.get_by_role("button", name="查询").click()
    desk.wait_for_load_state("networkidle")
    found.extend(blocking(desk))
    if document is not None:
        check(desk, f"/verify/{document.verify_code}", found)
    assert not found, "\n".join(found)


def test_the_phone_and_kiosk_pages_have_no_serious_accessibility_violation(
    office, handset, desk, live_server
):
    found: list[str] = []
    check(handset, "/me/login/", found)
    sign_in(handset, live_server, citizen_session())
    for path in ("/me/cases/", "/me/identity/", "/me/licences/", "/guide/OWN/"):
        check(handset, path, found)
    sign_in(handset, live_server, staff_session(office.staff["agent"]))
    for path in ("/work/", "/work/intake/item/OWN/", "/work/queue/", "/work/handovers/"):
        check(handset, path, found)
    for path in ("/kiosk/", "/kiosk/items/", "/kiosk/guide/", "/queue/CA/board/", "/queue/CA/kiosk/"):
        check(desk, path, found)
    case = apply(client_for(office.staff["town_clerk"]), "OWN")
    for page, start in ((desk, "/kiosk/track/"), (handset, "/track/")):
        page.goto(start)
        page.get_by_label("办件编号").fill(case["number"])
        page.get_by_label("手机号").fill(PHONE)
        page.get_by_role("button", name="查询").click()
        expect(page.get_by_role("list", name="办理进度")).to_be_visible()
        found.extend(blocking(page))
    assert not found, "\n".join(found)
