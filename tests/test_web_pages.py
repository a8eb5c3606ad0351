"""The pages, through Django's test client: each answers, stays inside the user's scope, masks personal
numbers, and turns bad input into a Chinese message — never a 500."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests import factories as f
from tests.web_cast import ID_NUMBER, NAME, PHONE, WRONG_ID, make_case, scan
from yichuang.cases import services
from yichuang.cases.models import BundleApplication, Case, CaseStatus, MaterialState
from yichuang.catalog.models import Bundle, BundleItem, ServiceItem
from yichuang.web.lights import light_for

pytestmark = pytest.mark.django_db

MASKED_ID = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
MASKED_PHONE = PHONE[:3] + "****" + PHONE[-4:]


@pytest.fixture(autouse=True)
def _fresh_counters():
    """The progress page counts queries per address in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def page_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def assert_no_personal_numbers(response: Any) -> None:
    body = text(response)
    assert ID_NUMBER not in body
    assert PHONE not in body


# ------------------------------------------------------------------------------------------- citizens


class TestCitizenPages:
    def test_the_front_page_offers_guide_search_progress_and_login(self, county):
        body = text(Client().get("/"))
        assert "办事指南" in body and "进度查询" in body and "/login/" in body
        assert 'lang="zh-CN"' in body

    def test_the_guide_finds_an_item_by_chinese_words_and_by_pinyin_initials(self, county):
        for query in ("低保", "db", "dibao"):
            response = Client().get("/guide/", {"q": query})
            assert response.status_code == 200
            assert "农村最低生活保障审批" in text(response), query

    def test_a_search_that_finds_nothing_says_so_in_chinese(self, county):
        body = text(Client().get("/guide/", {"q": "火星移民"}))
        assert "没有找到" in body

    def test_the_guide_page_lists_materials_and_the_points_with_their_hours(self, county):
        point = county.points["center_a"]
        point.hours = "周一至周五 8:30-12:00 14:30-17:30"
        point.address = "甲镇人民路1号"
        point.save()
        body = text(Client().get("/guide/DB/"))
        assert "户口簿" in body and "困难情况证明" in body
        assert "甲镇便民服务中心" in body and "周一至周五 8:30-12:00" in body and "甲镇人民路1号" in body
        assert "暂缺可先受理" in body  # the tolerable material says so in plain words
        assert "承诺18个工作日内办结" in body

    def test_an_unknown_item_is_a_chinese_404_page(self, county):
        response = Client().get("/guide/NOPE/")
        assert response.status_code == 404
        assert "没有找到" in text(response)

    def test_every_page_has_a_language_switch_and_english_on_request(self, county):
        chinese = text(Client().get("/guide/"))
        assert 'name="language" value="en"' in chinese
        english = Client().get("/guide/", {"lang": "en"})
        assert "Service guide" in text(english)
        assert 'lang="en"' in text(english)

    def test_the_language_choice_sticks_through_the_switch(self, county):
        client = Client()
        client.post("/i18n/setlang/", {"language": "en", "next": "/track/"})
        assert "Check progress" in text(client.get("/track/"))

    def test_the_kiosk_has_large_buttons_and_no_login(self, county):
        body = text(Client().get("/kiosk/"))
        assert 'class="kiosk"' in body and "big-choice" in body and "kiosk.css" in body
        assert "/login/" not in body
        assert "农村最低生活保障审批" in text(Client().get("/kiosk/guide/", {"q": "低保"}))
        assert Client().get("/kiosk/guide/DB/").status_code == 200

    def test_the_kiosk_forgets_the_last_person_after_a_while(self, county):
        case = make_case(county)
        client = Client()
        client.cookies["django_language"] = "en"
        client.post("/kiosk/track/", {"number": case.number, "phone": PHONE})
        assert "web_tracked" in client.session
        assert 'data-idle-home="/kiosk/?reset=1"' in text(client.get("/kiosk/"))
        response = client.get("/kiosk/", {"reset": "1"})
        assert response.status_code == 302 and response["Location"] == "/kiosk/"
        assert "web_tracked" not in client.session
        assert client.cookies["django_language"].value == ""
        home = text(client.get("/kiosk/"))
        assert 'lang="zh-CN"' in home and "data-idle-home" not in home

    def test_the_verify_form_leads_to_the_documents_verify_page(self, county):
        response = Client().get("/verify-code/", {"code": "AB12-cd34"})
        assert response.status_code == 302 and response["Location"] == "/verify/AB12cd34"
        assert Client().get("/verify-code/", {"code": "../.."})["Location"] == "/"


