"""The HTTP API of contract.md for the foundation: login, me, points, items, bundles, errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f
from yichuang.catalog.models import Bundle, BundleItem, ItemStatus
from yichuang.catalog.services import item_publish

pytestmark = pytest.mark.django_db


def login(client, username: str, password: str = "pw-12345678") -> str:
    response = client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def catalog(world):
    civil = world.departments["civil"]
    sfz = f.LicenseTypeFactory()
    dibao = f.ItemFactory(
        code="DB-001",
        name="农村最低生活保障审批",
        aliases="低保",
        department=civil,
        statutory_days=32,
        promised_days=18,
    )
    f.MaterialFactory(item=dibao, code="M001", name="居民身份证", license_type=sfz, order=1)
    f.MaterialFactory(item=dibao, code="M010", name="家庭经济状况说明", commitment_allowed=True, order=2)
    f.MaterialFactory(item=dibao, code="M020", name="困难情况证明", tolerable=True, order=3)
    elder = f.ItemFactory(code="GL-001", name="高龄补贴申领", department=civil, promised_days=0)
    f.MaterialFactory(item=elder, code="M001", name="居民身份证", license_type=sfz)
    draft = f.ItemFactory(code="DR-001", name="尚未发布的事项", department=civil, status=ItemStatus.DRAFT)
    for item in (dibao, elder):
        item_publish(item=item)
    f.OfferFactory(point=world.points["station_a1"], item=elder)
    f.OfferFactory(point=world.points["center_a"], item=elder)
    f.OfferFactory(point=world.points["center_a"], item=dibao)
    bundle = Bundle.objects.create(code="ELDER", name="老年人服务一件事")
    BundleItem.objects.create(bundle=bundle, item=dibao, order=1)
    BundleItem.objects.create(bundle=bundle, item=elder, order=2)
    return {"dibao": dibao, "elder": elder, "draft": draft}


class TestLogin:
    def test_a_clerk_logs_in_and_the_bearer_token_tells_who_he_is(self, api_client, world):
        token = login(api_client, "clerk_a")
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        me = api_client.get("/api/v1/me/").json()
        assert me["username"] == "clerk_a"
        assert me["role"] == "window_clerk"
        assert me["point"] == "CA"
        assert me["region"] == world.regions["town_a"].code

    def test_a_bank_clerk_is_scoped_to_his_outlet_and_me_names_its_region(self, api_client, world):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(api_client, 'bank')}")
        me = api_client.get("/api/v1/me/").json()
        assert (me["role"], me["point"], me["region"]) == ("bank_clerk", "BANK", world.regions["town_a"].code)

    def test_a_wrong_password_answers_400_in_chinese_and_no_token(self, api_client, world):
        response = api_client.post(
            "/api/v1/auth/token/", {"username": "clerk_a", "password": "nope"}, format="json"
        )
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid"
        assert "用户名或密码错误" in body["detail"]
        assert "token" not in body

    def test_repeated_failures_lock_the_account_even_for_the_right_password(self, api_client, world):
        for _ in range(5):
            api_client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "bad"}, format="json")
        response = api_client.post(
            "/api/v1/auth/token/", {"username": "clerk_a", "password": "pw-12345678"}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "locked_out"

    def test_a_login_without_fields_names_the_missing_fields(self, api_client, world):
        response = api_client.post("/api/v1/auth/token/", {}, format="json")
        assert response.status_code == 400
        assert set(response.json()["fields"]) == {"username", "password"}

    def test_me_without_a_token_answers_401_as_json(self, api_client, world):
        response = api_client.get("/api/v1/me/")
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"

    def test_a_bad_token_answers_401(self, api_client, world):
        api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
        assert api_client.get("/api/v1/me/").status_code == 401


class TestItems:
    def test_the_list_shows_published_items_with_their_materials(self, api_client, catalog):
        body = api_client.get("/api/v1/items/").json()
        assert body["count"] == 2
        dibao = next(i for i in body["results"] if i["code"] == "DB-001")
        assert dibao["kind"] == "promised"
        assert (dibao["statutory_days"], dibao["promised_days"]) == (32, 18)
        assert dibao["department"] == "MZJ"
        assert dibao["materials"][0] == {
            "code": "M001",
            "name": "居民身份证",
            "required": True,
            "tolerable": False,
            "commitment_allowed": False,
            "reusable_license_type": "SFZ",
        }
        assert [m["code"] for m in dibao["materials"] if m["commitment_allowed"]] == ["M010"]
        assert [m["code"] for m in dibao["materials"] if m["tolerable"]] == ["M020"]

    @pytest.mark.parametrize("q", ["低保", "db", "dibao", "最低生活"])
    def test_search_finds_dibao_by_words_and_pinyin(self, api_client, catalog, q):
        body = api_client.get("/api/v1/items/", {"q": q}).json()
        assert body["results"][0]["code"] == "DB-001"

    def test_point_limits_the_list_to_what_that_point_offers(self, api_client, catalog):
        body = api_client.get("/api/v1/items/", {"point": "SA1"}).json()
        assert [i["code"] for i in body["results"]] == ["GL-001"]
        assert api_client.get("/api/v1/items/", {"point": "SA1", "q": "低保"}).json()["count"] == 0

    def test_an_unknown_point_is_a_400_naming_the_parameter(self, api_client, catalog):
        response = api_client.get("/api/v1/items/", {"point": "NOPE"})
        assert response.status_code == 400
        assert response.json()["fields"] == {"point": ["没有这个服务点。"]}

    @pytest.mark.parametrize(
        "params",
        [
            {"kind": "sometimes"},
            {"type": "x"},
            {"q": "长" * 101},
            {"page": "abc"},
            {"page": 99},
            {"level": "moon"},
        ],
    )
    def test_bad_parameters_answer_4xx_json_never_500(self, api_client, catalog, params):
        response = api_client.get("/api/v1/items/", params)
        assert 400 <= response.status_code < 500
        assert set(response.json()) == {"code", "detail", "fields"}

    def test_immediate_items_can_be_listed_alone(self, api_client, catalog):
        body = api_client.get("/api/v1/items/", {"kind": "immediate"}).json()
        assert [i["code"] for i in body["results"]] == ["GL-001"]

    def test_one_item_carries_its_guide_in_plain_chinese(self, api_client, catalog):
        body = api_client.get("/api/v1/items/DB-001/").json()
        assert body["name"] == "农村最低生活保障审批"
        titles = [s["title"] for s in body["guide"]]
        assert titles[:2] == ["办什么", "谁可以办"]
        assert "要带的材料" in titles and "多久办好" in titles and "在哪里办" in titles
        assert "承诺18个工作日内办结" in body["guide_text"]
        assert "可以签一份告知承诺书代替" in body["guide_text"]
        assert [p["code"] for p in body["points"]] == ["CA"]

    def test_a_draft_or_unknown_item_is_404_json(self, api_client, catalog):
        for code in ("DR-001", "nothing"):
            response = api_client.get(f"/api/v1/items/{code}/")
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"

    def test_the_list_and_the_detail_take_a_fixed_number_of_queries(
        self, api_client, catalog, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(4):
            api_client.get("/api/v1/items/")
        for n in range(10):
            item = f.ItemFactory(code=f"X{n}", department=catalog["dibao"].department)
            f.MaterialFactory(item=item)
        with django_assert_max_num_queries(4):
            api_client.get("/api/v1/items/")


class TestPointsAndBundles:
    def test_points_list_names_kind_and_region(self, api_client, world):
        body = api_client.get("/api/v1/points/").json()
        hall = next(p for p in body["results"] if p["code"] == "HALL")
        assert hall["kind"] == "county_hall"
        assert hall["region"] == world.regions["county"].code

    def test_points_can_be_filtered_by_kind_and_region(self, api_client, world):
        stations = api_client.get("/api/v1/points/", {"kind": "village_station"}).json()
        assert {p["code"] for p in stations["results"]} == {"SA1", "SA2", "SB1", "SB2"}
        in_town = api_client.get("/api/v1/points/", {"region": world.regions["town_b"].code}).json()
        assert {p["code"] for p in in_town["results"]} == {"CB", "SB1", "SB2"}

    def test_bad_point_filters_answer_400(self, api_client, world):
        assert api_client.get("/api/v1/points/", {"kind": "castle"}).status_code == 400
        assert api_client.get("/api/v1/points/", {"region": "12"}).status_code == 400
        assert api_client.get("/api/v1/points/", {"region": "999999999999"}).status_code == 400

    def test_a_bundle_lists_its_items_and_one_merged_material_list(self, api_client, catalog):
        body = api_client.get("/api/v1/bundles/").json()
        bundle = body["results"][0]
        assert [i["code"] for i in bundle["items"]] == ["DB-001", "GL-001"]
        codes = [m["code"] for m in bundle["materials"]]
        assert codes.count("M001") == 1
        assert next(m for m in bundle["materials"] if m["code"] == "M001")["items"] == ["DB-001", "GL-001"]


def test_unknown_api_urls_answer_json_404(api_client, db):
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_api_docs_are_served_without_a_cdn(client, db):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert client.get(reverse("schema")).status_code == 200


class TestNeverA500:
    """Whatever a client types into the query string, the answer is JSON and never a server error."""

    @pytest.fixture
    def client_and_catalog(self, api_client, catalog):
        return api_client

    def test_random_query_strings_on_the_public_endpoints(self, client_and_catalog):
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st

        text = st.text(max_size=120)
        endpoints = st.sampled_from(
            ["/api/v1/items/", "/api/v1/points/", "/api/v1/bundles/", "/api/v1/calendar/workdays/add/"]
        )
        names = st.sampled_from(
            ["q", "point", "kind", "type", "level", "page", "page_size", "region", "start", "days"]
        )

        @settings(
            max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
        )
        @given(endpoint=endpoints, params=st.dictionaries(names, text, max_size=4))
        def check(endpoint: str, params: dict[str, str]) -> None:
            response = client_and_catalog.get(endpoint, params)
            assert response.status_code < 500, (endpoint, params, response.content[:300])
            assert response["Content-Type"].startswith("application/json")

        check()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/cases/%00/", "/api/v1/items/%00/", "/work/cases/%00/"])
def test_a_nul_character_in_a_path_is_a_404_never_a_500(path):
    from rest_framework.test import APIClient

    response = APIClient().get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.json()["code"] == "not_found"
