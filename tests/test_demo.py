"""The demo county (浉河区): what `yichuang loaddemo` loads, and that loading it is safe to repeat."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from rest_framework.test import APIClient

from yichuang.catalog.models import (
    Bundle,
    Delegation,
    DelegationMode,
    ExerciseLevel,
    FormField,
    ItemStatus,
    ItemVersion,
    MaterialRequirement,
    PointItem,
    ServiceItem,
)
from yichuang.catalog.selectors import bundle_materials, handling_unit_for
from yichuang.demo.loader import load_demo
from yichuang.files.samples import BLANK_PDF
from yichuang.hotline.models import Category, RoutingRule, TimeLimit
from yichuang.hotline.selectors import is_operator, route_for
from yichuang.org.models import DepartmentKind, PointKind, Region, ServicePoint, Staff, Window

pytestmark = pytest.mark.django_db

FIRST_TOWN_CENTER = "411502100-BMZX"

# contract.md: username → (role, point code, region code)
CONTRACT_ACCOUNTS: dict[str, tuple[str, str | None, str | None]] = {
    "admin": ("admin", None, None),
    "hall1": ("window_clerk", "411502-ZWZX", "411502000000"),
    "town1": ("window_clerk", FIRST_TOWN_CENTER, "411502100000"),
    "town1_review": ("reviewer", FIRST_TOWN_CENTER, "411502100000"),
    "town2": ("window_clerk", "411502101-BMZX", "411502101000"),
    "county_review": ("reviewer", "411502-ZWZX", "411502000000"),
    "agent1": ("village_agent", "411502100201-BMZ", "411502100201"),
    "agent2": ("village_agent", "411502101201-BMZ", "411502101201"),
    "bank1": ("bank_clerk", "411502100-YH01", None),
}

REQUIRED_ITEMS = [
    "农村最低生活保障",
    "临时救助",
    "高龄津贴",
    "个体工商户登记",
    "林木采伐许可",
    "城乡居民基本医疗保险参保登记",
    "城乡居民基本养老保险参保登记",
    "社会保障卡申领",
    "老年人优待证",
    "生育服务登记",
    "失业登记",
    "乡村兽医登记许可",
    "残疾人证",
    "不动产",
    "小餐饮登记",
    "特困人员救助供养",
    "困难残疾人生活补贴和重度残疾人护理补贴",
    "计划生育家庭特别扶助",
    "农村村民宅基地审批",
    "乡村建设规划许可",
    "退役军人优待证",
    "独生子女父母光荣证",
    "就业创业证",
    "医疗救助",
    "殡葬补贴",
    "食品小作坊登记",
    "再生育审批",
    "城乡居民养老保险待遇领取",
    "流动人口婚育证明",
    "农机购置补贴",
    "耕地地力保护补贴",
    "出版物零售",
    "公共场所卫生许可",
]


@pytest.fixture(scope="module")
def county(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """The demo county, loaded once for the module inside a transaction that is rolled back at the
    end; each test runs in a savepoint of its own, so what a test changes does not leak."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


@pytest.fixture
def demo(county: dict[str, int], db: Any) -> dict[str, int]:
    return county


def _table_keys() -> dict[str, set[Any]]:
    """Every demo row by its natural key, to see that a second load adds and removes nothing."""
    return {
        "regions": set(Region.objects.values_list("code", "pk")),
        "points": set(ServicePoint.objects.values_list("code", "pk")),
        "windows": set(Window.objects.values_list("point__code", "number", "pk")),
        "items": set(ServiceItem.objects.values_list("code", "pk", "version")),
        "materials": set(MaterialRequirement.objects.values_list("item__code", "code", "pk")),
        "form_fields": set(FormField.objects.values_list("item__code", "key", "pk", "label")),
        "versions": set(ItemVersion.objects.values_list("item__code", "number")),
        "offers": set(PointItem.objects.values_list("point__code", "item__code")),
        "delegations": set(Delegation.objects.values_list("pk", "item__code", "mode")),
        "staff": set(Staff.objects.values_list("username", "pk")),
        "hotline_categories": set(Category.objects.values_list("code", "pk", "parent__code", "time_limit")),
        "hotline_rules": set(
            RoutingRule.objects.values_list(
                "pk", "category__code", "region__code", "department__code", "point__code"
            )
        ),
        "hotline_operators": set(
            Staff.objects.filter(groups__name="12345热线坐席").values_list("username", "is_staff")
        ),
    }


