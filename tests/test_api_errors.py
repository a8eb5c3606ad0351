"""Whatever a client sends, the API answers in its one error shape ``{"code", "detail", "fields"}``
with a Chinese sentence, a 4xx for bad input and never a 500 (contract.md)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.test_cases import ID_NUMBER, PHONE

pytestmark = pytest.mark.django_db

#: A body nested deeper than Python's parser can follow (it gives up near 1000 levels).
TOO_DEEP = b"[" * 5000 + b"]" * 5000


def staff_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def post_raw(client: APIClient, url: str, body: bytes, content_type: str = "application/json", **extra: Any):
    return client.generic("POST", url, body, content_type=content_type, **extra)


def assert_chinese_error(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body["detail"]
    return body


def case_body(**applicant: str) -> dict[str, Any]:
    person = {"kind": "person", "name": "李金文", "id_number": ID_NUMBER, "phone": PHONE, **applicant}
    return {"item": "DB", "point": "CA", "channel": "window", "applicant": person}


class TestDeeplyNestedJson:
    @pytest.mark.parametrize(
        "url",
        [
            "/api/v1/auth/token/",
            "/api/v1/track/41150220250101000001/",
            "/api/v1/queue/bookings/",
            "/api/v1/cases/",
            "/api/v1/hotline/tickets/",
            "/api/v1/applications/",
        ],
    )
    def test_a_body_nested_five_thousand_levels_deep_is_a_chinese_400_not_a_500(self, world, url):
        client = staff_client(world.staff["admin"])
        body = assert_chinese_error(post_raw(client, url, TOO_DEEP))
        assert body["code"] == "too_deep"
        assert "嵌套" in body["detail"]

    def test_a_body_nested_nine_hundred_levels_is_refused_the_same_way(self, world):
        response = post_raw(APIClient(), "/api/v1/auth/token/", b"[" * 900 + b"]" * 900)
        assert assert_chinese_error(response)["code"] == "too_deep"

    def test_a_long_but_shallow_body_is_read(self, world):
        body = {"username": "nobody", "password": "x", "extra": [{"a": [1]} for _ in range(200)]}
        response = APIClient().post("/api/v1/auth/token/", body, format="json")
        assert response.json()["code"] == "invalid"  # the credentials were checked: the body was read

    def test_thirty_three_levels_are_one_too_many(self, world):
        response = post_raw(APIClient(), "/api/v1/auth/token/", b'{"a":' + b"[" * 32 + b"]" * 32 + b"}")
        assert assert_chinese_error(response)["code"] == "too_deep"

    def test_an_ordinary_nesting_still_reaches_the_fields_check(self, world):
        response = APIClient().post(
            "/api/v1/auth/token/", {"username": ["a"], "password": "x"}, format="json"
        )
        assert "username" in assert_chinese_error(response)["fields"]


class TestUnreadableBodies:
    def test_malformed_json_is_named_in_chinese_with_its_line_and_column(self, world):
        response = post_raw(APIClient(), "/api/v1/auth/token/", b'{"username": "a",\n "password": }')
        body = assert_chinese_error(response)
        assert body["code"] == "parse_error"
        assert "JSON" in body["detail"] and "第 2 行" in body["detail"]
        assert "Expecting" not in body["detail"]

    def test_a_body_that_is_not_utf8_says_so_in_chinese(self, world):
        response = post_raw(APIClient(), "/api/v1/auth/token/", b'{"username": "\xff\xfe", "password": "x"}')
        body = assert_chinese_error(response)
        assert body["code"] == "parse_error"
        assert "UTF-8" in body["detail"] and "codec" not in body["detail"]

    def test_a_raw_nul_inside_a_json_string_is_named_as_a_control_character(self, world):
        response = post_raw(APIClient(), "/api/v1/auth/token/", b'{"username": "a\x00b", "password": "x"}')
        body = assert_chinese_error(response)
        assert "控制字符" in body["detail"] and "Invalid" not in body["detail"]

    def test_nan_is_not_json_and_says_so_in_chinese(self, world):
        response = post_raw(APIClient(), "/api/v1/auth/token/", b'{"username": NaN, "password": "x"}')
        assert "NaN" in assert_chinese_error(response)["detail"]

    def test_a_body_of_null_asks_for_a_json_object_in_chinese(self, world):
        body = assert_chinese_error(post_raw(APIClient(), "/api/v1/auth/token/", b"null"))
        assert "No data provided" not in body["detail"]
        assert "JSON 对象" in body["detail"]

    def test_an_unknown_charset_is_refused_in_chinese(self, world):
        response = post_raw(
            APIClient(), "/api/v1/auth/token/", b"{}", content_type="application/json; charset=bz2_codec"
        )
        body = assert_chinese_error(response)
        assert "bz2_codec" in body["detail"] and "Unsupported" not in body["detail"]

    def test_a_multipart_file_name_of_five_thousand_characters_is_a_chinese_400(self, world):
        boundary = "XyZ"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{"a" * 5000}.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--{boundary}--\r\n"
        ).encode()
        content_type = f"multipart/form-data; boundary={boundary}"
        for url in ("/api/v1/auth/token/", "/api/v1/files/"):
            client = staff_client(world.staff["town_clerk"])
            answer = assert_chinese_error(post_raw(client, url, body, content_type=content_type))
            assert answer["code"] == "parse_error", url
            assert "multipart" in answer["detail"] and "exceeded" not in answer["detail"], url

    def test_a_form_with_too_many_fields_is_a_chinese_400(self, world, settings):
        settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
        body = "&".join(f"f{i}=1" for i in range(20)).encode()
        response = post_raw(
            APIClient(), "/api/v1/auth/token/", body, content_type="application/x-www-form-urlencoded"
        )
        assert assert_chinese_error(response)["code"] == "parse_error"

    def test_a_body_larger_than_the_server_reads_is_a_chinese_413(self, world, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        body = b'{"username": "' + b"a" * 2000 + b'", "password": "x"}'
        answer = assert_chinese_error(post_raw(APIClient(), "/api/v1/auth/token/", body), status=413)
        assert answer["code"] == "too_large"


class TestNulCharacters:
    def test_a_nul_in_the_login_name_is_named_correctly_in_chinese(self, world):
        response = APIClient().post(
            "/api/v1/auth/token/", {"username": "clerk\u0000a", "password": "x"}, format="json"
        )
        body = assert_chinese_error(response)
        assert body["fields"]["username"] == ["不能包含空字符（\\0）。"]

    def test_a_nul_in_the_applicants_name_is_named_correctly_in_chinese(self, county, clerk):
        response = clerk.post("/api/v1/cases/", case_body(name="李\u0000四"), format="json")
        body = assert_chinese_error(response)
        assert body["fields"]["applicant"]["name"] == ["不能包含空字符（\\0）。"]
        assert "空字符串" not in str(body)


class TestAddressesUnderApi:
    @pytest.mark.parametrize("debug", [False, True])
    @pytest.mark.parametrize("url", ["/api/v1/auth/token", "/api/v1/cases"])
    def test_a_post_without_the_trailing_slash_names_the_right_address(self, world, settings, debug, url):
        settings.DEBUG = debug
        client = staff_client(world.staff["town_clerk"])
        response = client.post(url, {"username": "a", "password": "b"}, format="json")
        body = assert_chinese_error(response, status=404)
        assert body["code"] == "trailing_slash"
        assert f"{url}/" in body["detail"]

    @pytest.mark.parametrize("debug", [False, True])
    def test_an_unknown_address_is_a_json_404_even_when_debugging(self, world, settings, debug):
        settings.DEBUG = debug
        response = APIClient().get("/api/v1/no-such-thing/")
        body = assert_chinese_error(response, status=404)
        assert body["code"] == "not_found"
        assert "urlpatterns" not in response.content.decode()

    def test_a_view_that_answers_404_itself_keeps_its_own_words_when_debugging(self, county, clerk, settings):
        settings.DEBUG = True
        response = clerk.post("/api/v1/cases/41150220250101999999/actions/fly/", {}, format="json")
        assert assert_chinese_error(response, status=404)["detail"] == "没有这个操作。"

    def test_pages_outside_the_api_still_get_the_slash_added(self, db):
        response = APIClient().get("/work")
        assert response.status_code == 301
        assert response["Location"] == "/work/"
