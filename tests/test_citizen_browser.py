"""A citizen applies on his phone (掌上办), in a real browser: Debian's Chromium driven by Playwright on a
390×844 viewport against a live server, as tests/test_web_browser.py does for the staff.

One errand from the guide page to the rating: sign in with the code from the SMS outbox, bind the
identity, fill the step form with a photo and a signed commitment, get the window's one-time notice,
supplement online, follow the case to the sealed PDF, rate it, read 我的证照 — then the 长辈版 switch.
Screenshots go to a temporary folder, or to docs/screenshots/ with YICHUANG_SCREENSHOTS=1.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from tests.browser_cast import CHROMIUM, open_page
from tests.test_case_forms import give_form
from tests.test_citizens import ID_NUMBER, PHONE, last_code
from tests.test_documents import office as _office  # noqa: F401  (registers the fixture "_office")
from tests.web_cast import PNG
from yichuang.cases import services
from yichuang.cases.models import Case, CaseStatus
from yichuang.catalog.models import ServiceItem
from yichuang.documents.models import Document, DocumentKind
from yichuang.org.models import ServicePoint

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"Chromium not found at {CHROMIUM}"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NAME = "李金文"


@pytest.fixture
def office(request: pytest.FixtureRequest) -> Any:
    """The county of the documents' tests (老年人优待证办理 gives a licence; seals sign the PDFs)."""
    cache.clear()
    world = request.getfixturevalue("_office")
    give_form(ServiceItem.objects.get(code="OWN"))  # 户籍地址, 开户银行, 银行账号, 月发放金额 …
    ServicePoint.objects.filter(code="CA").update(
        address="甲镇人民路18号", hours="周一至周五 8:30-12:00，14:30-17:30", phone="0376-6100001"
    )
    return world


@pytest.fixture
def handset(browser: Any, live_server: Any) -> Iterator[Any]:
    """A citizen's phone: 390×844, touch."""
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


def sms_code() -> str:
    return last_code(PHONE)  # from the test DB's SMS outbox, as test_citizens reads it


def sign_in_and_bind(page: Any) -> None:
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#code-sent")).to_contain_text("138****5678")
    page.get_by_label("短信验证码").fill(sms_code())
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="实名认证")).to_be_visible()
    page.get_by_label("姓名").fill(NAME)
    page.get_by_label("居民身份证号码").fill(ID_NUMBER)
    page.get_by_role("button", name="认证并绑定").click()