class TestProgress:
    def test_the_applicant_sees_progress_with_number_and_phone_and_no_staff_names(self, county):
        case = make_case(county)
        response = Client().post("/track/", {"number": case.number, "phone": PHONE})
        assert response.status_code == 200
        body = text(response)
        assert case.number in body and "已受理" in body and "农村最低生活保障审批" in body
        assert county.staff["town_clerk"].username not in body
        assert_no_personal_numbers(response)

    def test_a_wrong_phone_answers_like_an_unknown_number(self, county):
        case = make_case(county)
        wrong = Client().post("/track/", {"number": case.number, "phone": "13900000000"})
        unknown = Client().post("/track/", {"number": "99999999", "phone": PHONE})
        assert wrong.status_code == unknown.status_code == 404
        assert "没有找到这个办件" in text(wrong) and "没有找到这个办件" in text(unknown)

    def test_bad_input_gives_chinese_messages(self, county):
        response = Client().post("/track/", {"number": "abc", "phone": "12"})
        assert response.status_code == 400
        assert "办件编号由数字组成" in text(response) and "请输入有效的11位手机号码" in text(response)

    def test_the_phone_never_travels_in_a_url(self, county):
        body = text(Client().get("/track/"))
        assert re.search(r'<form method="post" action="/track/"', body)

    def test_too_many_queries_are_slowed_down(self, county, settings):
        rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**rates, "track": "3/min"},
        }
        client = Client()
        codes = [client.post("/track/", {"number": "1", "phone": PHONE}).status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        assert "查询过于频繁" in text(client.post("/track/", {"number": "1", "phone": PHONE}))

    def test_rating_needs_a_progress_query_first(self, county):
        case = delivered(county)
        response = Client().post(f"/track/{case.number}/rating/", {"score": 5})
        assert response.status_code == 403 and "请先输入办件编号" in text(response)

    def test_a_finished_case_is_rated_once_per_channel(self, county):
        case = delivered(county)
        client = Client()
        page = text(client.post("/track/", {"number": case.number, "phone": PHONE}))
        assert "请为这次办事评价" in page
        assert client.post(f"/track/{case.number}/rating/", {"score": 9}).status_code == 400
        response = client.post(f"/track/{case.number}/rating/", {"score": 2, "comment": "等了很久"})
        assert response.status_code == 200 and "感谢您的评价" in text(response)
        rating = case.ratings.get()
        assert (rating.score, rating.channel, rating.comment) == (2, "web", "等了很久")
        again = client.post(f"/track/{case.number}/rating/", {"score": 5})
        assert again.status_code == 409 and "只能评价一次" in text(again)
        page = text(client.post("/track/", {"number": case.number, "phone": PHONE}))
        assert "您已评价过" in page and "请为这次办事评价" not in page
        kiosk = Client()
        kiosk.post("/kiosk/track/", {"number": case.number, "phone": PHONE})
        assert kiosk.post(f"/kiosk/track/{case.number}/rating/", {"score": 5}).status_code == 200
        assert case.ratings.get(channel="kiosk").score == 5

    def test_an_open_case_cannot_be_rated_yet(self, county):
        case = make_case(county)
        client = Client()
        assert "请为这次办事评价" not in text(client.post("/track/", {"number": case.number, "phone": PHONE}))
        response = client.post(f"/track/{case.number}/rating/", {"score": 5})
        assert response.status_code == 409 and "办结后才能评价" in text(response)


def delivered(world: Any) -> Case:
    case = make_case(world, item="GL", provide=("M001",), tolerated=(), commitments=())
    services.case_approve(case=case, actor=world.staff["town_clerk"])
    return services.case_deliver(case=case, actor=world.staff["town_clerk"], method="pickup")


# -------------------------------------------------------------------------------------------- staff


class TestLogin:
    def test_pages_for_staff_need_a_login(self, county):
        for url in ("/work/", "/work/intake/", "/work/queue/", "/work/cases/1/"):
            response = Client().get(url)
            assert response.status_code == 302 and response["Location"].startswith("/login/?next=")

    def test_a_clerk_logs_in_and_lands_on_the_workbench(self, county):
        client = Client()
        response = client.post("/login/", {"username": "clerk_a", "password": "pw-12345678"})
        assert response.status_code == 302 and response["Location"] == "/work/"
        assert "待受理" in text(client.get("/work/"))

    def test_a_wrong_password_is_refused_in_chinese(self, county):
        response = Client().post("/login/", {"username": "clerk_a", "password": "nope"})
        assert response.status_code == 400
        assert "用户名或密码错误" in text(response)

    def test_repeated_failures_lock_the_account_even_for_the_right_password(self, county):
        client = Client()
        for _ in range(5):
            client.post("/login/", {"username": "clerk_a", "password": "nope"})
        response = client.post("/login/", {"username": "clerk_a", "password": "pw-12345678"})
        assert response.status_code == 403
        assert "账号已被暂时锁定" in text(response)

    def test_logout_is_a_post(self, county):
        client = page_for(county.staff["town_clerk"])
        assert client.get("/logout/").status_code == 405
        assert client.post("/logout/").status_code == 302
        assert client.get("/work/").status_code == 302


class TestHome:
    def test_the_window_sees_what_waits_for_acceptance_and_delivery(self, county):
        submitted = make_case(county, actor="agent", point="station_a1", channel="agent")
        body = text(page_for(county.staff["town_clerk"]).get("/work/"))
        assert "待受理" in body and submitted.number in body and "待出件" in body
        assert "综合受理" in body

    def test_the_reviewer_sees_his_queue_with_the_lights_counted(self, county):
        case = make_case(county)
        body = text(page_for(county.staff["reviewer"]).get("/work/"))
        assert "审批队列" in body and case.number in body and "临期" in body and "超期" in body

    def test_the_agent_sees_his_village_and_the_results_to_bring_home(self, county):
        case = make_case(county, actor="agent", point="station_a1", channel="agent")
        services.case_accept(case=case, actor=county.staff["town_clerk"])
        services.case_approve(case=case, actor=county.staff["reviewer"])
        body = text(page_for(county.staff["agent"]).get("/work/"))
        assert "待送证上门" in body and case.number in body and "签收人姓名" in body

    def test_deadline_reminders_show_until_read(self, county):
        from yichuang.notify.models import StaffNotice

        case = make_case(county)
        reviewer = county.staff["reviewer"]
        mine = StaffNotice.objects.create(
            recipient=reviewer,
            kind="due_soon",
            key="k1",
            case_number=case.number,
            body="办件将于2个工作日内到期。",
        )
        theirs = StaffNotice.objects.create(
            recipient=county.staff["town_clerk"], kind="due_soon", key="k2", body="x"
        )
        client = page_for(reviewer)
        body = text(client.get("/work/"))
        assert (
            "工作提醒" in body and "办件将于2个工作日内到期" in body and f"/work/cases/{case.number}/" in body
        )
        assert client.post(f"/work/notices/{theirs.pk}/read/").status_code == 404
        assert client.post(f"/work/notices/{mine.pk}/read/").status_code == 302
        mine.refresh_from_db()
        assert mine.read_at is not None and "工作提醒" not in text(client.get("/work/"))

    @pytest.mark.parametrize("who", ["admin", "supervisor", "town_clerk", "reviewer", "agent"])
    def test_every_pile_opens_a_list_of_exactly_its_cases(self, county, who):
        # A tester saw "查看全部 9 件" on the work page open a list of "共 14 件": the 审批队列 pile
        # counted the cases in review, its link opened every open case.
        window = make_case(county)  # accepted, promised: in review
        make_case(county, actor="agent", point="station_a1", channel="agent")  # submitted
        immediate = make_case(county, item="GL", provide=("M001",), tolerated=(), commitments=())
        promised_accepted = make_case(county)
        services.case_approve(case=window, actor=county.staff["reviewer"])
        brought = make_case(county, actor="agent", point="station_a1", channel="agent")
        services.case_accept(case=brought, actor=county.staff["town_clerk"])
        services.case_approve(case=brought, actor=county.staff["reviewer"])
        assert (immediate.kind, promised_accepted.status) == ("immediate", CaseStatus.ACCEPTED)
        client = page_for(county.staff[who])
        piles = client.get("/work/").context["piles"]
        assert piles
        for pile in piles:
            listed = client.get(pile.more_url).context["page"].paginator.count
            assert listed == pile.count, (pile.key, pile.more_url)

    def test_names_in_lists_are_masked(self, county):
        make_case(county)
        body = text(page_for(county.staff["reviewer"]).get("/work/"))
        assert NAME not in body and "王*兰" in body


# ----------------------------------------------------------------------------------------- intake


def intake_form(
    *, decision: str = "accept", id_number: str = ID_NUMBER, token: str = "t1", **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form_token": token,
        "kind": "person",
        "name": NAME,
        "id_number": id_number,
        "phone": PHONE,
        "decision": decision,
    }
    data.update(extra)
    return data


class TestIntake:
    def test_the_workbench_finds_items_by_pinyin_and_marks_those_the_point_does_not_offer(self, county):
        other = f.ItemFactory(code="ZZ", name="林木采伐许可", department=county.departments["civil"])
        from yichuang.catalog.services import item_publish

        item_publish(item=other)
        f.OfferFactory(point=county.points["hall"], item=other)
        client = page_for(county.staff["town_clerk"])
        assert "高龄津贴申领" in text(client.get("/work/intake/", {"q": "gljt"}))
        body = text(client.get("/work/intake/", {"q": "林木"}))
        assert "本点未认领" in body and "区政务服务中心" in body

    def test_the_form_shows_the_guide_and_the_checklist_with_tolerated_and_committed_marks(self, county):
        body = text(page_for(county.staff["town_clerk"]).get("/work/intake/item/DB/"))
        assert "困难情况证明" in body and 'name="tolerated" value="M020"' in body
        assert 'name="committed" value="M010"' in body and 'name="tolerated" value="M001"' not in body
        assert 'capture="environment"' in body and "data-idcheck" in body
        assert "办理条件" in body or "多久办好" in body

    def test_an_item_the_point_does_not_offer_is_not_found(self, county):
        other = f.ItemFactory(code="ZZ", name="林木采伐许可", department=county.departments["civil"])
        assert page_for(county.staff["town_clerk"]).get(f"/work/intake/item/{other.code}/").status_code == 404

    def test_an_immediate_item_is_accepted_with_its_materials_and_the_page_masks_the_applicant(self, county):
        client = page_for(county.staff["town_clerk"])
        response = client.post("/work/intake/item/GL/", intake_form(upload_M001=scan()))
        assert response.status_code == 302, text(response)
        case = Case.objects.get()
        assert response["Location"] == f"/work/cases/{case.number}/"
        assert case.status == CaseStatus.ACCEPTED and case.channel == "window"
        page = client.get(response["Location"])
        assert "准予" in text(page) and MASKED_ID in text(page) and MASKED_PHONE in text(page)
        assert_no_personal_numbers(page)

    def test_files_uploaded_at_once_are_used_by_their_ids(self, county):
        client = page_for(county.staff["town_clerk"])
        uploaded = client.post("/work/upload/", {"field": "file_M001", "upload_M001": scan()})
        assert uploaded.status_code == 200
        file_id = re.search(r'name="file_M001" value="([0-9a-f-]+)"', text(uploaded)).group(1)
        response = client.post("/work/intake/item/GL/", intake_form(file_M001=file_id))
        assert response.status_code == 302
        assert Case.objects.get().materials.get(requirement="M001").files.get().pk.hex == file_id.replace(
            "-", ""
        )

    def test_an_upload_that_is_no_pdf_or_image_is_refused_in_chinese_where_it_was_chosen(self, county):
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = page_for(county.staff["town_clerk"])
        response = client.post(
            "/work/upload/", {"field": "file_M001", "upload_M001": SimpleUploadedFile("a.pdf", b"MZ\x90\x00")}
        )
        assert response.status_code == 415
        assert "只接受 PDF、JPEG、PNG 或 OFD 文件" in text(response)
        assert response["HX-Retarget"] == "#err-file_M001"

    def test_a_wrong_check_digit_is_refused_and_nothing_is_stored(self, county):
        response = page_for(county.staff["town_clerk"]).post(
            "/work/intake/item/GL/", intake_form(id_number=WRONG_ID, upload_M001=scan())
        )
        assert response.status_code == 400
        assert "校验码不正确" in text(response)
        assert not Case.objects.exists()

    def test_accepting_with_materials_missing_stores_nothing_and_keeps_the_uploads(self, county):
        client = page_for(county.staff["town_clerk"])
        response = client.post("/work/intake/item/DB/", intake_form(upload_M001=scan("id.pdf")))
        assert response.status_code == 422
        body = text(response)
        assert "材料不全，不能受理" in body and "户口簿" in body
        assert "id.pdf" in body and 'name="file_M001"' in body  # the upload is kept for the next try
        assert not Case.objects.exists()

    def test_a_tolerated_material_lets_a_promised_item_be_accepted_with_a_deadline(self, county):
        client = page_for(county.staff["town_clerk"])
        response = client.post(
            "/work/intake/item/DB/",
            intake_form(upload_M001=scan(), upload_M002=scan(), tolerated="M020", committed="M010"),
        )
        assert response.status_code == 302, text(response)
        case = Case.objects.get()
        assert case.status == CaseStatus.ACCEPTED and case.supplement_due_date is not None
        states = dict(case.materials.values_list("requirement", "state"))
        assert states["M020"] == MaterialState.TOLERATED and states["M010"] == MaterialState.COMMITTED
        receipt = client.get(f"/work/cases/{case.number}/print/receipt/")
        assert receipt.status_code == 200 and "容缺受理" in text(receipt)
        assert_no_personal_numbers(receipt)

    def test_a_one_time_notice_lists_every_missing_material(self, county):
        client = page_for(county.staff["town_clerk"])
        response = client.post("/work/intake/item/DB/", intake_form(decision="notify", upload_M001=scan()))
        case = Case.objects.get()
        assert case.status == CaseStatus.NEEDS_SUPPLEMENT
        assert response["Location"] == f"/work/cases/{case.number}/print/notice/"
        notice = text(client.get(response["Location"]))
        assert "一次性告知书" in notice and "户口簿" in notice and "家庭经济状况说明" in notice
        assert "行政许可法" not in notice  # 低保 is a 行政给付, not a licence

    def test_a_complete_application_needs_no_notice(self, county):
        response = page_for(county.staff["town_clerk"]).post(
            "/work/intake/item/GL/", intake_form(decision="notify", upload_M001=scan())
        )
        assert response.status_code == 422 and "无需一次性告知" in text(response)
        assert not Case.objects.exists()

    def test_a_refusal_needs_a_reason_and_prints_a_decision_with_the_remedy(self, county):
        client = page_for(county.staff["town_clerk"])
        response = client.post("/work/intake/item/GL/", intake_form(decision="refuse"))
        assert response.status_code == 400 and "不予受理须说明理由" in text(response)
        response = client.post(
            "/work/intake/item/GL/", intake_form(decision="refuse", refuse_reason="申请人未满80周岁。")
        )
        case = Case.objects.get()
        assert case.status == CaseStatus.REFUSED
        paper = text(client.get(response["Location"]))
        assert "不予受理通知书" in paper and "申请人未满80周岁" in paper and "行政复议" in paper

    def test_the_same_form_sent_twice_makes_one_case(self, county):
        client = page_for(county.staff["town_clerk"])
        first = client.post("/work/intake/item/GL/", intake_form(upload_M001=scan()))
        second = client.post("/work/intake/item/GL/", intake_form(upload_M001=scan()))
        assert first["Location"] == second["Location"]
        assert Case.objects.count() == 1

    def test_a_decision_that_is_no_decision_is_refused(self, county):
        response = page_for(county.staff["town_clerk"]).post(
            "/work/intake/item/GL/", intake_form(decision="approve", upload_M001=scan())
        )
        assert response.status_code == 400 and "请选择受理" in text(response)

    def test_licences_are_looked_up_by_a_post_and_cover_their_material(self, county):
        from yichuang.licenses.models import License

        item = ServiceItem.objects.get(code="GL")
        license_type = f.LicenseTypeFactory(code="SFZ", name="居民身份证")
        material = item.materials.get(code="M001")
        material.license_type = license_type
        material.save()
        License.objects.create(
            number="SFZ-1",
            license_type=license_type,
            holder_name=NAME,
            holder_id_number=ID_NUMBER,
            issuer="浉河区公安局",
            issued_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
            valid_from=dt.date(2020, 1, 1),
        )
        client = page_for(county.staff["town_clerk"])
        assert client.get("/work/intake/licences/").status_code == 405
        response = client.post(
            "/work/intake/licences/", {"id_number": ID_NUMBER, "subject": "GL", "subject_kind": "item"}
        )
        assert response.status_code == 200
        assert 'id="lic-M001" hx-swap-oob="true"' in text(response) and "免提交" in text(response)

    def test_an_agent_submits_for_a_villager_with_the_consent_file(self, county):
        client = page_for(county.staff["agent"])
        response = client.post("/work/intake/item/GL/", intake_form(decision="submit", camera_M001=scan()))
        assert response.status_code == 400 and "委托书" in text(response)
        response = client.post(
            "/work/intake/item/GL/",
            intake_form(
                decision="submit", token="t2", camera_M001=scan(), consent_upload=scan("consent.pdf")
            ),
        )
        assert response.status_code == 302, text(response)
        case = Case.objects.get()
        assert (
            case.status == CaseStatus.SUBMITTED and case.channel == "agent" and case.consent_file is not None
        )

    def test_an_agent_is_sent_to_the_town_window_for_a_bundle(self, bundle, county):
        response = page_for(county.staff["agent"]).get("/work/intake/bundle/YJS-T/")
        assert response.status_code == 403 and "便民服务中心综合窗口" in text(response)

    def test_a_supervisor_cannot_take_in_applications(self, county):
        response = page_for(county.staff["supervisor"]).get("/work/intake/item/GL/")
        assert response.status_code == 403 and "不能受理办件" in text(response)


@pytest.fixture
def bundle(county):
    one = Bundle.objects.create(code="YJS-T", name="困难老人救助一件事")
    for order, code in enumerate(("DB", "GL")):
        BundleItem.objects.create(bundle=one, item=ServiceItem.objects.get(code=code), order=order)
    return one


def test_a_bundle_is_applied_for_once_and_gets_one_receipt(bundle, county):
    client = page_for(county.staff["town_clerk"])
    assert "同时办理" in text(client.get("/work/intake/bundle/YJS-T/"))
    response = client.post(
        "/work/intake/bundle/YJS-T/",
        intake_form(upload_M001=scan(), upload_M002=scan(), tolerated="M020", committed="M010"),
    )
    application = BundleApplication.objects.get()
    assert response["Location"] == f"/work/applications/{application.number}/"
    receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    for case in application.cases.all():
        assert case.number in text(receipt) and case.status == CaseStatus.ACCEPTED
    assert_no_personal_numbers(receipt)


# ----------------------------------------------------------------------------------- queue and case


class TestQueue:
    def test_cases_come_by_due_date_with_their_lights(self, county):
        later = make_case(county)
        sooner = make_case(county, item="GL", provide=("M001",), tolerated=(), commitments=())
        body = text(page_for(county.staff["town_clerk"]).get("/work/queue/"))
        assert body.index(sooner.number) < body.index(later.number)
        assert 'class="light yellow"' in body and 'class="light green"' in body

    def test_filters_by_item_status_and_point(self, county):
        dibao = make_case(county)
        elder = make_case(county, item="GL", provide=("M001",), tolerated=(), commitments=())
        client = page_for(county.staff["town_clerk"])
        body = text(client.get("/work/queue/", {"item": "GL"}))
        assert elder.number in body and dibao.number not in body
        assert dibao.number not in text(client.get("/work/queue/", {"status": "approved"}))
        assert dibao.number in text(client.get("/work/queue/", {"point": "CA"}))
        partial = client.get(
            "/work/queue/", {"item": "DB"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-rows"
        )
        assert text(partial).lstrip().startswith('<section id="queue-rows"')

    def test_a_bad_filter_falls_back_to_the_open_cases(self, county):
        case = make_case(county)
        response = page_for(county.staff["town_clerk"]).get(
            "/work/queue/", {"status": "nonsense", "page": "x"}
        )
        assert response.status_code == 200 and case.number in text(response)

    def test_another_towns_cases_are_not_listed(self, county):
        case = make_case(county)
        assert case.number not in text(page_for(county.staff["other_clerk"]).get("/work/queue/"))


class TestCasePage:
    def test_the_case_page_shows_timeline_materials_documents_and_the_allowed_buttons(self, county):
        case = make_case(county)
        response = page_for(county.staff["reviewer"]).get(f"/work/cases/{case.number}/")
        body = text(response)
        assert "办理过程" in body and "申请材料" in body and "电子文书" in body
        for action in ("review", "approve", "deny", "suspend", "extend"):
            assert f"/act/{action}/" in body
        assert "/act/accept/" not in body and "/act/deliver/" not in body
        assert_no_personal_numbers(response)

    def test_out_of_scope_answers_404(self, county):
        case = make_case(county)
        assert page_for(county.staff["other_clerk"]).get(f"/work/cases/{case.number}/").status_code == 404
        assert (
            page_for(county.staff["other_clerk"]).post(f"/work/cases/{case.number}/act/approve/").status_code
            == 404
        )
        assert page_for(county.staff["reviewer"]).get("/work/cases/0000/").status_code == 404

    def test_the_reviewer_approves_and_a_second_click_is_a_clear_conflict_that_a_reload_does_not_resend(
        self, county
    ):
        case = make_case(county)
        client = page_for(county.staff["reviewer"])
        version = case.row_version
        response = client.post(f"/work/cases/{case.number}/act/approve/", {"row_version": version})
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.APPROVED
        again = client.post(f"/work/cases/{case.number}/act/approve/", {"row_version": version})
        assert again.status_code == 302, "a refusal is shown on the case page, not as the answer to the post"
        shown = client.get(again["Location"])
        assert "办件已被他人修改，请刷新后重试" in text(shown)
        assert "办件已被他人修改" not in text(client.get(again["Location"])), (
            "said once: reloading is a plain view"
        )
        stale_free = client.post(f"/work/cases/{case.number}/act/approve/", follow=True)
        assert "不能准予" in text(stale_free)

    def test_deny_needs_a_reason_and_the_decision_states_the_remedy(self, county):
        case = make_case(county)
        client = page_for(county.staff["reviewer"])
        response = client.post(f"/work/cases/{case.number}/act/deny/", {"deny-reason": ""})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "该字段是必填项" in page and '<details class="more" open>' in page
        client.post(f"/work/cases/{case.number}/act/deny/", {"deny-reason": "家庭收入高于当地低保标准。"})
        case.refresh_from_db()
        assert case.status == CaseStatus.DENIED
        paper = text(client.get(f"/work/cases/{case.number}/print/decision/"))
        assert "家庭收入高于当地低保标准" in paper and "六个月内" in paper

    def test_suspend_with_a_reason_then_resume(self, county):
        case = make_case(county)
        client = page_for(county.staff["reviewer"])
        client.post(
            f"/work/cases/{case.number}/act/suspend/",
            {"suspend-kind": "inspection", "suspend-reason": "入户核查家庭经济状况"},
        )
        case.refresh_from_db()
        assert case.status == CaseStatus.SUSPENDED
        assert 'class="light grey"' in text(client.get("/work/queue/"))
        client.post(f"/work/cases/{case.number}/act/resume/")
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_REVIEW

    def test_an_unknown_action_is_404_and_get_is_not_allowed(self, county):
        case = make_case(county)
        client = page_for(county.staff["reviewer"])
        assert client.post(f"/work/cases/{case.number}/act/explode/").status_code == 404
        assert client.get(f"/work/cases/{case.number}/act/approve/").status_code == 405

    def test_the_window_finishes_an_immediate_item_in_one_sitting(self, county):
        case = make_case(county, item="GL", provide=("M001",), tolerated=(), commitments=())
        client = page_for(county.staff["town_clerk"])
        client.post(f"/work/cases/{case.number}/act/approve/")
        response = client.post(f"/work/cases/{case.number}/act/deliver/", {"deliver-method": "pickup"})
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.DELIVERED and case.recipient_name == NAME

    def test_mail_delivery_without_a_tracking_number_is_a_chinese_message(self, county):
        case = make_case(county, item="GL", provide=("M001",), tolerated=(), commitments=())
        client = page_for(county.staff["town_clerk"])
        client.post(f"/work/cases/{case.number}/act/approve/")
        response = client.post(
            f"/work/cases/{case.number}/act/deliver/", {"deliver-method": "mail"}, follow=True
        )
        assert "邮寄送达须填写邮件单号" in text(response)
        assert '<option value="mail" selected>' in response.content.decode(), "the clerk's choice is kept"

    def test_the_agent_brings_the_result_home_and_records_who_signed(self, county):
        case = make_case(county, actor="agent", point="station_a1", channel="agent")
        services.case_accept(case=case, actor=county.staff["town_clerk"])
        services.case_approve(case=case, actor=county.staff["reviewer"])
        response = page_for(county.staff["agent"]).post(
            f"/work/cases/{case.number}/act/deliver/",
            {"deliver-method": "agent", "deliver-recipient_name": "王秀兰"},
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.DELIVERED and case.recipient_name == "王秀兰"

    def test_a_supplement_arrives_as_files(self, county):
        client = page_for(county.staff["town_clerk"])
        client.post("/work/intake/item/DB/", intake_form(decision="notify", upload_M001=scan()))
        case = Case.objects.get()
        empty = client.post(f"/work/cases/{case.number}/act/supplement/", follow=True)
        assert "请先上传补正材料" in text(empty)
        client.post(
            f"/work/cases/{case.number}/act/supplement/",
            {"upload_M002": scan(), "upload_M010": scan(), "upload_M020": scan()},
        )
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED
        assert not case.materials.filter(state=MaterialState.MISSING).exists()

    def test_papers_that_do_not_exist_are_404(self, county):
        case = make_case(county)
        client = page_for(county.staff["town_clerk"])
        for paper in ("notice", "refusal", "decision", "nonsense"):
            assert client.get(f"/work/cases/{case.number}/print/{paper}/").status_code == 404


# ------------------------------------------------------------------------------------------- lights


class TestLights:
    @pytest.fixture
    def case(self, county) -> Case:
        return make_case(county)

    def test_green_then_yellow_within_two_working_days_then_red(self, case):
        case.due_date = dt.date(2025, 3, 14)  # a Friday
        assert light_for(case, today=dt.date(2025, 3, 10)).color == "green"  # Monday: 4 working days
        assert light_for(case, today=dt.date(2025, 3, 12)).color == "yellow"  # Wednesday: 2
        assert light_for(case, today=dt.date(2025, 3, 14)).color == "yellow"  # due today
        assert light_for(case, today=dt.date(2025, 3, 17)).color == "red"

    def test_a_weekend_does_not_count_toward_yellow(self, case):
        case.due_date = dt.date(2025, 3, 19)  # Wednesday
        assert light_for(case, today=dt.date(2025, 3, 14)).color == "green"  # Friday: 3 working days
        assert light_for(case, today=dt.date(2025, 3, 17)).color == "yellow"  # Monday: 2

    def test_suspended_is_grey_and_unaccepted_has_no_light(self, case):
        case.status = CaseStatus.SUSPENDED
        assert light_for(case).color == "grey"
        case.status = CaseStatus.SUBMITTED
        assert light_for(case).color == "none"


def test_no_page_of_a_worker_shows_a_500_for_odd_numbers(county):
    client = page_for(county.staff["town_clerk"])
    for url in (
        "/work/cases/%00/",
        "/work/cases/" + "9" * 200 + "/",
        "/work/applications/x/",
        "/guide/" + "x" * 300 + "/",
        "/work/intake/item/%E4%BD%A0/",
    ):
        assert client.get(url).status_code == 404, url
    assert Client().post("/kiosk/track/", {"number": "1" * 500, "phone": "x" * 500}).status_code == 400


def test_roles_without_intake_still_get_a_home(county):
    for who in ("supervisor", "admin", "bank_clerk"):
        assert page_for(county.staff[who]).get("/work/").status_code == 200


def test_nul_characters_in_forms_never_reach_the_database(county):
    """PostgreSQL refuses NUL in text; the pages drop them or answer 4xx, never 500."""
    client = page_for(county.staff["town_clerk"])
    response = client.post(
        "/work/intake/item/GL/",
        intake_form(upload_M001=scan(), note="当场\x00办结", tolerated="M\x00001", committed="\x00"),
    )
    assert response.status_code in (302, 422), text(response)
    response = client.post(
        "/work/intake/item/GL/", intake_form(token="t2", name="王\x00兰", upload_M001=scan())
    )
    assert response.status_code == 400
    case = make_case(county, actor="agent", point="station_a1", channel="agent")
    for data in ({"missing": "\x00"}, {"notify-note": "\x00"}):
        refused = client.post(f"/work/cases/{case.number}/act/notify/", data)
        assert refused.status_code == 302 and "msg error" in client.get(refused["Location"]).content.decode()
    assert client.get("/work/intake/", {"q": "\x00"}).status_code == 200
    assert Client().get("/guide/", {"q": "低\x00保"}).status_code == 200
    assert client.get("/work/intake/item/%00/").status_code == 404


# ---------------------------------------------------------------------------------------------- icons


ICON = '<link rel="icon" href="data:,">'


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/verify/ABCDEFGHJKMNPQRS", id="verify"),
        pytest.param("/admin/login/", id="admin-login"),
        pytest.param("/admin/", id="admin-index"),
        pytest.param("/admin/documents/seal/", id="admin-changelist"),
        pytest.param("/admin/documents/seal/add/", id="admin-change-form"),
    ],
)
def test_the_verify_page_and_the_admin_declare_an_icon_so_browsers_ask_for_no_favicon(world, path):
    client = Client()
    if path != "/admin/login/":
        client.force_login(world.staff["admin"])
    body = text(client.get(path))
    assert body.count(ICON) == 1, "once, in the head"
    assert body.index(ICON) < body.index("</head>")
