"""Chinese first: an English browser still gets Chinese pages unless English is chosen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_an_english_browser_gets_the_chinese_login_page(client):
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "zh-hans"
    assert "登录" in page.content.decode()


def test_choosing_english_switches_the_pages(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    page = client.get("/admin/login/")
    assert page["Content-Language"] == "en"
    assert "Log in" in page.content.decode()


def test_lang_parameter_switches_one_request(client):
    assert client.get("/admin/login/?lang=en")["Content-Language"] == "en"


def test_an_api_client_may_ask_for_english_with_accept_language(client):
    response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"
    assert response.json()["detail"] == "Authentication credentials were not provided."
    chinese = client.get("/api/v1/me/")
    assert chinese["Content-Language"] == "zh-hans"
    assert chinese.json()["detail"] == "身份认证信息未提供。"


def test_an_unknown_language_falls_back_to_chinese(client):
    assert client.get("/admin/login/?lang=xx")["Content-Language"] == "zh-hans"
