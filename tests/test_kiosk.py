"""自助终端: a kiosk knows its point; its home screen is a grid of large tiles; a citizen signs in with
his ID number and a code by SMS, applies (channel kiosk), prints his receipt and his licence; an
idle kiosk goes back to its own point's home with the last person signed out."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.test_citizens import ID_NUMBER, PDF, PHONE, act, last_code, staff
from tests.test_documents import office as _office  # noqa: F401  (registers the fixture "_office")
from tests.test_situations import give_situations
from yichuang.cases.models import Case
from yichuang.catalog.models import MaterialRequirement, ServiceItem
from yichuang.catalog.services import item_snapshot
from yichuang.catalog.situations import MaterialEffect
from yichuang.citizens.models import Citizen, CitizenToken
from yichuang.web.views.kiosk import POINT_COOKIE

pytestmark = pytest.mark.django_db

TILES = ["办事指南", "我要办", "进度查询", "取号", "预约签到", "文书核验", "证照打印", "我的办件"]


@pytest.fixture
def office(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("_office")


def kiosk_at(point: str = "CA") -> Client:
    client = Client()
    assert client.get(f"/kiosk/p/{point}/").status_code == 200
    return client


def sign_in(client: Client, *, first_time: bool = True) -> None:
    body = {"step": "id", "id_number": ID_NUMBER, "next": "/kiosk/mine/"}
    if first_time:
        body.update({"name": "李金文", "phone": PHONE})
    sent = client.post("/kiosk/signin/", body)
    assert sent.status_code == 200, sent.content.decode()[:500]
    assert "138****5678" in sent.content.decode() and PHONE not in sent.content.decode()
    done = client.post("/kiosk/signin/", {"step": "code", "code": last_code(PHONE), "next": "/kiosk/mine/"})
    assert done.status_code == 302 and done["Location"] == "/kiosk/mine/"


class TestTheHomeScreen:
    def test_a_kiosk_remembers_its_point_and_offers_every_tile(self, office):
        client = kiosk_at("CA")
        assert client.cookies[POINT_COOKIE].value == "CA"
        page = client.get("/kiosk/").content.decode()
        tiles = re.findall(r'class="big-choice[^"]*" href="([^"]+)">([^<]+)<small>', page)
        assert [name for _href, name in tiles] == TILES
        links = dict((name, href) for href, name in tiles)
        assert links["取号"] == "/queue/CA/kiosk/" and links["预约签到"] == "/queue/CA/kiosk/?tab=checkin"
        assert "甲镇便民服务中心" in page

    def test_idleness_returns_to_the_points_home_and_forgets_the_person_not_the_point(self, office, settings):
        settings.KIOSK_IDLE_SECONDS = 45
        client = kiosk_at("CA")
        sign_in(client)
        page = client.get("/kiosk/guide/").content.decode()
        assert 'data-idle-home="/kiosk/p/CA/?reset=1" data-idle-seconds="45"' in page
        home = client.get("/kiosk/p/CA/").content.decode()
        assert "data-idle-home" in home  # someone is signed in: even the home screen has something to forget
        back = client.get("/kiosk/p/CA/", {"reset": "1"})
        assert back.status_code == 302 and back["Location"] == "/kiosk/p/CA/"
        assert "data-idle-home" not in client.get("/kiosk/p/CA/").content.decode()
        assert client.get("/kiosk/mine/")["Location"].startswith("/kiosk/signin/")
        assert client.get("/kiosk/", {"reset": "1"})["Location"] == "/kiosk/p/CA/"

    def test_i_want_to_apply_lists_the_points_immediate_items_first(self, office):
        page = kiosk_at("CA").get("/kiosk/items/").content.decode()
        names = re.findall(r"<strong>([^<]+)</strong>", page)
        assert names[0] == "高龄津贴申领" and "老年人优待证办理" in names
        assert "/kiosk/items/IMM/apply/" in page
        assert Client().get("/kiosk/p/NOPE/").status_code == 404


@pytest.fixture
def reissue(office: Any) -> ServiceItem:
    """老年人优待证办理 with 首次申领 and 补领 (the lost card's statement instead of the village's opinion)."""
    item = ServiceItem.objects.get(code="OWN")
    MaterialRequirement.objects.create(item=item, code="M080", name="遗失说明", required=False, order=9)
    give_situations(
        item,
        {
            "first": ("首次申领", {}),
            "reissue": ("补领", {"M080": MaterialEffect.ADD, "M020": MaterialEffect.DROP}),
        },
    )
    item_snapshot(item=item)
    return item


class TestSituationsOnTheKiosk:
    def test_an_item_with_situations_asks_which_one_first_and_lists_its_papers(self, reissue):
        client = kiosk_at("CA")
        sign_in(client)
        first = client.get("/kiosk/items/OWN/apply/").content.decode()
        assert "您属于哪种情形？" in first and 'href="?situation=reissue"' in first
        assert 'name="m-M001"' not in first  # no papers before the situation is chosen
        papers = client.get("/kiosk/items/OWN/apply/", {"situation": "reissue"}).content.decode()
        assert "办理情形：补领。" in papers and 'name="situation" value="reissue"' in papers
        assert 'name="m-M080"' in papers and 'name="m-M020"' not in papers

    def test_a_replacement_is_applied_for_under_its_situation(self, reissue):
        client = kiosk_at("CA")
        sign_in(client)
        sent = client.post(
            "/kiosk/items/OWN/apply/",
            {
                "situation": "reissue",
                "m-M001": SimpleUploadedFile("id.pdf", PDF),
                "m-M080": SimpleUploadedFile("lost.pdf", PDF),
                "c-M010": "1",
                "delivery": "pickup",
            },
        )
        assert sent.status_code == 302, sent.content.decode()[:800]
        submitted = Case.objects.get().events.get(action="submit")
        assert submitted.data["situation"] == "reissue" and "办理情形：补领" in submitted.note

    def test_an_unknown_situation_asks_again_and_stores_nothing(self, reissue):
        client = kiosk_at("CA")
        sign_in(client)
        refused = client.post(
            "/kiosk/items/OWN/apply/",
            {"situation": "lost", "m-M001": SimpleUploadedFile("id.pdf", PDF), "delivery": "pickup"},
        )
        assert refused.status_code == 400
        assert "没有这种办理情形" in refused.content.decode()
        assert not Case.objects.exists()


class TestSignInApplyAndPrint:
    def test_a_first_time_citizen_signs_in_applies_and_prints_his_receipt(self, office):
        client = kiosk_at("CA")
        assert (
            client.get("/kiosk/items/OWN/apply/")["Location"] == "/kiosk/signin/?next=/kiosk/items/OWN/apply/"
        )
        sign_in(client)
        citizen = Citizen.objects.get()
        assert (citizen.id_number, citizen.verified) == (ID_NUMBER, True)
        assert not CitizenToken.objects.exists()  # the kiosk keeps its sign-in in the session

        form = client.get("/kiosk/items/OWN/apply/").content.decode()
        assert "居民身份证" in form and 'name="c-M010"' in form
        sent = client.post(
            "/kiosk/items/OWN/apply/",
            {
                "m-M001": SimpleUploadedFile("id.pdf", PDF),
                "m-M020": SimpleUploadedFile("opinion.pdf", PDF),
                "c-M010": "1",
                "delivery": "pickup",
            },
        )
        assert sent.status_code == 302, sent.content.decode()[:800]
        case = Case.objects.get()
        assert (case.channel, case.status, case.applicant_id_number) == ("kiosk", "submitted", ID_NUMBER)
        receipt = client.get(sent["Location"]).content.decode()
        assert case.number in receipt and "data-print" in receipt and "<svg" in receipt
        assert "李*文" in receipt and ID_NUMBER not in receipt
        seen = staff(office.staff["town_clerk"]).get(f"/api/v1/cases/{case.number}/").json()
        assert seen["channel"] == "kiosk" and seen["prereview_due"] is not None
        assert case.number in client.get("/kiosk/mine/").content.decode()

    def test_a_known_citizen_signs_in_with_his_id_number_alone_and_a_wrong_code_is_refused(self, office):
        sign_in(kiosk_at("CA"))
        client = kiosk_at("CA")
        client.post("/kiosk/signin/", {"step": "id", "id_number": ID_NUMBER})
        wrong = "000000" if last_code(PHONE) != "000000" else "111111"
        refused = client.post("/kiosk/signin/", {"step": "code", "code": wrong})
        assert refused.status_code == 400 and "验证码错误或已失效" in refused.content.decode()
        unknown = client.post("/kiosk/signin/", {"step": "id", "id_number": "11010519491231002X"})
        assert unknown.status_code == 400 and "首次使用请填写姓名和手机号" in unknown.content.decode()
        bad = client.post("/kiosk/signin/", {"step": "id", "id_number": "123"})
        assert bad.status_code == 400

    def test_a_citizen_prints_his_licence_masked_on_screen_and_whole_on_paper(self, office):
        client = kiosk_at("CA")
        sign_in(client)
        client.post(
            "/kiosk/items/OWN/apply/",
            {
                "m-M001": SimpleUploadedFile("id.pdf", PDF),
                "m-M020": SimpleUploadedFile("o.pdf", PDF),
                "c-M010": "1",
            },
        )
        number = Case.objects.get().number
        act(staff(office.staff["town_clerk"]), number, "accept")
        reviewer = staff(office.staff["reviewer"])
        act(reviewer, number, "review")
        act(reviewer, number, "approve")
        listed = client.get("/kiosk/licences/").content.decode()
        found = re.search(r'href="(/kiosk/licences/[^"]+/)"', listed)
        assert found and "老年人优待证" in listed
        page = client.get(found.group(1)).content.decode()
        assert re.search(r'class="screen-only">李\*文<', page) and 'class="print-only">李金文<' in page
        assert f'class="print-only">{ID_NUMBER}<' in page and "data-print" in page

    def test_the_verify_tile_goes_to_the_public_verify_page(self, office):
        assert kiosk_at("CA").get("/kiosk/verify/", {"code": "AB12-CD34"})["Location"] == "/verify/AB12CD34"


def test_a_phone_gets_five_codes_an_hour_from_the_kiosks(office):
    sign_in(kiosk_at("CA"))
    client = kiosk_at("CA")
    for _n in range(4):
        assert client.post("/kiosk/signin/", {"step": "id", "id_number": ID_NUMBER}).status_code == 200
    refused = client.post("/kiosk/signin/", {"step": "id", "id_number": ID_NUMBER})
    assert refused.status_code == 429 and "验证码发送过于频繁" in refused.content.decode()
