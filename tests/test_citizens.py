"""Citizens apply online (网上办): sign in with a code by SMS, bind their identity, apply, supplement
after the window's one-time notice, follow, download the sealed documents and rate — their own cases
only, and nothing of the staff's."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from tests.test_documents import office as _office  # noqa: F401  (registers the fixture "_office")
from yichuang.cases.models import Case
from yichuang.citizens.models import Citizen, CitizenToken, LoginCode
from yichuang.common.identity import mask_phone, resident_id_check_char
from yichuang.files.samples import BLANK_PDF
from yichuang.notify.models import SmsMessage

pytestmark = pytest.mark.django_db

FIRST17 = "41150219800101123"
ID_NUMBER = FIRST17 + resident_id_check_char(FIRST17)
OTHER17 = "41150219900202456"
OTHER_ID = OTHER17 + resident_id_check_char(OTHER17)
PHONE = "13812345678"
PDF = BLANK_PDF


@pytest.fixture
def office(request: pytest.FixtureRequest) -> Any:
    """The county of the documents' tests: its items (老年人优待证办理 gives a licence) and seals."""
    return request.getfixturevalue("_office")


def last_code(phone: str) -> str:
    # The outbox cannot be searched by number (sealed, no index); once sent it keeps it masked.
    messages = SmsMessage.objects.filter(template="citizen_login_code").order_by("-id")
    message = next(m for m in messages if m.to in (phone, mask_phone(phone)))
    found = re.search(r"验证码为(\d{6})", message.body)
    assert found, message.body
    return found.group(1)


def sign_in(phone: str = PHONE) -> APIClient:
    client = APIClient()
    sent = client.post("/api/v1/citizen/login/code/", {"phone": phone}, format="json")
    assert sent.status_code == 202, sent.content
    answer = client.post("/api/v1/citizen/login/", {"phone": phone, "code": last_code(phone)}, format="json")
    assert answer.status_code == 200, answer.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['token']}")
    return client


def verified(phone: str = PHONE, name: str = "李金文", id_number: str = ID_NUMBER) -> APIClient:
    client = sign_in(phone)
    bound = client.post("/api/v1/citizen/identity/", {"name": name, "id_number": id_number}, format="json")
    assert bound.status_code == 200, bound.content
    return client