def test_a_citizen_applies_on_his_phone_supplements_downloads_and_rates(office, handset, photo, shots):
    page = handset
    clerk, reviewer = office.staff["town_clerk"], office.staff["reviewer"]

    page.goto("/guide/OWN/")
    page.get_by_role("link", name="在线办理").click()
    expect(page.get_by_role("heading", name="登录 · 网上办事")).to_be_visible()
    page.screenshot(path=str(shots / "citizen-login.png"), full_page=True)
    sign_in_and_bind(page)

    # 情形 → 信息 → 材料 → 领取方式 → 确认
    expect(page.get_by_role("heading", name="办理情形")).to_be_visible()
    page.locator("summary", has_text="甲镇").click()  # the town first, then its point
    page.get_by_label(re.compile("甲镇便民服务中心")).check()
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("#applicant-name")).to_have_text("李*文")
    assert ID_NUMBER not in page.content()
    page.get_by_label("户籍地址").fill("甲镇甲村3组12号")
    page.get_by_label("开户银行").select_option("河南农信社")
    page.get_by_label("银行账号").fill("6228480000000000001")
    page.get_by_label("月发放金额").fill("1500")  # more than the field allows
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("ul.errors")).to_have_text("月发放金额不能大于1000。")
    page.screenshot(path=str(shots / "citizen-apply-form.png"), full_page=True)
    page.get_by_label("月发放金额").fill("150")
    page.get_by_role("button", name="下一步").click()

    page.get_by_label("拍照或选择文件").first.set_input_files(str(photo))  # goes up at once
    expect(page.locator("#files-M001 li")).to_have_count(1)
    page.get_by_text("没有这项证明？可签署告知承诺书代替").click()
    expect(page.locator("#m-M010 .commit-text")).to_contain_text("告知承诺制")
    page.get_by_label("我已阅读并承诺（以承诺代替该证明）").check()
    page.screenshot(path=str(shots / "citizen-apply-materials.png"), full_page=True)
    page.get_by_role("button", name="下一步").click()

    page.get_by_label("免费邮寄到家").check()
    page.get_by_label("收件地址（邮寄时填写）").fill("信阳市浉河区甲镇幸福路8号")
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("#confirm-delivery")).to_contain_text("幸福路8号")
    expect(page.get_by_text("尚缺：村委会意见")).to_be_visible()
    page.screenshot(path=str(shots / "citizen-apply-confirm.png"), full_page=True)
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#case-status")).to_have_text("已提交")

    case = Case.objects.get()
    assert (case.channel, case.applicant_id_number) == ("online", ID_NUMBER)
    assert case.form.values["bank"] == "河南农信社"
    states = dict(case.materials.values_list("requirement", "state"))
    assert states == {"M001": "provided", "M010": "committed", "M020": "missing"}

    # the window's pre-review: one notice of what is missing
    services.case_notify(case=case, actor=clerk, missing=["M020"])
    page.reload()
    expect(page.locator("#supplement")).to_contain_text("村委会意见")
    page.screenshot(path=str(shots / "citizen-case-notice.png"), full_page=True)
    page.get_by_label("拍照或选择“村委会意见”").set_input_files(str(photo))
    expect(page.locator("#picked-M020")).to_have_text(photo.name)
    page.get_by_role("button", name="提交补正材料").click()
    expect(page.locator("#case-status")).to_have_text("已提交")

    case.refresh_from_db()
    services.case_accept(case=case, actor=clerk)
    services.case_review(case=Case.objects.get(), actor=reviewer)
    services.case_approve(case=Case.objects.get(), actor=reviewer, note="符合条件")
    services.case_deliver(
        case=Case.objects.get(), actor=clerk, method="mail", tracking_number="EMS1234567890"
    )
    page.reload()
    expect(page.locator("#case-status")).to_have_text("已送达办结")
    expect(page.get_by_text("EMS1234567890")).to_be_visible()
    expect(page.locator(".steps li.done")).to_have_count(5)

    # the sealed decision, downloaded with the browser's own session
    result = Document.objects.filter(case=case, kind=DocumentKind.CERTIFICATE).get()
    href = f"/me/documents/{result.pk}/"
    expect(page.locator(f"a[href='{href}']")).to_contain_text(result.title)
    pdf = page.request.get(href)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    page.get_by_label("非常满意").check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rated")).to_be_visible()
    page.screenshot(path=str(shots / "citizen-case-done.png"), full_page=True)

    page.get_by_role("link", name="我的证照").click()
    expect(page.get_by_role("heading", name="老年人优待证")).to_be_visible()
    expect(page.get_by_role("img", name="核验二维码")).to_be_visible()
    page.screenshot(path=str(shots / "citizen-licences.png"), full_page=True)

    page.get_by_role("link", name="我的办件").click()
    expect(page.locator(".case-card")).to_have_count(1)
    page.screenshot(path=str(shots / "citizen-cases.png"), full_page=True)
    assert Case.objects.get().status == CaseStatus.DELIVERED


def test_the_large_type_switch_is_remembered(office, handset, shots):
    page = handset
    page.goto("/guide/OWN/")
    size = "getComputedStyle(document.documentElement).fontSize"
    assert page.evaluate(size) == "16px"
    page.get_by_role("button", name="长辈版").click()
    expect(page.locator("html")).to_have_class("elder")
    assert page.evaluate(size) == "20px"
    page.goto("/guide/")
    expect(page.locator("html")).to_have_class("elder")  # remembered in a cookie
    page.goto("/guide/OWN/")
    page.screenshot(path=str(shots / "citizen-elder.png"), full_page=True)
    page.get_by_role("button", name="标准版").click()
    expect(page.locator("html")).not_to_have_class("elder")