def test_loading_twice_leaves_the_same_rows() -> None:
    first = load_demo()
    before = _table_keys()
    town1 = Staff.objects.get(username="town1")
    town1.set_password("changed-by-someone")
    town1.save()

    again = load_demo()

    assert again == first
    assert _table_keys() == before
    town1.refresh_from_db()
    assert town1.check_password("demo12345"), "a reload resets the demo passwords"


def test_the_county_has_the_seed_figures(demo: dict[str, int]) -> None:
    assert demo["items"] >= 150
    assert ServiceItem.objects.filter(status=ItemStatus.PUBLISHED).count() >= 150
    assert ServicePoint.objects.filter(kind=PointKind.TOWN_CENTER).count() >= 8
    assert ServicePoint.objects.filter(kind=PointKind.VILLAGE_STATION).count() >= 60
    assert ServicePoint.objects.filter(kind=PointKind.BANK_OUTLET).count() == 4
    assert ServicePoint.objects.filter(kind=PointKind.KIOSK).exists()
    assert ServicePoint.objects.filter(kind=PointKind.VILLAGE_STATION, open_all_year=True).exists()
    names = list(ServiceItem.objects.values_list("name", flat=True))
    missing = [wanted for wanted in REQUIRED_ITEMS if not any(wanted in name for name in names)]
    assert missing == []

    dibao = ServiceItem.objects.get(name="农村最低生活保障审批")
    assert (dibao.statutory_days, dibao.promised_days) == (32, 18)
    assert "低保" in dibao.alias_list()
    assert ServiceItem.objects.filter(promised_days=0).count() >= 30, "many immediate items"
    assert all(item.promised_days <= item.statutory_days for item in ServiceItem.objects.all())


def test_every_town_has_a_center_an_approval_center_and_four_comprehensive_windows(
    demo: dict[str, int],
) -> None:
    for center in ServicePoint.objects.filter(kind=PointKind.TOWN_CENTER).select_related("region"):
        assert center.departments.filter(kind=DepartmentKind.TOWN_APPROVAL_CENTER).count() == 1
        assert center.windows.filter(kind="comprehensive").count() >= 4
        stations = center.children.filter(kind=PointKind.VILLAGE_STATION)
        assert 6 <= stations.count() <= 8
        for station in stations:
            offered = station.offers.count()
            assert 30 <= offered <= 70, f"{station.name} offers {offered} items"


def test_every_item_is_published_at_version_one(demo: dict[str, int]) -> None:
    items = ServiceItem.objects.all()
    assert {item.version for item in items} == {1}
    assert ItemVersion.objects.count() == items.count()
    assert not ServiceItem.objects.exclude(status=ItemStatus.PUBLISHED).exists()
    assert not ServiceItem.objects.filter(materials__isnull=True).exists(), "every item lists its materials"


def test_a_few_items_ask_for_a_realistic_application_form(demo: dict[str, int]) -> None:
    business = ServiceItem.objects.get(name="个体工商户登记")
    answer = APIClient().get(f"/api/v1/items/{business.code}/")
    fields = {field["label"]: field for field in answer.json()["form_fields"]}
    assert {"经营者姓名", "经营场所地址", "经营范围", "资金数额（万元）"} <= set(fields)
    assert fields["经营场所地址"]["kind"] == "address"
    assert fields["组成形式"]["choices"] == ["个人经营", "家庭经营"]
    elder = ServiceItem.objects.get(name="高龄津贴申领")
    assert [f.label for f in elder.form_fields.all()][:3] == ["户籍地址", "开户银行", "银行账号"]
    snapshot = ItemVersion.objects.get(item=elder).snapshot
    assert [f["key"] for f in snapshot["form_fields"]][:2] == ["household_address", "bank"]


