"""Many counties (issue 17): `yichuang loaddemo --counties 2` adds 平桥区 beside 浉河区, each county's
administrator manages only his own, and the city's supervisor sees both, county by county.

The scope of every case, file, document, handover, ticket and dashboard across the two counties is
proven in ``tests/test_scope_matrix.py``; here: what the second county is, the admin site as a
county's administrator sees it, and the city's dashboard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from yichuang.catalog.models import Delegation, DelegationMode, ItemStatus, ServiceItem
from yichuang.catalog.selectors import handling_unit_for
from yichuang.common.identity import resident_id_check_char
from yichuang.demo.loader import demo_counts, load_demo
from yichuang.documents.models import Document
from yichuang.files.samples import BLANK_PDF
from yichuang.org.models import Department, Region, RegionLevel, Role, ServicePoint, Staff
from yichuang.stats.services import rollup_all

pytestmark = pytest.mark.django_db

#: A Tuesday morning in December 2026 (the towns' centers are open).
MORNING = dt.datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def two_counties(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """Both demo counties, loaded once for the module inside a transaction rolled back at the end."""
    with time_machine.travel(MORNING, tick=False), django_db_blocker.unblock(), transaction.atomic():
        yield load_demo(counties=2)
        transaction.set_rollback(True)


@pytest.fixture
def demo(two_counties: dict[str, int], db: Any) -> Iterator[dict[str, int]]:
    with time_machine.travel(MORNING, tick=False):
        yield two_counties


def api_as(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=Staff.objects.get(username=username))
    return client


def site_as(username: str) -> Client:
    client = Client()
    client.force_login(Staff.objects.get(username=username))
    return client


def accept_at_the_first_town(clerk: str, first17: str) -> str:
    """A window case of an item the county entrusted to its first town, accepted by ``clerk``."""
    person = Staff.objects.select_related("point").get(username=clerk)
    center = person.point
    assert center is not None
    item = next(
        i
        for i in ServiceItem.objects.filter(offers__point=center, status=ItemStatus.PUBLISHED).order_by(
            "code"
        )
        if handling_unit_for(item=i, point=center).mode == DelegationMode.ENTRUSTED
    )
    client = api_as(clerk)
    materials = [
        {
            "requirement": m.code,
            "files": [
                client.post("/api/v1/files/", {"file": SimpleUploadedFile("身份证.pdf", BLANK_PDF)}).json()[
                    "id"
                ]
            ],
        }
        for m in item.materials.all()
    ]
    body = {
        "item": item.code,
        "point": center.code,
        "channel": "window",
        "applicant": {
            "name": "宋德明",
            "id_number": first17 + resident_id_check_char(first17),
            "phone": "13912345670",
        },
        "materials": materials,
    }
    created = client.post("/api/v1/cases/", body, format="json")
    assert created.status_code == 201, created.content
    return str(created.json()["number"])


# —— what the second county is ————————————————————————————————————————————————————————————————


def test_the_second_county_lies_in_the_same_city_with_valid_division_codes(demo):
    county = Region.objects.get(code="411503000000")
    assert (county.name, county.level, county.parent.code) == ("平桥区", RegionLevel.COUNTY, "411500000000")
    for region in Region.objects.filter(code__startswith="411503"):
        region.full_clean()  # 12 digits, zeros after the level's prefix, under a parent of the level above
    towns = Region.objects.filter(code__startswith="411503", level=RegionLevel.TOWN)
    assert {"明港镇", "邢集镇", "平中街道"} <= set(towns.values_list("name", flat=True))
    assert demo["towns"] == Region.objects.filter(level=RegionLevel.TOWN).count()


def test_each_county_has_its_own_implementation_codes_and_both_share_the_base_codes(demo):
    first = dict(ServiceItem.objects.filter(code__endswith="-411502").values_list("base_code", "code"))
    second = dict(ServiceItem.objects.filter(code__endswith="-411503").values_list("base_code", "code"))
    assert first.keys() == second.keys() and len(first) > 100
    assert all(first[base] != second[base] for base in first)
    item = ServiceItem.objects.get(code=second[next(iter(second))])
    assert item.department.code.startswith("411503-") and item.status == ItemStatus.PUBLISHED


def test_the_second_countys_departments_and_delegations_speak_in_its_own_name(demo):
    police = Department.objects.get(code="411503-GAJ")
    assert police.name == "信阳市公安局平桥分局"
    assert Department.objects.get(code="411503-MZJ").name == "平桥区民政局"
    delegations = Delegation.objects.filter(item__code__endswith="-411503")
    assert delegations.exists()
    assert all(d.instrument.startswith("平政") for d in delegations)
    assert not delegations.exclude(from_department__code__startswith="411503").exists()
    assert not Delegation.objects.filter(
        item__code__endswith="-411502", instrument__startswith="平政"
    ).exists()


def test_the_second_county_has_a_cast_like_the_first_with_its_own_usernames(demo):
    town1 = Staff.objects.select_related("point", "region").get(username="town1_pq")
    assert (town1.role, town1.point.code, town1.region.code) == (
        Role.WINDOW_CLERK,
        "411503100-BMZX",
        "411503100000",
    )
    assert town1.point.name == "明港镇便民服务中心"
    agent = Staff.objects.get(username="agent1_pq")
    assert agent.point.code == "411503100201-BMZ"
    assert Staff.objects.get(username="county_review_pq").department.code == "411503-ZRJ"
    assert Staff.objects.get(username="bank1_pq").point.code == "411503100-YH01"
    assert Staff.objects.get(username="mgr_minggang").point.code == "411503100-BMZX"
    assert town1.get_full_name() != Staff.objects.get(username="town1").get_full_name()


def test_above_the_counties_are_a_city_and_a_province_supervisor_and_each_county_has_an_administrator(demo):
    city = Staff.objects.get(username="city_supervisor")
    province = Staff.objects.get(username="province_supervisor")
    assert (city.role, city.region.code) == (Role.SUPERVISOR, "411500000000")
    assert (province.role, province.region.code) == (Role.SUPERVISOR, "410000000000")
    for username, county in (("county_admin", "411502000000"), ("county_admin_pq", "411503000000")):
        admin = Staff.objects.get(username=username)
        assert (admin.role, admin.region.code, admin.is_superuser, admin.is_staff) == (
            Role.ADMIN,
            county,
            False,
            True,
        )


def test_a_document_of_the_second_county_is_signed_with_the_second_countys_seal(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    number = accept_at_the_first_town("town1_pq", "41150319800101123")
    notice = Document.objects.select_related("seal").get(case__number=number)
    assert notice.seal is not None and notice.seal.code.startswith("411503")
    assert "平桥区" in notice.seal.holder_name or "明港镇" in notice.seal.holder_name


# —— the command ——————————————————————————————————————————————————————————————————————————————


def test_loading_two_counties_again_changes_nothing_and_shows_progress(demo):
    before = demo_counts(2)
    points = set(ServicePoint.objects.values_list("code", "pk"))
    staff = set(Staff.objects.values_list("username", "pk"))
    out = StringIO()

    call_command("loaddemo", "--counties", "2", stdout=out)

    assert demo_counts(2) == before
    assert set(ServicePoint.objects.values_list("code", "pk")) == points
    assert set(Staff.objects.values_list("username", "pk")) == staff
    text = out.getvalue()
    assert "—— 平桥区（411503）——" in text and "事项 items:" in text
    assert "演示数据已就绪（2 demo counties" in text and "浉河区、平桥区" in text
    assert "city_supervisor" in text and "town1_pq" in text and "county_admin_pq" in text


def test_asking_for_more_counties_than_the_demo_has_is_refused_in_chinese(demo):
    with pytest.raises(CommandError, match="演示县区数量应在1到2之间"):
        call_command("loaddemo", "--counties", "3", stdout=StringIO())


# —— a county's administrator in the admin site ——————————————————————————————————————————————


def test_a_county_administrator_lists_only_his_countys_staff_points_items_and_delegations(demo):
    admin = site_as("county_admin_pq")

    staff = admin.get("/admin/org/staff/?q=town1").content.decode()
    assert "town1_pq" in staff and ">town1<" not in staff
    points = admin.get("/admin/org/servicepoint/?q=ZWZX").content.decode()
    assert "411503-ZWZX" in points and "411502-ZWZX" not in points
    items = admin.get("/admin/catalog/serviceitem/").content.decode()
    assert "-411503" in items and "-411502" not in items
    own = Delegation.objects.filter(item__code__endswith="-411503").count()
    assert (
        f'0 条结果。 (<a href="?">总共 {own}</a>)'
        in admin.get("/admin/catalog/delegation/?q=浉政").content.decode()
    )
    assert "平政审授〔2021〕12号" in admin.get("/admin/catalog/delegation/?q=平政").content.decode()


def test_a_county_administrator_cannot_open_an_account_of_the_other_county(demo):
    other = Staff.objects.get(username="hall1")
    own = Staff.objects.get(username="hall1_pq")
    admin = site_as("county_admin_pq")

    assert admin.get(f"/admin/org/staff/{own.pk}/change/").status_code == 200
    refused = admin.get(f"/admin/org/staff/{other.pk}/change/")
    assert refused.status_code == 302  # the admin's "no such object" answer, to its index
    assert admin.get(f"/admin/org/staff/{other.pk}/password/").status_code == 404


def test_a_county_administrator_may_not_make_a_superuser_nor_an_account_outside_his_county(demo):
    admin = site_as("county_admin_pq")
    own = Staff.objects.get(username="town2_pq")
    page = admin.get(f"/admin/org/staff/{own.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page, "the superuser box is shown read-only"

    hall = ServicePoint.objects.get(code="411502-ZWZX")
    answer = admin.post(
        "/admin/org/staff/add/",
        {
            "username": "intruder",
            "password1": "Yichuang#2026pq",
            "password2": "Yichuang#2026pq",
            "role": Role.WINDOW_CLERK,
            "point": hall.pk,
        },
    )
    assert answer.status_code == 200 and not Staff.objects.filter(username="intruder").exists()
    nowhere = admin.post(
        "/admin/org/staff/add/",
        {
            "username": "nobody",
            "password1": "Yichuang#2026pq",
            "password2": "Yichuang#2026pq",
            "role": Role.ADMIN,
        },
    )
    assert "请为该账号选择本县（区）内的服务点或管辖区划" in nowhere.content.decode()
    assert not Staff.objects.filter(username="nobody").exists()


def test_a_county_administrator_does_not_read_the_platforms_sms_outbox(demo):
    assert api_as("county_admin").get("/api/v1/notifications/").status_code == 403
    assert api_as("admin").get("/api/v1/notifications/").status_code == 200


# —— the city's dashboard ————————————————————————————————————————————————————————————————————


@pytest.fixture
def a_case_in_each_county(demo, settings, tmp_path) -> dict[str, str]:
    settings.MEDIA_ROOT = tmp_path
    numbers = {
        "浉河区": accept_at_the_first_town("town1", "41150219800101123"),
        "平桥区": accept_at_the_first_town("town1_pq", "41150319800101123"),
    }
    rollup_all(now=timezone.now() + dt.timedelta(minutes=5))
    return numbers


def test_the_city_supervisor_sees_the_city_total_and_a_row_per_county(a_case_in_each_county):
    board = api_as("city_supervisor").get("/api/v1/stats/dashboard/").json()

    assert board["unit"]["code"] == "411500000000"
    assert board["totals"]["accepted"] == 2
    rows = {row["name"]: row for row in board["children"]}
    assert set(rows) == {"浉河区", "平桥区"}
    assert rows["平桥区"]["code"] == "411503000000" and rows["平桥区"]["figures"]["accepted"] == 1


def test_the_city_supervisor_drills_down_from_county_to_town_to_point(a_case_in_each_county):
    city = api_as("city_supervisor")

    county = city.get("/api/v1/stats/dashboard/", {"region": "411503000000"}).json()
    assert [row["name"] for row in county["children"]] == ["明港镇"]
    town = city.get("/api/v1/stats/dashboard/", {"region": county["children"][0]["code"]}).json()
    assert [row["name"] for row in town["children"]] == ["明港镇便民服务中心"]
    point = city.get("/api/v1/stats/dashboard/", {"point": "411503100-BMZX"}).json()
    assert point["totals"]["accepted"] == 1


def test_the_province_supervisor_sees_the_city_and_a_county_supervisor_only_his_county(a_case_in_each_county):
    province = api_as("province_supervisor").get("/api/v1/stats/dashboard/").json()
    assert [(row["name"], row["figures"]["accepted"]) for row in province["children"]] == [("信阳市", 2)]

    own = api_as("county_supervisor_pq").get("/api/v1/stats/dashboard/").json()
    assert own["unit"]["code"] == "411503000000" and own["totals"]["accepted"] == 1
    other = api_as("county_supervisor_pq").get("/api/v1/stats/dashboard/", {"region": "411502000000"})
    assert other.status_code == 404


def test_the_city_supervisors_dashboard_page_links_each_county(a_case_in_each_county):
    page = site_as("city_supervisor").get("/work/dashboard/").content.decode()

    assert "平桥区" in page and "浉河区" in page
    assert "region=411503000000" in page and "region=411502000000" in page


# —— rights by role stop at the county's border ——————————————————————————————————————————————


def window_body(item: ServiceItem, point: ServicePoint, first17: str = "41150319800101456") -> dict[str, Any]:
    return {
        "item": item.code,
        "point": point.code,
        "channel": "window",
        "applicant": {
            "name": "刘春生",
            "id_number": first17 + resident_id_check_char(first17),
            "phone": "13912345671",
        },
    }


def test_a_county_administrator_takes_no_window_case_at_the_other_countys_center(demo):
    center = ServicePoint.objects.get(code="411502100-BMZX")
    item = ServiceItem.objects.filter(offers__point=center, status=ItemStatus.PUBLISHED).order_by("code")[0]

    refused = api_as("county_admin_pq").post("/api/v1/cases/", window_body(item, center), format="json")

    assert refused.status_code == 422 and "point" in refused.json()["fields"]


def test_an_item_of_one_county_offered_by_mistake_at_the_other_countys_center_is_not_taken_there(demo):
    pq_center = ServicePoint.objects.get(code="411503100-BMZX")
    shihe_item = ServiceItem.objects.filter(
        offers__point__code="411502100-BMZX", status=ItemStatus.PUBLISHED
    ).order_by("code")[0]
    pq_center.offers.create(item=shihe_item, active=True)

    refused = api_as("town1_pq").post("/api/v1/cases/", window_body(shihe_item, pq_center), format="json")

    assert refused.status_code == 422, refused.content
    assert refused.json()["code"] == "item_not_offered"


@pytest.fixture
def a_bad_rating_in_the_first_county(a_case_in_each_county) -> Any:
    from yichuang.cases.models import Case
    from yichuang.ratings.models import Appeal, Rating, Rectification

    case = Case.objects.get(number=a_case_in_each_county["浉河区"])
    rating = Rating.objects.create(
        case=case, channel="window", score=1, point=case.point, staff=case.accepted_by
    )
    rectification = Rectification.objects.create(
        rating=rating,
        owner=Staff.objects.get(username="town1"),
        owner_point=case.point,
        due_date=dt.date(2026, 12, 15),
    )
    appeal = Appeal.objects.create(
        rating=rating, raised_by=Staff.objects.get(username="town1"), reason="恶意差评"
    )
    return rating, rectification, appeal


@pytest.mark.parametrize("who", ["county_admin_pq", "county_supervisor_pq"])
def test_the_other_countys_administrator_or_supervisor_cannot_decide_an_appeal_of_a_rating_here(
    a_bad_rating_in_the_first_county, who
):
    from rest_framework.exceptions import PermissionDenied

    from yichuang.ratings import services

    _rating, _rectification, appeal = a_bad_rating_in_the_first_county
    with pytest.raises(PermissionDenied):
        services.appeal_decide(appeal=appeal, actor=Staff.objects.get(username=who), upheld=True, note="成立")
    appeal.refresh_from_db()
    assert appeal.status == "pending"


def test_the_other_countys_staff_cannot_appeal_a_rating_here(a_bad_rating_in_the_first_county):
    from rest_framework.exceptions import PermissionDenied

    from yichuang.ratings import services
    from yichuang.ratings.models import Appeal

    rating, _rectification, appeal = a_bad_rating_in_the_first_county
    appeal.delete()
    with pytest.raises(PermissionDenied):
        services.appeal_raise(rating=rating, actor=Staff.objects.get(username="town1_pq"), reason="恶意差评")
    assert not Appeal.objects.filter(rating=rating).exists()


@pytest.mark.parametrize("who", ["county_admin_pq", "county_supervisor_pq", "town1_review_pq"])
def test_the_other_countys_staff_cannot_call_back_for_a_rectification_here(
    a_bad_rating_in_the_first_county, who
):
    from rest_framework.exceptions import PermissionDenied

    from yichuang.ratings import services

    _rating, rectification, _appeal = a_bad_rating_in_the_first_county
    with pytest.raises(PermissionDenied):
        services.rectification_callback(
            rectification=rectification, actor=Staff.objects.get(username=who), note="已回访", satisfied=True
        )


def test_the_first_countys_supervisor_decides_the_appeal(a_bad_rating_in_the_first_county):
    from yichuang.ratings import services

    _rating, _rectification, appeal = a_bad_rating_in_the_first_county
    decided = services.appeal_decide(
        appeal=appeal, actor=Staff.objects.get(username="county_supervisor"), upheld=False, note="不成立"
    )
    assert decided.status == "rejected"


# —— how a county's administrator is named ————————————————————————————————————————————————————


def test_a_county_administrator_is_shown_as_such_while_his_api_role_stays_admin(demo):
    me = api_as("county_admin_pq").get("/api/v1/me/").json()
    home = site_as("county_admin_pq").get("/work/").content.decode()
    staff_list = site_as("admin").get("/admin/org/staff/?q=county_admin_pq").content.decode()

    assert (me["role"], me["role_display"]) == ("admin", "县区管理员")
    assert "县区管理员" in home and "平台管理员" not in home
    assert "县区管理员" in staff_list


def test_the_platform_administrator_is_still_the_platforms(demo):
    me = api_as("admin").get("/api/v1/me/").json()

    assert (me["role"], me["role_display"]) == ("admin", "平台管理员")


def test_a_county_administrator_reads_his_role_in_english(demo):
    me = api_as("county_admin").get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert (me["role"], me["role_display"]) == ("admin", "County administrator")


# —— who hears of a broken audit trail ————————————————————————————————————————————————————————


def audit_notices() -> dict[str, str]:
    from yichuang.notify.models import StaffNotice

    return {n.recipient.username: n.body for n in StaffNotice.objects.filter(kind="audit_broken")}


def test_a_broken_case_trail_alerts_the_platform_and_that_countys_administrator_only(a_case_in_each_county):
    from yichuang.audit.tasks import verify_audit_trail
    from yichuang.cases.models import Case

    number = a_case_in_each_county["浉河区"]
    Case.objects.filter(number=number).update(status="delivered")

    assert verify_audit_trail() >= 1
    notices = audit_notices()
    assert number in notices["admin"] and number in notices["county_admin"]
    assert "county_admin_pq" not in notices


def test_a_broken_security_trail_alerts_no_county_administrator(a_case_in_each_county):
    from yichuang.audit.models import SecurityEvent
    from yichuang.audit.tasks import verify_audit_trail

    SecurityEvent.objects.create(kind="login_failed", seq=10_000, digest="forged", prev_digest="forged")

    assert verify_audit_trail() >= 1
    notices = audit_notices()
    assert "admin" in notices
    assert "county_admin" not in notices and "county_admin_pq" not in notices


def test_next_years_holiday_reminder_is_the_platform_administrators_not_a_county_administrators(demo):
    assert 'id="schedule-reminder"' in site_as("admin").get("/work/").content.decode()
    assert 'id="schedule-reminder"' not in site_as("county_admin_pq").get("/work/").content.decode()
