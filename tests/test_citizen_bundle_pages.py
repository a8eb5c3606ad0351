"""一件事 on the phone pages: one page, one set of materials and one form for the whole bundle; the
application is followed as one by its YJS number on 我的办件 and on the public tracking page; another
citizen sees nothing of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.test_case_forms import FILLED
from tests.test_citizen_bundles import bundle as bundle  # the fixture
from tests.test_citizen_pages import bound, pdf
from tests.test_citizens import OTHER_ID, PHONE
from tests.test_citizens import office as office  # the fixture, with its own "_office"
from tests.test_documents import office as _office  # noqa: F401
from yichuang.cases.models import BundleApplication, Case
from yichuang.citizens.models import CitizenFile

pytestmark = pytest.mark.django_db

PAGE = "/me/bundles/YJS-OLD/"


def filled(**extra: Any) -> dict[str, Any]:
    values = {f"form_{k}": v for k, v in {**FILLED, "photo_size": "一寸"}.items()}
    return {
        "point": "CA",
        "upload_M001": pdf(),
        "commitment": ["M010"],
        "delivery_method": "pickup",
        "delivery_address": "",
        **values,
        **extra,
    }


def test_the_home_page_links_each_bundle_to_its_online_application(bundle: Any) -> None:
    assert f'href="{PAGE}"' in Client().get("/").content.decode()
    # not signed in: to the sign-in page, and back here afterwards
    answer = Client().get(PAGE)
    assert answer.status_code == 302 and "/me/login/" in answer["Location"]


def test_a_citizen_applies_for_the_bundle_with_one_set_of_papers_and_follows_it_as_one(bundle: Any) -> None:
    client = bound()
    page = client.get(PAGE).content.decode()
    assert "老年人优待证办理" in page and "高龄津贴申领" in page and "居民身份证" in page
    assert page.count('name="upload_M001"') == 1  # one set of papers for both items
    answer = client.post(PAGE, filled())
    assert answer.status_code == 302, answer.content.decode()[:1500]
    application = BundleApplication.objects.get()
    assert answer["Location"] == f"/me/applications/{application.number}/"
    cases = list(Case.objects.filter(application=application).order_by("id"))
    assert [c.item.code for c in cases] == ["OWN", "IMM"]
    assert all(c.materials.get(requirement="M001").files.count() == 1 for c in cases)
    follow = client.get(answer["Location"]).content.decode()
    assert application.number in follow and "老年人福利一件事" in follow
    assert all(c.number in follow for c in cases)
    mine = client.get("/me/cases/").content.decode()
    assert 'id="my-applications"' in mine and application.number in mine
    # the public tracking page takes the YJS number with the phone and shows the bundle as one
    tracked = Client().post("/track/", {"number": application.number.lower(), "phone": PHONE})
    assert tracked.status_code == 200, tracked.content.decode()[:800]
    html = tracked.content.decode()
    assert 'id="track-application"' in html and all(c.number in html for c in cases)
    wrong = Client().post("/track/", {"number": application.number, "phone": "13900009999"})
    assert wrong.status_code == 404


def test_a_refused_bundle_keeps_nothing_and_says_why_beside_the_field(bundle: Any) -> None:
    client = bound()
    answer = client.post(PAGE, filled(form_account="6" * 30))
    assert answer.status_code == 422
    html = answer.content.decode()
    assert 'id="bundle-problem"' in html and 'value="' + "6" * 30 + '"' in html  # what he typed stays
    assert not BundleApplication.objects.exists() and not CitizenFile.objects.exists()
    no_point = client.post(PAGE, filled(point="NOPE"))
    assert no_point.status_code == 422 and "请选择办理地点" in no_point.content.decode()


def test_another_citizen_cannot_open_the_application(bundle: Any) -> None:
    client = bound()
    client.post(PAGE, filled())
    number = BundleApplication.objects.get().number
    other = bound(phone="13700001111", name="王五", id_number=OTHER_ID)
    assert other.get(f"/me/applications/{number}/").status_code == 404
