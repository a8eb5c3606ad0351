"""The newer phone pages in a real browser (390×844, as tests/test_citizen_browser.py): signing in
through the province's unified identity (a provider on the loopback), the 办理情形 of the step form, and
a 一件事 applied for and followed as one. Screenshots go where that test keeps its own."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from tests.browser_cast import CHROMIUM, open_page
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider
from tests.test_citizen_browser import sign_in_and_bind
from tests.test_citizens import PHONE
from tests.test_documents import office as _office  # noqa: F401  (registers the fixture "_office")
from tests.test_situations import give_situations
from tests.web_cast import PNG
from yichuang.cases.models import BundleApplication, Case
from yichuang.catalog.models import Bundle, BundleItem, MaterialRequirement, ServiceItem
from yichuang.catalog.situations import MaterialEffect
from yichuang.citizens.models import Citizen

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
    world = request.getfixturevalue("_office")
    own = ServiceItem.objects.get(code="OWN")
    MaterialRequirement.objects.create(
        item=own, code="M080", name="原证件或遗失说明", required=False, order=9
    )
    give_situations(
        own,
        {
            "first": ("首次申领", {}),
            "reissue": ("补领", {"M080": MaterialEffect.ADD, "M020": MaterialEffect.DROP}),
        },
    )
    one = Bundle.objects.create(code="YJS-OLD", name="老年人福利一件事", description="优待证和高龄津贴一次办")
    for order, code in enumerate(("OWN", "IMM")):
        BundleItem.objects.create(bundle=one, item=ServiceItem.objects.get(code=code), order=order)
    return world


@pytest.fixture
def handset(browser: Any, live_server: Any) -> Iterator[Any]:
    yield from open_page(
        browser,
        live_server,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "身份证正面.png"
    path.write_bytes(PNG)
    return path


@pytest.fixture
def province(settings: Any) -> Iterator[Provider]:
    for running in running_provider():
        settings.CITIZEN_OIDC_ISSUER = running.issuer
        settings.CITIZEN_OIDC_CLIENT_ID = CLIENT_ID
        settings.CITIZEN_OIDC_CLIENT_SECRET = CLIENT_SECRET
        yield running


def test_a_citizen_signs_in_through_the_provinces_unified_identity(office, province, handset, shots):
    page = handset
    page.goto("/me/login/")
    page.screenshot(path=str(shots / "citizen-login-province.png"), full_page=True)
    page.get_by_role("link", name="通过省统一身份认证登录").click()
    expect(page.get_by_role("heading", name="我的办件")).to_be_visible()
    expect(page.locator(".msg.success")).to_contain_text("已通过省统一身份认证完成实名认证")
    person = Citizen.objects.get(phone="13900001111")
    assert person.identity_backend == "oidc" and person.name == "王小明"


def test_the_step_form_asks_the_situation_and_lists_its_papers(office, handset, photo, shots):
    page = handset
    page.goto("/guide/OWN/")
    expect(page.locator("#guide-situations")).to_contain_text("补领")
    page.get_by_role("link", name="在线办理").click()
    sign_in_and_bind(page)
    expect(page.get_by_role("heading", name="办理情形")).to_be_visible()
    page.locator("summary", has_text="甲镇").click()  # the town first, then its point
    page.get_by_label(re.compile("甲镇便民服务中心")).check()
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("#situation-error")).to_have_text("请选择您的办理情形。")
    page.locator("#sit-reissue").check()
    page.screenshot(path=str(shots / "citizen-situation.png"), full_page=True)
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="下一步").click()  # 信息: no form for this item
    expect(page.locator("#materials-situation")).to_contain_text("补领")
    expect(page.locator("#m-M080")).to_contain_text("必交")
    expect(page.locator("#m-M020")).to_have_count(0)
    page.screenshot(path=str(shots / "citizen-situation-materials.png"), full_page=True)
    page.locator("#upload_M080").set_input_files(str(photo))
    expect(page.locator("#files-M080 li")).to_have_count(1)
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="下一步").click()  # 领取方式: pickup
    expect(page.locator("#confirm-situation")).to_have_text("补领")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".msg.success")).to_contain_text("申请已提交")
    case = Case.objects.get(item__code="OWN")
    assert case.events.get(action="submit").data["situation"] == "reissue"


def test_a_bundle_is_applied_for_on_one_page_and_tracked_as_one(office, handset, photo, shots):
    page = handset
    page.goto("/")
    page.get_by_role("link", name=re.compile("老年人福利一件事")).click()
    sign_in_and_bind(page)
    expect(page.get_by_role("heading", name=re.compile("一件事一次办"))).to_be_visible()
    page.get_by_label(re.compile("甲镇便民服务中心")).check()
    page.locator("#upload_M001").set_input_files(str(photo))
    page.screenshot(path=str(shots / "citizen-bundle.png"), full_page=True)
    page.get_by_role("button", name="提交“一件事”申请").click()
    expect(page.locator("#application-number")).to_have_text(re.compile("^YJS"))
    number = BundleApplication.objects.get().number
    expect(page.locator(".case-card")).to_have_count(2)
    page.screenshot(path=str(shots / "citizen-bundle-followed.png"), full_page=True)
    page.goto("/track/")
    page.get_by_label("办件编号").fill(number)
    page.get_by_label("申请时留的手机号").fill(PHONE)
    page.get_by_role("button", name=re.compile("查询")).click()
    expect(page.locator("#track-application")).to_contain_text("老年人福利一件事")
    expect(page.locator("#track-members tbody tr")).to_have_count(2)
    page.screenshot(path=str(shots / "track-bundle.png"), full_page=True)