def test_town_items_have_tolerable_and_commitment_materials_besides_plain_ones(demo: dict[str, int]) -> None:
    center = ServicePoint.objects.get(code=FIRST_TOWN_CENTER)
    decided_in_town = [
        item
        for item in ServiceItem.objects.filter(offers__point=center)
        if handling_unit_for(item=item, point=center).department.kind == DepartmentKind.TOWN_APPROVAL_CENTER
    ]

    def plain_required(item: ServiceItem) -> int:
        return item.materials.filter(required=True, tolerable=False, commitment_allowed=False).count()

    tolerant = [
        i for i in decided_in_town if i.materials.filter(tolerable=True).exists() and plain_required(i) >= 2
    ]
    committing = [
        i
        for i in decided_in_town
        if i.materials.filter(commitment_allowed=True).exists() and plain_required(i) >= 2
    ]
    assert tolerant and committing
    assert any(i.exercise_level == ExerciseLevel.TOWN for i in tolerant)
    dibao = ServiceItem.objects.get(name="农村最低生活保障审批")
    assert dibao.materials.filter(commitment_allowed=True, name__contains="家庭收入").exists()
    relief = ServiceItem.objects.get(name="临时救助审批")
    assert relief.materials.filter(tolerable=True, name__contains="证明").exists()
    # 容缺 and 告知承诺 only ever on required materials (MaterialRequirement.clean)
    assert not MaterialRequirement.objects.filter(required=False, tolerable=True).exists()
    assert not MaterialRequirement.objects.filter(required=False, commitment_allowed=True).exists()


def test_materials_share_catalog_wide_codes_and_certificates_stand_in(demo: dict[str, int]) -> None:
    id_cards = MaterialRequirement.objects.filter(code="M001")
    assert id_cards.count() > 100
    assert set(id_cards.values_list("name", flat=True)) == {"居民身份证"}
    assert set(id_cards.values_list("license_type__name", flat=True)) == {"居民身份证"}
    for name in ("户口簿", "结婚证", "营业执照", "残疾人证", "出生医学证明"):
        assert MaterialRequirement.objects.filter(name__contains=name, license_type__isnull=False).exists(), (
            name
        )


def test_bundles_merge_shared_materials_once(demo: dict[str, int]) -> None:
    names = set(Bundle.objects.values_list("name", flat=True))
    assert {"开办小餐饮一件事", "新生儿出生一件事"} <= names
    assert len(names) >= 4
    for bundle in Bundle.objects.prefetch_related("entries__item__materials"):
        merged = bundle_materials(bundle)
        codes = [m.code for m in merged]
        total = sum(entry.item.materials.count() for entry in bundle.entries.all())
        assert len(codes) == len(set(codes))
        assert len(codes) < total, f"{bundle.name} shares no material"
    newborn = Bundle.objects.get(name="新生儿出生一件事")
    merged = {m.code: m for m in bundle_materials(newborn)}
    assert len(merged["M001"].items) >= 2, "the parents' ID card is asked once for several items"
    # the bundle's first step (出生医学证明首次签发) issues the birth certificate: not asked of the parents
    assert "M004" not in merged


def test_delegations_follow_the_seeds(demo: dict[str, int]) -> None:
    modes = set(Delegation.objects.values_list("mode", flat=True))
    assert modes == {DelegationMode.GRANTED, DelegationMode.ENTRUSTED, DelegationMode.FRONT_DESK_ONLY}
    assert Delegation.objects.filter(instrument__startswith="浉政审", valid_from="2021-07-10").count() >= 60
    assert Delegation.objects.filter(to_point__isnull=False).exists()
    assert Delegation.objects.filter(valid_to__lt="2024-01-01").count() == 1, "one expired delegation"

    center = ServicePoint.objects.get(code=FIRST_TOWN_CENTER)
    transfer = ServiceItem.objects.get(name="不动产转移登记（存量房买卖）")
    unit = handling_unit_for(item=transfer, point=center)
    assert unit.mode == DelegationMode.FRONT_DESK_ONLY
    assert unit.department == Staff.objects.get(username="county_review").department
    dibao = ServiceItem.objects.get(name="农村最低生活保障审批")
    assert (
        handling_unit_for(item=dibao, point=center).department
        == Staff.objects.get(username="town1_review").department
    )
    bank = ServicePoint.objects.get(code="411502100-YH01")
    assert bank.offers.filter(item__name="社会保障卡申领").exists()


