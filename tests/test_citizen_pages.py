"""The citizens' own pages without a browser (掌上办): sign-in by SMS code in a session of its own, the
real-name binding, the step form on a draft, 我的办件 with the supplement after a one-time notice, the
sealed documents, 好差评 and 我的证照 — his own cases only, clear Chinese errors, nothing half-stored."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.test_citizens import ID_NUMBER, OTHER_ID, PDF, PHONE, act, last_code, staff
from tests.test_documents import office as _office  # noqa: F401  (registers the fixture "_office")
from yichuang.cases.models import Case, CaseStatus
from yichuang.catalog.models import ServiceItem
from yichuang.citizens.models import ApplicationDraft, Citizen, CitizenFile
from yichuang.files.models import StoredFile

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def office(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("_office")


def signed_in(phone: str = PHONE) -> Client:
    client = Client()
    sent = client.post("/me/login/", {"phone": phone, "action": "send"})
    assert sent.status_code == 200 and "验证码已发送" in sent.content.decode()
    answer = client.post("/me/login/", {"phone": phone, "code": last_code(phone), "action": "login"})
    assert answer.status_code == 302, answer.content.decode()[:500]
    return client


def bound(phone: str = PHONE, name: str = "李金文", id_number: str = ID_NUMBER) -> Client:
    client = signed_in(phone)
    answer = client.post("/me/identity/", {"name": name, "id_number": id_number})
    assert answer.status_code == 302, answer.content.decode()[:800]
    return client


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def draft_url(client: Client, item: str = "OWN") -> str:
    answer = client.get(f"/me/apply/{item}/")
    assert answer.status_code == 302, answer
    return str(answer["Location"]).rsplit("/", 2)[0] + "/"


def fill_and_send(client: Client, *, upload: tuple[str, ...] = ("M001",), mail: bool = True) -> Case:
    base = draft_url(client)
    assert client.post(base + "situation/", {"point": "CA"}).status_code == 302
    assert client.post(base + "info/").status_code == 302
    for code in upload:
        answer = client.post(base + "materials/", {"action": "upload", f"upload_{code}": pdf()})
        assert answer.status_code == 302, answer.content.decode()[:800]
    assert client.post(base + "materials/", {"action": "next", "commitment": ["M010"]}).status_code == 302
    delivery = {"delivery_method": "mail", "delivery_address": "信阳市浉河区甲镇幸福路8号"}
    if not mail:
        delivery = {"delivery_method": "pickup", "delivery_address": ""}
    assert client.post(base + "delivery/", delivery).status_code == 302
    sent = client.post(base + "confirm/")
    assert sent.status_code == 302, sent.content.decode()[:800]
    return Case.objects.get(number=sent["Location"].rstrip("/").rsplit("/", 1)[1])


class TestSignIn:
    def test_a_citizen_signs_in_with_the_code_and_his_session_opens_no_staff_page(self, world):
        client = signed_in()
        assert client.get("/me/cases/").status_code == 200
        assert client.get("/work/").status_code == 302  # to the staff login
        assert client.get("/work/queue/")["Location"].startswith("/login/")
        assert client.get("/api/v1/cases/").status_code in (401, 403)

    def test_a_staff_member_opens_no_citizen_page_and_signing_in_as_staff_ends_the_citizen(self, world):
        clerk = Client()
        clerk.force_login(world.staff["town_clerk"])
        answer = clerk.get("/me/cases/")
        assert answer.status_code == 302 and answer["Location"].startswith("/me/login/")
        both = signed_in()
        both.force_login(world.staff["town_clerk"])
        assert both.get("/me/cases/").status_code == 302

    def test_a_citizen_sign_in_ends_a_staff_login_on_the_same_browser(self, world):
        client = Client()
        client.force_login(world.staff["town_clerk"])
        client.post("/me/login/", {"phone": PHONE, "action": "send"})
        client.post("/me/login/", {"phone": PHONE, "code": last_code(PHONE), "action": "login"})
        assert client.get("/me/cases/").status_code == 200
        assert client.get("/work/").status_code == 302

    def test_a_wrong_code_or_phone_is_a_chinese_error_and_signs_nobody_in(self, world):
        client = Client()
        bad = client.post("/me/login/", {"phone": "12345", "action": "send"})
        assert bad.status_code == 400 and "请填写11位手机号码。" in bad.content.decode()
        client.post("/me/login/", {"phone": PHONE, "action": "send"})
        wrong = "000000" if last_code(PHONE) != "000000" else "111111"
        answer = client.post("/me/login/", {"phone": PHONE, "code": wrong, "action": "login"})
        assert answer.status_code == 400 and "验证码错误或已失效，请重新获取。" in answer.content.decode()
        short = client.post("/me/login/", {"phone": PHONE, "code": "12", "action": "login"})
        assert short.status_code == 400 and "验证码为6位数字。" in short.content.decode()
        assert client.get("/me/cases/").status_code == 302

    def test_codes_by_page_and_by_api_count_against_the_same_limit(self, world):
        client = Client()
        for i in range(5):
            assert client.post("/me/login/", {"phone": PHONE, "action": "send"}, REMOTE_ADDR=f"10.0.1.{i}")
        sixth = client.post("/me/login/", {"phone": PHONE, "action": "send"}, REMOTE_ADDR="10.0.1.9")
        assert sixth.status_code == 429 and "过于频繁" in sixth.content.decode()

    def test_signing_out_ends_the_session(self, world):
        client = signed_in()
        assert client.post("/me/logout/").status_code == 302
        assert client.get("/me/cases/").status_code == 302


class TestIdentity:
    def test_binding_checks_the_number_shows_it_masked_and_a_wrong_one_stores_nothing(self, world):
        client = signed_in()
        wrong = ID_NUMBER[:17] + ("0" if ID_NUMBER[-1] != "0" else "1")
        answer = client.post("/me/identity/", {"name": "李金文", "id_number": wrong})
        assert answer.status_code == 422 and "实名认证未通过" in answer.content.decode()
        assert not Citizen.objects.get().verified
        latin = client.post("/me/identity/", {"name": "Tom", "id_number": ID_NUMBER})
        assert "请填写身份证上的中文姓名。" in latin.content.decode()
        assert client.post("/me/identity/", {"name": "李金文", "id_number": ID_NUMBER}).status_code == 302
        page = client.get("/me/identity/").content.decode()
        assert "李*文" in page and ID_NUMBER not in page and "138****5678" in page and PHONE not in page

    def test_an_unverified_citizen_cannot_apply(self, office):
        client = signed_in()
        answer = client.get("/me/apply/OWN/")
        assert answer.status_code == 302 and answer["Location"].startswith("/me/identity/")
        assert not ApplicationDraft.objects.exists()


class TestTheStepForm:
    def test_the_guide_offers_online_application(self, office):
        page = Client().get("/guide/OWN/").content.decode()
        assert "在线办理" in page and "/me/apply/OWN/" in page

    def test_a_draft_is_kept_between_steps_and_resumed_from_my_cases(self, office):
        client = bound()
        base = draft_url(client)
        assert base.endswith(f"/me/drafts/{ApplicationDraft.objects.get().pk}/")
        # a later step does not open before the earlier ones are done
        assert client.get(base + "confirm/")["Location"] == base + "situation/"
        client.post(base + "situation/", {"point": "CA"})
        client.post(base + "info/")
        client.post(base + "materials/", {"action": "upload", "upload_M001": pdf("身份证.pdf")})
        mine = client.get("/me/cases/").content.decode()
        assert "老年人优待证办理" in mine and "继续填写" in mine
        assert client.get("/me/apply/OWN/")["Location"] == base + "materials/"  # resumed where he was
        page = client.get(base + "materials/").content.decode()
        assert "身份证.pdf" in page and 'capture="environment"' in page
        assert 'accept="image/*,application/pdf"' in page
        assert "告知承诺制" in page  # the commitment text for 收入状况证明

    def test_the_info_step_shows_the_bound_applicant_masked(self, office):
        client = bound()
        base = draft_url(client)
        client.post(base + "situation/", {"point": "CA"})
        page = client.get(base + "info/").content.decode()
        assert "李*文" in page and ID_NUMBER not in page and "138****5678" in page

    def test_the_info_step_asks_the_items_own_form_and_the_case_keeps_it(self, office):
        from tests.test_case_forms import give_form

        give_form(ServiceItem.objects.get(code="OWN"))
        client = bound()
        base = draft_url(client)
        client.post(base + "situation/", {"point": "CA"})
        page = client.get(base + "info/").content.decode()
        assert "户籍地址" in page and "开户银行" in page and 'name="form_bank"' in page
        wrong = client.post(base + "info/", {"form_address": "甲镇甲村3组12号", "form_bank": "工商银行"})
        assert wrong.status_code == 422
        html = wrong.content.decode()
        assert "请填写银行账号。" in html and "开户银行请从以下选项中选择" in html
        assert "甲镇甲村3组12号" in html  # what he typed stays in the form
        assert ApplicationDraft.objects.get().form == {}
        filled = {
            "form_address": "甲镇甲村3组12号",
            "form_bank": "河南农信社",
            "form_account": "6228480000000000001",
            "form_amount": "150.5",
        }
        assert client.post(base + "info/", filled).status_code == 302
        client.post(base + "materials/", {"action": "upload", "upload_M001": pdf()})
        client.post(base + "materials/", {"action": "next"})
        client.post(base + "delivery/", {"delivery_method": "pickup"})
        assert "河南农信社" in client.get(base + "confirm/").content.decode()
        sent = client.post(base + "confirm/")
        assert sent.status_code == 302
        case = Case.objects.get()
        assert case.form.values["bank"] == "河南农信社" and case.form.values["amount"] == "150.5"

    def test_sending_the_draft_makes_an_online_case_through_the_service_and_drops_the_draft(self, office):
        client = bound()
        case = fill_and_send(client)
        assert (case.channel, case.status) == ("online", CaseStatus.SUBMITTED)
        assert case.applicant_id_number == ID_NUMBER and case.applicant_phone == PHONE
        states = dict(case.materials.values_list("requirement", "state"))
        assert states == {"M001": "provided", "M010": "committed", "M020": "missing"}
        assert case.citizen_link.delivery_method == "mail"
        assert not ApplicationDraft.objects.exists()

    def test_bad_input_is_a_chinese_error_and_nothing_is_half_stored(self, office):
        client = bound()
        base = draft_url(client)
        nowhere = client.post(base + "situation/", {"point": "NOPE"})
        assert nowhere.status_code == 422 and "请选择一个可以办理该事项的服务点。" in nowhere.content.decode()
        client.post(base + "situation/", {"point": "CA"})
        client.post(base + "info/")
        # a good file beside a file that is no PDF nor image: neither is kept
        fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
        refused = client.post(
            base + "materials/", {"action": "upload", "upload_M001": pdf(), "upload_M020": fake}
        )
        assert 400 <= refused.status_code < 500
        assert CHINESE.search(re.search(r'id="problem"[^>]*>(.*?)</div>', refused.content.decode(), re.S)[1])
        assert not StoredFile.objects.exists() and not CitizenFile.objects.exists()
        assert ApplicationDraft.objects.get().materials == []
        client.post(base + "materials/", {"action": "next"})
        no_address = client.post(base + "delivery/", {"delivery_method": "mail", "delivery_address": ""})
        assert no_address.status_code == 422 and "请填写详细的收件地址。" in no_address.content.decode()
        none = client.post(base + "delivery/", {})
        assert none.status_code == 400 and "请选择领取方式。" in none.content.decode()
        too_long = client.post(
            base + "delivery/", {"delivery_method": "mail", "delivery_address": "河" * 201}
        )
        assert too_long.status_code == 400 and "收件地址不能超过200个字。" in too_long.content.decode()
        assert ApplicationDraft.objects.get().delivery == {}
        assert not Case.objects.exists()

    def test_a_second_submit_of_a_sent_draft_makes_no_second_case(self, office):
        client = bound()
        case = fill_and_send(client, mail=False)
        again = client.post(f"/me/drafts/{999999}/confirm/")
        assert again.status_code == 404
        assert Case.objects.count() == 1 and case.citizen_link.delivery_method == "pickup"

    def test_another_citizens_draft_is_not_found(self, office):
        mine = bound()
        base = draft_url(mine)
        other = bound(phone="13900001111", name="王芳", id_number=OTHER_ID)
        assert other.get(base + "situation/").status_code == 404
        assert other.post(base + "discard/").status_code == 404


class TestMyCases:
    def test_notice_supplement_approve_download_and_rate_on_the_pages(self, office):
        clerk, reviewer = staff(office.staff["town_clerk"]), staff(office.staff["reviewer"])
        client = bound()
        case = fill_and_send(client)
        page = client.get(f"/me/cases/{case.number}/").content.decode()
        assert 'aria-current="step"' in page and "窗口工作人员将预审" in page

        act(clerk, case.number, "notify", missing=["M020"])
        page = client.get(f"/me/cases/{case.number}/").content.decode()
        assert "一次性告知" in page and "村委会意见" in page and 'name="upload_M020"' in page
        empty = client.post(f"/me/cases/{case.number}/supplement/", {})
        assert empty.status_code == 400 and "请上传“村委会意见”。" in empty.content.decode()
        done = client.post(f"/me/cases/{case.number}/supplement/", {"upload_M020": pdf("村委会意见.pdf")})
        assert done.status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED

        act(clerk, case.number, "accept")
        act(reviewer, case.number, "review")
        act(reviewer, case.number, "approve", note="符合条件")
        page = client.get(f"/me/cases/{case.number}/").content.decode()
        assert "结果将免费邮寄到：信阳市浉河区甲镇幸福路8号" in page
        act(clerk, case.number, "deliver", method="mail", tracking_number="EMS1234567890")
        page = client.get(f"/me/cases/{case.number}/").content.decode()
        assert "EMS1234567890" in page and "好差评" in page
        links = re.findall(r'href="(/me/documents/[0-9a-f-]+/)"', page)
        assert links
        download = client.get(links[0])
        assert download.status_code == 200 and download.content.startswith(b"%PDF")

        bad = client.post(f"/me/cases/{case.number}/rating/", {"score": "9"})
        assert bad.status_code == 400
        assert (
            client.post(f"/me/cases/{case.number}/rating/", {"score": "5", "comment": "不用跑腿"}).status_code
            == 302
        )
        assert "您已评价过这次办事" in client.get(f"/me/cases/{case.number}/").content.decode()

        licences = client.get("/me/licences/").content.decode()
        assert "老年人优待证" in licences and "data:image/svg+xml;base64," in licences

    def test_a_citizen_sees_only_his_own_cases(self, office):
        mine = bound()
        case = fill_and_send(mine)
        other = bound(phone="13900001111", name="王芳", id_number=OTHER_ID)
        assert case.number not in other.get("/me/cases/").content.decode()
        assert other.get(f"/me/cases/{case.number}/").status_code == 404
        assert other.post(f"/me/cases/{case.number}/supplement/", {}).status_code == 404
        assert other.post(f"/me/cases/{case.number}/rating/", {"score": "5"}).status_code == 404
        document = case.documents.first() if hasattr(case, "documents") else None
        if document is not None:
            assert other.get(f"/me/documents/{document.pk}/").status_code == 404
        assert other.get("/me/documents/not-a-uuid/").status_code == 404
        assert "老年人优待证" not in other.get("/me/licences/").content.decode()

    def test_a_document_still_being_signed_says_so(self, office, settings):
        settings.DOCUMENTS_SIGN_ON_DEMAND_AFTER_SECONDS = 3600
        settings.DOCUMENTS_PENDING_WAIT_SECONDS = 0
        from yichuang.documents.models import Document, DocumentStatus

        clerk = staff(office.staff["town_clerk"])
        client = bound()
        case = fill_and_send(client, upload=("M001", "M020"))
        act(clerk, case.number, "accept")
        pending = Document.objects.filter(case=case, status=DocumentStatus.PENDING).first()
        assert pending is not None
        page = client.get(f"/me/cases/{case.number}/").content.decode()
        assert "正在生成，请稍候" in page
        answer = client.get(f"/me/documents/{pending.pk}/", HTTP_ACCEPT="text/html")
        assert answer.status_code == 409 and "正在生成" in answer.content.decode()


class TestElderMode:
    def test_the_large_type_switch_is_remembered_in_a_cookie(self, world):
        client = Client()
        assert 'class="elder"' not in client.get("/guide/").content.decode()
        answer = client.post("/elder/", {"elder": "1", "next": "/guide/"})
        assert answer.status_code == 302 and answer["Location"] == "/guide/"
        assert 'class="elder"' in client.get("/guide/").content.decode()
        client.post("/elder/", {"elder": "0", "next": "https://evil.example/"})
        assert 'class="elder"' not in client.get("/guide/").content.decode()


class TestEnglish:
    def test_the_phone_pages_follow_the_language_switch(self, office):
        from django.urls import reverse

        client = bound()
        client.post(reverse("set_language"), {"language": "en", "next": "/me/cases/"})
        page = client.get("/me/cases/").content.decode()
        assert "My applications" in page and "My licences" in page
        base = draft_url(client)
        situation = client.get(base + "situation/").content.decode()
        assert "Apply online" in situation and "Where to apply and collect" in situation

    def test_the_kiosk_and_staff_pages_offer_no_switch(self, world):
        assert "长辈版" not in Client().get("/kiosk/").content.decode()  # the next person would inherit it
        clerk = Client()
        clerk.force_login(world.staff["town_clerk"])
        assert "长辈版" not in clerk.get("/work/").content.decode()
        assert "长辈版" in Client().get("/guide/").content.decode()


class TestSmallWords:
    """What the first walk-through of the phone pages found said wrongly (issue 14)."""

    def test_pressing_upload_with_nothing_chosen_says_so_rather_than_uploaded(self, office):
        client = bound()
        base = draft_url(client)
        client.post(base + "situation/", {"point": "CA"})
        client.post(base + "info/")
        page = client.post(base + "materials/", {"action": "upload"}, follow=True).content.decode()
        assert "请先选择要上传的文件" in page and "已上传。" not in page

    def test_someone_who_finds_nothing_is_told_so_without_a_staff_members_work_scope(self, world):
        anonymous = Client().get("/no-such-page/")
        assert anonymous.status_code == 404 and "工作范围" not in anonymous.content.decode()
        clerk = Client()
        clerk.force_login(world.staff["town_clerk"])
        assert "工作范围" in clerk.get("/no-such-page/").content.decode()

    def test_several_messages_read_as_sentences_without_doubled_punctuation(self):
        from yichuang.web.views.common import joined

        assert joined(["请填写经营者姓名。", "请填写店铺名称。"]) == "请填写经营者姓名。请填写店铺名称。"
        assert joined(["材料不全", "请先一次性告知"]) == "材料不全；请先一次性告知"


class TestChoosingWhere:
    def test_the_points_are_grouped_by_town_and_the_town_he_applied_in_before_comes_first_open(self, office):
        client = bound()
        page = client.get(draft_url(client) + "situation/").content.decode()
        towns = re.findall(r'<details class="more town"( open)? id="town-([^"]+)"><summary>([^<]+)', page)
        assert [name.strip() for _, _, name in towns] == ["县（区）级服务大厅", "甲镇", "乙镇"]
        assert not any(opened for opened, _, _ in towns), "nothing to open before he says where he lives"
        town_a = page.split('id="town-')[2].split("</details>")[0]
        assert town_a.index("pt-CA") < town_a.index("pt-SA1"), "the town center before its stations"
        assert "（2个服务点）" in town_a
        fill_and_send(client)
        ApplicationDraft.objects.all().delete()
        again = client.get(draft_url(client) + "situation/").content.decode()
        towns = re.findall(r'<details class="more town"( open)? id="town-([^"]+)"><summary>([^<]+)', again)
        opened, _, name = towns[0]
        assert (opened, name.strip()) == (" open", "甲镇")
