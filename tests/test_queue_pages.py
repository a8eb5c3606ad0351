"""The hall's pages answer without a browser: public ones for anyone, the panel for the point's clerks;
all on the web app's templates."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["kiosk", "board", "book"])
def test_the_public_pages_open_for_anyone_in_chinese(hall, page):
    response = Client().get(f"/queue/HALL/{page}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<html lang="zh-CN">' in text and "区政务服务中心" in text
    assert "/static/queue/queue.css" in text and "/static/web/site.css" in text
    assert "http://" not in text and "https://" not in text, "no CDN: everything is served by the app"


def test_an_unknown_point_is_a_404_page(hall):
    assert Client().get("/queue/NOPE/kiosk/").status_code == 404


def test_the_kiosk_lists_the_categories_its_windows_serve(hall):
    text = Client().get("/queue/HALL/kiosk/").content.decode()
    assert 'data-category="general"' in text and 'data-category="estate"' in text
    assert 'data-category="social"' not in text
    assert 'href="/kiosk/guide/"' in text, "the kiosk's other services are one touch away"


def test_the_pages_speak_english_when_asked(hall):
    text = Client().get("/queue/HALL/board/?lang=en").content.decode()
    assert "Now serving" in text


def test_citizens_find_the_points_that_take_appointments(hall):
    from datetime import time

    from yichuang.queue.models import AppointmentSchedule

    AppointmentSchedule.objects.create(
        point=hall.point, category=hall.categories["general"], days="workdays", start=time(9), end=time(12)
    )
    text = Client().get("/queue/book/").content.decode()
    assert 'href="/queue/HALL/book/"' in text and "甲镇便民服务中心" not in text
    assert 'href="/queue/book/"' in Client().get("/").content.decode(), "in the citizens' menu"


def test_the_panel_asks_for_a_login_on_the_web_login_page(hall):
    response = Client().get("/queue/panel/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/queue/panel/"


def test_the_panel_shows_the_clerks_own_window_first_and_is_in_his_menu(hall):
    clerk = hall.clerk
    clerk.window = hall.windows["10"]
    clerk.save()
    client = Client()
    client.force_login(clerk)
    text = client.get("/queue/panel/").content.decode()
    assert f'<option value="{hall.windows["10"].pk}" selected>' in text
    assert "专业窗口：只叫本窗口对应业务类别的号和转来本窗口的号。" in text
    assert 'href="/queue/panel/" aria-current="page"' in text


def test_a_supervisor_gets_no_panel(hall):
    client = Client()
    client.force_login(hall.world.staff["supervisor"])
    response = client.get("/queue/panel/")
    assert response.status_code == 403
    assert "queue-panel" not in response.content.decode()