def test_contract_accounts_log_in_with_the_demo_password(demo: dict[str, int]) -> None:
    client = APIClient()
    for username, (role, point, region) in CONTRACT_ACCOUNTS.items():
        staff = Staff.objects.get(username=username)
        assert staff.is_demo and staff.role == role and staff.last_name
        staff.full_clean()
        response = client.post(
            "/api/v1/auth/token/", {"username": username, "password": "demo12345"}, format="json"
        )
        assert response.status_code == 200, (username, response.content)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
        me = client.get("/api/v1/me/").json()
        client.credentials()
        assert (me["username"], me["role"], me["point"]) == (username, role, point)
        if region is not None:
            assert me["region"] == region
    assert Staff.objects.get(username="admin").is_superuser
    assert Staff.objects.get(username="town1_review").department.kind == DepartmentKind.TOWN_APPROVAL_CENTER
    assert Staff.objects.get(username="county_review").department.kind == DepartmentKind.COUNTY_BUREAU
    assert Staff.objects.get(username="bank1").region is None
    assert Staff.objects.filter(role="center_manager").count() >= 12
    assert not Staff.objects.filter(is_demo=False).exists()


def test_loaddemo_prints_counts_and_accounts() -> None:
    out = StringIO()
    call_command("loaddemo", stdout=out)
    text = out.getvalue()
    assert "items: " in text
    for username in CONTRACT_ACCOUNTS:
        assert username in text
    assert "demo12345" in text


def test_production_refuses_to_load() -> None:
    items = ServiceItem.objects.count()
    with override_settings(PRODUCTION=True), pytest.raises(CommandError, match="生产环境"):
        load_demo()
    assert ServiceItem.objects.count() == items
    with override_settings(PRODUCTION=True), pytest.raises(CommandError):
        call_command("loaddemo", stdout=StringIO())


def test_each_demo_account_sees_exactly_its_part_of_the_county(demo: dict[str, int]) -> None:
    from yichuang.org.selectors import points_in_scope

    def visible(username: str) -> set[str]:
        return set(points_in_scope(Staff.objects.get(username=username)).values_list("code", flat=True))

    everything = set(ServicePoint.objects.values_list("code", flat=True))
    assert visible("admin") == everything
    assert visible("hall1") == everything
    town1 = visible("town1")
    assert FIRST_TOWN_CENTER in town1 and "411502100201-BMZ" in town1 and "411502100-YH01" in town1
    assert all(code.startswith("411502100") for code in town1)
    assert visible("town1_review") == town1
    assert not town1 & visible("town2")
    assert visible("agent1") == {"411502100201-BMZ"}
    assert visible("agent2") == {"411502101201-BMZ"}
    assert visible("bank1") == {"411502100-YH01"}


def test_me_tells_each_contract_account_its_role_point_and_region(demo: dict[str, int]) -> None:
    client = APIClient()
    for username, (role, point, region) in CONTRACT_ACCOUNTS.items():
        token = client.post(
            "/api/v1/auth/token/", {"username": username, "password": "demo12345"}, format="json"
        )
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
        me = client.get("/api/v1/me/").json()
        assert (me["role"], me["point"]) == (role, point), username
        if region is not None:
            assert me["region"] == region, username


def test_pinyin_initials_find_dibao_first_in_the_demo_catalog(demo: dict[str, int]) -> None:
    client = APIClient()
    for q in ("db", "低保", "dibao"):
        first = client.get("/api/v1/items/", {"q": q}).json()["results"][0]
        assert "最低生活保障" in first["name"], q
    card = client.get("/api/v1/items/", {"q": "sbk"}).json()["results"][0]
    assert "社会保障卡" in card["name"]


def test_the_hotline_has_a_category_tree_with_the_four_time_limits(demo: dict[str, int]) -> None:
    assert demo["hotline_categories"] >= 40
    limits = {c.effective_time_limit() for c in Category.objects.select_related("parent")}
    assert limits == set(TimeLimit.values)
    for child in Category.objects.filter(parent__isnull=False).select_related("parent"):
        assert child.code.startswith(child.parent.code), child
    water = Category.objects.get(name="供水")
    assert water.effective_time_limit() == TimeLimit.UTILITIES


