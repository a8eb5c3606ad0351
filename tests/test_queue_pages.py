"""The hall's pages answer without a browser: public ones for anyone, the panel for the point's clerks."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["kiosk", "board", "book"])
def test_the_public_pages_open_for_anyone_in_chinese(hall, page):
    response = Client().get(f"/queue/HALL/{page}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<html lang="zh-hans">' in text and "区政务服务中心" in text
    assert "http://" not in text and "https://" not in text, "no CDN: everything is served by the app"


def test_an_unknown_point_is_a_404_page(hall):
    assert Client().get("/queue/NOPE/kiosk/").status_code == 404


def test_the_kiosk_lists_the_categories_its_windows_serve(hall):
    text = Client().get("/queue/HALL/kiosk/").content.decode()
    assert 'data-category="general"' in text and 'data-category="estate"' in text
    assert 'data-category="social"' not in text


def test_the_pages_speak_english_when_asked(hall):
    text = Client().get("/queue/HALL/board/?lang=en").content.decode()
    assert "Now serving" in text


def test_the_panel_asks_for_a_login(hall):
    response = Client().get("/queue/panel/")
    assert response.status_code == 302
    assert response["Location"].startswith("/queue/login/")


def test_the_panel_shows_the_clerks_own_window_first(hall):
    clerk = hall.clerk
    clerk.window = hall.windows["10"]
    clerk.save()
    client = Client()
    client.force_login(clerk)
    text = client.get("/queue/panel/").content.decode()
    assert f'<option value="{hall.windows["10"].pk}" selected>' in text
    assert "专业窗口：只叫本窗口对应业务类别的号和转来本窗口的号。" in text


def test_a_supervisor_gets_no_panel(hall):
    client = Client()
    client.force_login(hall.world.staff["supervisor"])
    assert client.get("/queue/panel/").status_code == 403


def test_a_clerk_logs_in_on_the_login_page(hall):
    client = Client()
    response = client.post("/queue/login/", {"username": "hall", "password": "pw-12345678"})
    assert response.status_code == 302 and response["Location"] == "/queue/panel/"
    wrong = Client().post("/queue/login/", {"username": "hall", "password": "nope"})
    assert wrong.status_code == 200 and "请输入一个正确的" in wrong.content.decode()