def upload(client: APIClient) -> str:
    response = client.post(
        "/api/v1/files/", {"file": SimpleUploadedFile("scan.pdf", PDF)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def staff(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def act(client: APIClient, number: str, action: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/cases/{number}/actions/{action}/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def application(client: APIClient, provide=("M001",), **extra: Any) -> dict[str, Any]:
    return {
        "item": "OWN",
        "point": "CA",
        "materials": [{"requirement": code, "files": [upload(client)]} for code in provide],
        "commitments": ["M010"],
        "delivery": {"method": "mail", "address": "信阳市浉河区甲镇幸福路8号"},
        **extra,
    }


class TestSignIn:
    def test_a_code_by_sms_signs_a_citizen_in_and_only_digests_are_stored(self, db):
        client = sign_in()
        code = last_code(PHONE)
        token = client._credentials["HTTP_AUTHORIZATION"].split()[1]
        me = client.get("/api/v1/citizen/me/")
        assert me.status_code == 200
        assert me.json() == {"phone": "138****5678", "name": "", "id_number": "", "verified": False}
        stored = LoginCode.objects.get()
        assert code not in stored.digest and len(stored.digest) == 64
        assert not CitizenToken.objects.filter(digest=token).exists()
        assert token not in CitizenToken.objects.get().digest

    def test_the_console_backend_prints_the_code_whole_and_the_number_masked(self, settings, capsys):
        from yichuang.notify.services import sms_send

        settings.SMS_BACKEND = "console"
        APIClient().post("/api/v1/citizen/login/code/", {"phone": PHONE}, format="json")
        sms_send(message_id=SmsMessage.objects.get(template="citizen_login_code").pk)
        printed = capsys.readouterr().out
        assert f"验证码为{last_code(PHONE)}" in printed
        assert "138****5678" in printed and PHONE not in printed

    def test_a_wrong_code_is_a_400_in_chinese_and_five_wrong_tries_spend_the_code(self, db):
        client = APIClient()
        client.post("/api/v1/citizen/login/code/", {"phone": PHONE}, format="json")
        code = last_code(PHONE)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            answer = client.post("/api/v1/citizen/login/", {"phone": PHONE, "code": wrong}, format="json")
            assert answer.status_code == 400
            assert answer.json()["detail"] == "验证码错误或已失效，请重新获取。"
        answer = client.post("/api/v1/citizen/login/", {"phone": PHONE, "code": code}, format="json")
        assert answer.status_code == 400

    def test_a_code_expires_after_five_minutes(self, db):
        client = APIClient()
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
            client.post("/api/v1/citizen/login/code/", {"phone": PHONE}, format="json")
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, 5, 1, tzinfo=dt.UTC), tick=False):
            answer = client.post(
                "/api/v1/citizen/login/", {"phone": PHONE, "code": last_code(PHONE)}, format="json"
            )
        assert answer.status_code == 400

    def test_codes_are_limited_per_phone(self, db):
        client = APIClient()
        answers = [
            client.post(
                "/api/v1/citizen/login/code/", {"phone": PHONE}, format="json", REMOTE_ADDR=f"10.0.0.{i}"
            ).status_code
            for i in range(6)
        ]
        assert answers == [202] * 5 + [429]

    def test_codes_are_limited_per_address(self, db):
        client = APIClient()
        answers = [
            client.post(
                "/api/v1/citizen/login/code/", {"phone": f"1381234{i:04d}"}, format="json"
            ).status_code
            for i in range(11)
        ]
        assert answers == [202] * 10 + [429]

    def test_a_bad_phone_is_a_clear_4xx(self, db):
        answer = APIClient().post("/api/v1/citizen/login/code/", {"phone": "12345"}, format="json")
        assert answer.status_code == 422
        assert answer.json()["fields"] == {"phone": ["请填写11位手机号码。"]}
        assert APIClient().post("/api/v1/citizen/login/code/", {}, format="json").status_code == 400
        assert (
            APIClient().post("/api/v1/citizen/login/", "[]", content_type="application/json").status_code
            == 400
        )

    def test_signing_out_revokes_the_token_and_tokens_end_after_seven_days(self, db):
        client = sign_in()
        assert client.post("/api/v1/citizen/logout/").status_code == 204
        answer = client.get("/api/v1/citizen/me/")
        assert answer.status_code == 401 and answer.json()["detail"] == "登录已失效，请重新登录。"
        later = sign_in()
        with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
            assert later.get("/api/v1/citizen/me/").status_code == 401


class TestIdentity:
    def test_binding_checks_the_id_number_and_the_name_and_masks_them(self, db):
        client = sign_in()
        bad = client.post(
            "/api/v1/citizen/identity/", {"name": "李金文", "id_number": FIRST17 + "0"}, format="json"
        )
        if ID_NUMBER.endswith("0"):
            bad = client.post(
                "/api/v1/citizen/identity/", {"name": "李金文", "id_number": FIRST17 + "1"}, format="json"
            )
        assert bad.status_code == 422 and "id_number" in bad.json()["fields"]
        latin = client.post(
            "/api/v1/citizen/identity/", {"name": "Tom", "id_number": ID_NUMBER}, format="json"
        )
        assert latin.status_code == 422 and latin.json()["fields"]["name"] == ["请填写身份证上的中文姓名。"]
        good = client.post(
            "/api/v1/citizen/identity/", {"name": "李金文", "id_number": ID_NUMBER}, format="json"
        )
        assert good.status_code == 200
        assert good.json()["verified"] is True
        assert good.json()["name"] == "李*文"
        assert ID_NUMBER not in str(good.json()) and good.json()["id_number"].startswith("4115")

    def test_applying_needs_a_verified_identity(self, office):
        client = sign_in()
        answer = client.post("/api/v1/citizen/applications/", application(client), format="json")
        assert answer.status_code == 403
        assert answer.json()["detail"] == "请先完成实名认证，再申请办理。"
        assert Case.objects.count() == 0


class TestStaffDoors:
    def test_a_citizen_token_opens_no_staff_endpoint(self, world):
        client = sign_in()
        for url in (
            "/api/v1/me/",
            "/api/v1/cases/",
            "/api/v1/points/",
            "/api/v1/notifications/",
            "/api/v1/stats/overview/",
            "/api/v1/licenses/",
            "/api/v1/documents/00000000-0000-0000-0000-000000000000/",
        ):
            assert client.get(url).status_code in (401, 403, 404), url
        assert client.post("/api/v1/cases/", {}, format="json").status_code == 401

    def test_a_citizen_token_on_a_staff_endpoint_is_told_it_is_a_citizens_not_an_expired_one(self, world):
        answer = sign_in().get("/api/v1/cases/")
        assert answer.status_code == 401
        assert answer.json()["code"] == "citizen_token"
        assert (
            "办事群众的登录令牌" in answer.json()["detail"] and "工作人员账号登录" in answer.json()["detail"]
        )
        assert "已过期" not in answer.json()["detail"]

    def test_a_staff_token_opens_no_citizen_endpoint(self, world):
        client = staff(world.staff["town_clerk"])
        assert client.get("/api/v1/citizen/me/").status_code in (401, 403)
        assert client.get("/api/v1/citizen/cases/").status_code in (401, 403)


class TestTheOnlineFlow:
    def test_apply_notice_supplement_accept_approve_mail_download_and_rate(self, office):
        clerk, reviewer = staff(office.staff["town_clerk"]), staff(office.staff["reviewer"])
        citizen = verified()

        body = application(citizen)
        sent = citizen.post(
            "/api/v1/citizen/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="apply-1"
        )
        assert sent.status_code == 201, sent.content
        case = sent.json()
        number = case["number"]
        assert case["channel"] == "online" and case["status"] == "submitted"
        assert case["delivery"] == {"method": "mail", "address": "信阳市浉河区甲镇幸福路8号"}
        again = citizen.post(
            "/api/v1/citizen/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="apply-1"
        )
        assert again.status_code == 201 and again.json()["number"] == number
        assert Case.objects.count() == 1
        row = Case.objects.get()
        assert (row.applicant_name, row.applicant_id_number, row.applicant_phone) == (
            "李金文",
            ID_NUMBER,
            PHONE,
        )

        # the window finds it and sends the one-time notice: the village committee's opinion is missing
        listed = clerk.get("/api/v1/cases/", {"status": "submitted", "channel": "online"}).json()["results"]
        assert [c["number"] for c in listed] == [number]
        assert clerk.get("/api/v1/cases/", {"channel": "window"}).json()["results"] == []
        act(clerk, number, "notify", missing=["M020"])
        mine = citizen.get(f"/api/v1/citizen/cases/{number}/").json()
        assert mine["status"] == "needs_supplement"
        assert mine["missing"] == ["村委会意见"]

        supplemented = citizen.post(
            f"/api/v1/citizen/cases/{number}/supplement/",
            {"materials": [{"requirement": "M020", "files": [upload(citizen)]}]},
            format="json",
        )
        assert supplemented.status_code == 200, supplemented.content
        assert supplemented.json()["status"] == "submitted" and supplemented.json()["missing"] == []

        act(clerk, number, "accept")
        act(reviewer, number, "review")
        act(reviewer, number, "approve", note="符合条件")
        act(clerk, number, "deliver", method="mail", tracking_number="EMS1234567890")

        done = citizen.get(f"/api/v1/citizen/cases/{number}/").json()
        assert done["status"] == "delivered" and done["tracking_number"] == "EMS1234567890"
        from yichuang.cases.models import CaseEvent

        actors = set(CaseEvent.objects.filter(case__number=number).values_list("actor_name", flat=True))
        assert len(actors) >= 3  # the clerk, the reviewer, the account standing for the applicant
        assert {key for event in done["timeline"] for key in event} == {
            "at",
            "action",
            "status",
            "status_display",
        }
        assert not any(name in str(event.values()) for name in actors for event in done["timeline"])
        assert [e["action"] for e in done["timeline"]] == [
            "submit",
            "notify",
            "supplement",
            "accept",
            "review",
            "approve",
            "deliver",
        ]
        assert done["documents"]
        for document in done["documents"]:
            pdf = citizen.get(document["url"])
            assert pdf.status_code == 200, (document, pdf.content[:200])
            assert pdf.content.startswith(b"%PDF")

        licences = citizen.get("/api/v1/citizen/licenses/").json()
        assert [entry["type_name"] for entry in licences] == ["老年人优待证"]

        rating = citizen.post(
            f"/api/v1/citizen/cases/{number}/rating/", {"score": 5, "comment": "不用跑腿"}, format="json"
        )
        assert rating.status_code == 201 and rating.json()["channel"] == "web"
        assert (
            citizen.post(f"/api/v1/citizen/cases/{number}/rating/", {"score": 5}, format="json").status_code
            == 409
        )

        # every step told the applicant by SMS, on the citizen's phone
        templates = list(SmsMessage.objects.filter(case_number=number).values_list("template", "to"))
        assert {to for _template, to in templates} == {PHONE}
        assert {"case_submitted", "case_needs_supplement", "case_accepted"} <= {t for t, _to in templates}

        # another citizen sees nothing of it
        other = verified(phone="13900001111", name="王芳", id_number=OTHER_ID)
        assert other.get("/api/v1/citizen/cases/").json()["results"] == []
        for url in (
            f"/api/v1/citizen/cases/{number}/",
            done["documents"][0]["url"],
        ):
            assert other.get(url).status_code == 404, url
        assert (
            other.post(f"/api/v1/citizen/cases/{number}/rating/", {"score": 1}, format="json").status_code
            == 404
        )
        assert other.get("/api/v1/citizen/licenses/").json() == []

    def test_a_citizen_uses_only_his_own_files(self, office):
        mine = verified()
        other = verified(phone="13900001111", name="王芳", id_number=OTHER_ID)
        theirs = upload(other)
        body = application(mine)
        body["materials"].append({"requirement": "M020", "files": [theirs]})
        answer = mine.post("/api/v1/citizen/applications/", body, format="json")
        assert answer.status_code == 422 and answer.json()["detail"] == "文件不存在或无权使用。"
        assert mine.get(f"/api/v1/files/{theirs}/").status_code in (401, 403, 404)

    def test_bad_input_is_a_clear_chinese_4xx(self, office):
        citizen = verified()
        for body in (
            {},
            {"item": "OWN", "point": "CA", "delivery": {"method": "fax"}},
            {"item": "NOPE", "point": "CA", "delivery": {"method": "pickup"}},
            {"item": "OWN", "point": "NOPE", "delivery": {"method": "pickup"}},
            {"item": "OWN", "point": "CA", "delivery": {"method": "mail"}},
            {"item": "OWN", "point": "CA", "materials": "x", "delivery": {"method": "pickup"}},
            {
                "item": "OWN",
                "point": "CA",
                "materials": [{"requirement": "M001", "files": ["nope"]}],
                "delivery": {"method": "pickup"},
            },
        ):
            answer = citizen.post("/api/v1/citizen/applications/", body, format="json")
            assert 400 <= answer.status_code < 500, (body, answer.content)
            assert re.search(r"[\u4e00-\u9fff]", answer.json()["detail"]), answer.json()
        assert citizen.get("/api/v1/citizen/cases/NOPE/").status_code == 404
        assert citizen.post("/api/v1/citizen/cases/NOPE/supplement/", {}, format="json").status_code == 404
        assert (
            citizen.post("/api/v1/citizen/cases/NOPE/rating/", {"score": 9}, format="json").status_code == 404
        )
        assert Case.objects.count() == 0
        assert Citizen.objects.count() == 1


class TestPreReview:
    def test_the_window_reads_the_citizens_papers_and_a_refusal_reaches_his_phone(self, office):
        clerk = staff(office.staff["town_clerk"])
        citizen = verified()
        case = citizen.post("/api/v1/citizen/applications/", application(citizen), format="json").json()
        seen = clerk.get(f"/api/v1/cases/{case['number']}/").json()
        assert seen["channel"] == "online" and {"accept", "notify", "refuse"} <= set(seen["allowed_actions"])
        # the timeline (the audit log) masks the address; the whole one is for the window that posts
        assert "邮寄送达" in seen["timeline"][0]["note"] and "甲镇******" in seen["timeline"][0]["note"]
        paper = seen["materials"][0]["files"][0]
        assert clerk.get(f"/api/v1/files/{paper}/").status_code == 200
        # another town's clerk does not see it
        assert staff(office.staff["other_clerk"]).get(f"/api/v1/cases/{case['number']}/").status_code == 404
        act(clerk, case["number"], "refuse", reason="不属于本事项受理范围")
        assert citizen.get(f"/api/v1/citizen/cases/{case['number']}/").json()["status"] == "refused"
        refused = SmsMessage.objects.filter(case_number=case["number"]).latest("id")
        assert refused.to == PHONE and "不属于本事项受理范围" in refused.body


class TestSomeoneElsesIdNumber:
    def test_a_second_account_with_the_same_id_number_is_refused_without_learning_the_case_number(
        self, office
    ):
        first = verified()
        number = first.post("/api/v1/citizen/applications/", application(first), format="json").json()[
            "number"
        ]
        other = verified(phone="13987654321")

        again = other.post("/api/v1/citizen/applications/", application(other), format="json")

        assert again.status_code == 409 and again.json()["code"] == "duplicate_case"
        assert number not in again.json()["detail"] and "正在办理" in again.json()["detail"]
        assert Case.objects.count() == 1


class TestListsAndDownloads:
    def test_his_case_list_is_paginated_like_the_staff_lists(self, office):
        citizen = verified()
        clerk = staff(office.staff["town_clerk"])
        numbers = []
        for _ in range(3):  # one open case per applicant and item: each is refused before the next
            answer = citizen.post("/api/v1/citizen/applications/", application(citizen), format="json")
            numbers.append(answer.json()["number"])
            act(clerk, numbers[-1], "refuse", reason="材料不符")
        first = citizen.get("/api/v1/citizen/cases/", {"page_size": 2}).json()
        assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
        rest = citizen.get(first["next"]).json()
        listed = [row["number"] for row in first["results"] + rest["results"]]
        assert sorted(listed) == sorted(numbers) and rest["next"] is None
        assert citizen.get("/api/v1/citizen/cases/", {"page": 9}).status_code == 404

    def test_a_document_still_being_signed_answers_409_document_pending(self, office, settings):
        settings.DOCUMENTS_SIGN_ON_DEMAND_AFTER_SECONDS = 3600
        settings.DOCUMENTS_PENDING_WAIT_SECONDS = 0
        clerk = staff(office.staff["town_clerk"])
        citizen = verified()
        body = application(citizen, provide=("M001", "M020"))
        number = citizen.post("/api/v1/citizen/applications/", body, format="json").json()["number"]
        act(clerk, number, "accept")
        documents = citizen.get(f"/api/v1/citizen/cases/{number}/").json()["documents"]
        assert documents
        answer = citizen.get(documents[0]["url"])
        assert answer.status_code == 409 and answer["Retry-After"] == "1"
        assert answer.json()["code"] == "document_pending"
        assert answer.json()["detail"] == "文书正在生成，请稍后再试。"


class TestAVerifiedIdentityIsReadOnly:
    def test_a_verified_citizen_cannot_change_his_bound_name_by_the_api(self, db):
        client = sign_in()
        assert (
            client.post(
                "/api/v1/citizen/identity/", {"name": "李金文", "id_number": ID_NUMBER}, format="json"
            ).status_code
            == 200
        )
        renamed = client.post(
            "/api/v1/citizen/identity/", {"name": "王小明", "id_number": ID_NUMBER}, format="json"
        )
        assert renamed.status_code == 422 and "不能改为其他身份" in renamed.json()["detail"]
        citizen = Citizen.objects.get()
        assert citizen.name == "李金文" and citizen.id_number == ID_NUMBER

    def test_a_verified_citizen_cannot_change_his_bound_name_on_the_page(self, db):
        from django.test import Client

        from tests.test_citizen_pages import bound

        page: Client = bound()
        answer = page.post("/me/identity/", {"name": "王小明", "id_number": ID_NUMBER})
        assert answer.status_code == 302
        shown = page.get(answer["Location"]).content.decode()
        assert "姓名和身份证号码不能在网上修改" in shown and 'name="name"' not in shown
        assert Citizen.objects.get().name == "李金文"


class TestRetriesWithoutAKey:
    def test_a_citizens_application_without_idempotency_key_is_accepted_and_a_blind_retry_makes_no_second_case(
        self, office
    ):
        """contract.md lists the header for citizen applications as for staff cases, where it is optional:
        it stays optional (decision 150); the one-open-case rule keeps a blind retry from doubling."""
        client = verified()
        first = client.post("/api/v1/citizen/applications/", application(client), format="json")
        assert first.status_code == 201, first.content
        again = client.post("/api/v1/citizen/applications/", application(client), format="json")
        assert again.status_code == 409 and Case.objects.count() == 1
        assert first.json()["number"] not in again.content.decode(), "a citizen is not told case numbers"