def test_hotline_rules_route_by_subject_and_by_place(demo: dict[str, int]) -> None:
    def unit(category: str, region: str) -> str | None:
        rule = route_for(category=Category.objects.get(name=category), region=Region.objects.get(code=region))
        return rule.unit.code if rule else None

    assert unit("低保与社会救助", "411502100202") == FIRST_TOWN_CENTER, "黄龙寺村: 东双河镇 handles 低保"
    assert unit("低保与社会救助", "411502100201") == "411502100201-BMZ", "大庙畈村's own station"
    assert unit("低保与社会救助", "411502000000") == "411502-MZJ"
    assert unit("供水", "411502001001") == "411502-ZJJ"
    assert unit("食品安全", "411502101203") == "411502-SJJ"
    assert unit("其他", "411502001001") == "411502001-BMZX", "老城街道 takes what no bureau rule covers"
    assert unit("其他", "411502000000") is None, "county-wide odd calls wait for the operator"
    towns = Region.objects.filter(level="town", code__startswith="411502")
    for town in towns:
        assert RoutingRule.objects.filter(region=town, category__isnull=True, active=True).count() == 1, town


def test_the_hotline_operator_registers_a_call_that_the_first_town_signs_for(demo: dict[str, int]) -> None:
    def client(username: str) -> APIClient:
        api = APIClient()
        token = api.post(
            "/api/v1/auth/token/", {"username": username, "password": "demo12345"}, format="json"
        )
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
        return api

    assert is_operator(Staff.objects.get(username="hotline1"))
    assert not is_operator(Staff.objects.get(username="town1"))
    operator = client("hotline1")
    created = operator.post(
        "/api/v1/hotline/tickets/",
        {
            "type": "help",
            "category": Category.objects.get(name="低保与社会救助").code,
            "region": "411502100202",
            "title": "低保申请进度",
            "content": "上月申请低保，想了解办理进度。",
            "caller_name": "黄德明",
            "caller_phone": "13912345678",
            "dispatch": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert ticket["assigned_unit"]["code"] == FIRST_TOWN_CENTER
    number = ticket["number"]
    assert client("town2").get(f"/api/v1/hotline/tickets/{number}/").status_code == 404
    town1 = client("town1")
    assert [
        t["number"] for t in town1.get("/api/v1/hotline/tickets/", {"mine": "true"}).json()["results"]
    ] == [number]
    signed = town1.post(f"/api/v1/hotline/tickets/{number}/actions/accept/", {}, format="json")
    assert signed.status_code == 200 and signed.json()["responsible_unit"]["code"] == FIRST_TOWN_CENTER


def test_the_demo_county_has_its_seals_and_a_reload_keeps_their_keys(demo: dict[str, int]) -> None:
    from yichuang.documents.demo import load_demo_seals
    from yichuang.documents.models import Seal, SealKind
    from yichuang.org.models import Department

    centers = Department.objects.filter(kind=DepartmentKind.TOWN_APPROVAL_CENTER)
    assert centers.count() >= 8
    for center in centers:
        assert Seal.objects.get(kind=SealKind.APPROVAL, department=center).holder_name.endswith(
            ("人民政府", "办事处")
        )
        numbered = Seal.objects.get(kind=SealKind.DELEGATED, department=center)
        assert numbered.issuer is not None and numbered.issuer.code == "411502-SPJ" and numbered.number
    assert Seal.objects.filter(kind=SealKind.OUTPUT, point__code="411502-ZWZX").exists()
    assert Seal.objects.filter(kind=SealKind.OUTPUT, point__code=FIRST_TOWN_CENTER).exists()
    assert Seal.objects.filter(kind=SealKind.DEPARTMENT, department__code="411502-MZJ").exists()
    keys = dict(Seal.objects.values_list("code", "public_key"))
    assert demo["seals"] == len(keys)
    load_demo_seals()
    assert dict(Seal.objects.values_list("code", "public_key")) == keys, "a reload keeps every key pair"


def test_town1_accepts_an_entrusted_item_under_the_numbered_seal_and_it_verifies(
    demo: dict[str, int],
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from yichuang.common.identity import resident_id_check_char
    from yichuang.documents.models import Document, SealKind

    center = ServicePoint.objects.get(code=FIRST_TOWN_CENTER)
    item = next(
        i
        for i in ServiceItem.objects.filter(offers__point=center, status=ItemStatus.PUBLISHED).order_by(
            "code"
        )
        if handling_unit_for(item=i, point=center).mode == DelegationMode.ENTRUSTED
    )
    client = APIClient()
    client.force_authenticate(user=Staff.objects.get(username="town1"))
    pdf = BLANK_PDF
    materials = [
        {
            "requirement": m.code,
            "files": [client.post("/api/v1/files/", {"file": SimpleUploadedFile("a.pdf", pdf)}).json()["id"]],
        }
        for m in item.materials.all()
    ]
    first17 = "41150219800101123"
    applicant = {
        "name": "王秀英",
        "id_number": first17 + resident_id_check_char(first17),
        "phone": "13912345678",
    }
    body = {
        "item": item.code,
        "point": center.code,
        "channel": "window",
        "applicant": applicant,
        "materials": materials,
    }
    case = client.post("/api/v1/cases/", body, format="json").json()
    assert case["status"] == "accepted", case
    notice = Document.objects.get(case__number=case["number"], kind="acceptance_notice")
    assert notice.seal is not None and notice.seal.kind == SealKind.DELEGATED
    assert notice.seal.issuer is not None and notice.seal.issuer.name == "浉河区行政审批服务局"
    [listed] = [
        d
        for d in client.get(f"/api/v1/cases/{case['number']}/").json()["documents"]
        if d["id"] == str(notice.pk)
    ]
    assert client.get(listed["url"]).status_code == 200
    page = Client().get(f"/verify/{listed['verify_code']}").content.decode()
    assert 'data-genuine="true"' in page and "行政审批业务专用章" in page


def test_the_hall_and_the_town_centers_take_numbers_and_appointments(
    demo: dict[str, int], time_machine: Any
) -> None:
    import datetime as dt
    import zoneinfo

    from yichuang.queue.models import AppointmentSchedule, ServiceCategory, WindowService

    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    time_machine.move_to(dt.datetime(2026, 10, 14, 10, 0, tzinfo=shanghai), tick=False)  # a Wednesday

    assert set(ServiceCategory.objects.values_list("letter", flat=True)) >= set("ABCDEFGH")
    hall = APIClient().get("/api/v1/queue/points/411502-ZWZX/").json()
    assert [c["letter"] for c in hall["categories"]] == list("ABCDEFGH")
    assert hall["appointments"] is True
    town = APIClient().get(f"/api/v1/queue/points/{FIRST_TOWN_CENTER}/").json()
    assert {c["code"] for c in town["categories"]} >= {"general", "social", "civil", "estate"}
    assert WindowService.objects.filter(
        window__point__code="411502-ZWZX", window__number="10"
    ).get().category.code == ("estate")
    hall_lines = AppointmentSchedule.objects.filter(point__code="411502-ZWZX")
    assert hall_lines.filter(extended=True, start="12:00").exists(), "中午不打烊"
    assert hall_lines.filter(days="rest_days").exists(), "周末延时服务"
    assert AppointmentSchedule.objects.filter(
        point__code=FIRST_TOWN_CENTER, days="rest_days", weekdays="6"
    ).exists()
    ticket = APIClient().post(
        "/api/v1/queue/points/411502-ZD01/tickets/", {"category": "general"}, format="json"
    )
    assert ticket.status_code == 201 and ticket.json()["point"] == "411502-ZWZX", "the hall's kiosk"
    time_machine.move_to(dt.datetime(2026, 10, 18, 0, 49, tzinfo=shanghai), tick=False)  # Sunday night
    closed = APIClient().post(
        "/api/v1/queue/points/411502-ZWZX/tickets/", {"category": "general"}, format="json"
    )
    assert closed.status_code == 409, "the hall's opening hours are loaded"
    assert closed.json()["detail"].endswith("下次开始办理：今天 9:00。"), "周末延时服务 from 9:00"


def test_the_readme_lists_every_account_the_demo_prints_in_both_languages() -> None:
    from pathlib import Path

    from yichuang.demo.data.accounts import ACCOUNTS, TOWN_MANAGERS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    chinese, english = readme.split("## English")
    usernames = [a.username for a in ACCOUNTS] + [m[1] for m in TOWN_MANAGERS]
    assert set(CONTRACT_ACCOUNTS) <= set(usernames)
    for part in (chinese, english):
        assert [u for u in usernames if f"`{u}`" not in part] == []
        assert "make run ADDR=127.0.0.1:" in part
        assert "2 分钟" in part or "every 2 minutes" in part, "the dashboard updates by itself"
    assert "../shared/" not in readme, "no link that is broken in a plain clone"


def test_in_production_the_guard_names_every_demo_account_and_none_can_sign_in(
    demo: dict[str, int], settings: Any
) -> None:
    from yichuang.demo.loader import demo_usernames
    from yichuang.org.checks import demo_accounts_in_production

    every = demo_usernames()
    assert set(Staff.objects.filter(is_demo=True).values_list("username", flat=True)) == set(every)
    settings.PRODUCTION = True
    message = demo_accounts_in_production()[0].msg
    assert f"{len(every)} 个启用的演示账号" in message
    assert [u for u in every if u not in message] == []
    client = APIClient()
    for username in ("admin", "town1", every[-1]):
        answer = client.post(
            "/api/v1/auth/token/", {"username": username, "password": "demo12345"}, format="json"
        )
        assert (answer.status_code, answer.json()["code"]) == (403, "demo_account"), username
    call_command("disable_demo_accounts", stdout=StringIO())
    assert demo_accounts_in_production() == []


def test_the_readme_tells_the_truth_about_the_demo_county(demo: dict[str, int]) -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    chinese, english = readme.split("## English")
    assert f"{demo['towns']} 个乡镇（街道）便民服务中心、{demo['villages']} 个村（社区）便民服务站" in chinese
    assert f"{demo['towns']} town (sub-district) centers, {demo['villages']} village" in english
    hotline1 = Staff.objects.get(username="hotline1")
    assert hotline1.groups.filter(name="12345热线坐席").exists()
    for part in (chinese, english):
        row = next(line for line in part.splitlines() if line.startswith("| `hotline1` |"))
        assert f"`{hotline1.role}`" in row and "12345热线坐席" in row
        # json.tool escapes Chinese as \uXXXX unless told not to
        assert all("--no-ensure-ascii" in line for line in part.splitlines() if "json.tool" in line)


def test_bank1_accepts_an_individual_business_licence_but_may_not_approve_it(demo: dict[str, int]) -> None:
    """Issue 16: a partner bank outlet accepts and hands out; the 个体工商户登记 is decided by the unit that
    holds the power, and the bank clerk is told so (403 in Chinese). The item's conditions come from
    the catalog: a company cannot register as an individual business."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yichuang.common.identity import resident_id_check_char

    bank1 = Staff.objects.get(username="bank1")
    item = ServiceItem.objects.get(name="个体工商户登记")
    client = APIClient()
    client.force_authenticate(user=bank1)
    pdf = BLANK_PDF
    materials = [
        {
            "requirement": m.code,
            "files": [client.post("/api/v1/files/", {"file": SimpleUploadedFile("a.pdf", pdf)}).json()["id"]],
        }
        for m in item.materials.filter(required=True)
    ]
    first17 = "41150219850101123"
    body = {
        "item": item.code,
        "point": bank1.point.code,
        "channel": "bank",
        "applicant": {
            "name": "王秀英",
            "id_number": first17 + resident_id_check_char(first17),
            "phone": "13912345678",
        },
        "materials": materials,
    }
    case = client.post("/api/v1/cases/", body, format="json").json()
    assert case["status"] == "accepted", case
    assert "approve" not in case["allowed_actions"]
    refused = client.post(f"/api/v1/cases/{case['number']}/actions/approve/", {}, format="json")
    assert refused.status_code == 403
    assert "银行网点" in refused.json()["detail"] and "不能作出行政决定" in refused.json()["detail"]
    again = client.post("/api/v1/cases/", body, format="json")
    assert again.status_code == 409 and case["number"] in again.json()["detail"]
