"""A county's IT office sets up its county from one workbook (import_org), then imports its catalog.

The demo county's export is the filled-in example: imported into an empty database it gives back the
same organization, lets the demo catalog's export import without a single error, and lets its staff
sign in with the one-time passwords the import hands out.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from rest_framework.test import APIClient

from yichuang.catalog.excel import export_catalog, import_catalog
from yichuang.catalog.models import LicenseType, MaterialRequirement, PointItem, ServiceItem
from yichuang.demo.loader import load_demo
from yichuang.onboarding.importer import import_org
from yichuang.onboarding.sheets import (
    GUIDE_SHEET,
    HOURS_SHEET,
    POINT_SHEET,
    REGION_SHEET,
    SHEETS,
    STAFF_SHEET,
    WINDOW_SHEET,
    export_org,
)
from yichuang.org.models import Department, Region, Role, ServicePoint, Staff, Window
from yichuang.queue.models import OpeningHours


@pytest.fixture(scope="module")
def demo_exports(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, bytes]]:
    """The demo county's organization and catalog exports; the county itself is rolled back, so each
    test starts from an empty database, as a county does after ``migrate`` and ``createsuperuser``."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        exports = {"org": export_org(), "catalog": export_catalog()}
        transaction.set_rollback(True)
    yield exports


def cells(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's values, row by row: what a person sees in the workbook."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {name: [tuple(row) for row in book[name].iter_rows(values_only=True)] for name in book.sheetnames}


def workbook(sheets: dict[str, list[dict[str, Any]]]) -> bytes:
    """A workbook in the import layout from rows given as {header: value}; sheets not named are left out."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        if sheet.name not in sheets:
            continue
        target = book.create_sheet(sheet.name)
        target.append([c.header for c in sheet.columns])
        for row in sheets[sheet.name]:
            target.append([row.get(c.header) for c in sheet.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


REGIONS = [
    {"区划代码": "410000000000", "名称": "河南省", "层级": "省"},
    {"区划代码": "411500000000", "名称": "信阳市", "层级": "市", "上级区划代码": "410000000000"},
    {"区划代码": "411502000000", "名称": "浉河区", "层级": "县(区)", "上级区划代码": "411500000000"},
    {"区划代码": "411502100000", "名称": "东双河镇", "层级": "乡镇(街道)", "上级区划代码": "411502000000"},
    {"区划代码": "411502100201", "名称": "大庙畈村", "层级": "村(社区)", "上级区划代码": "411502100000"},
]
POINTS = [
    {
        "服务点编码": "HALL",
        "名称": "浉河区政务服务中心",
        "类型": "政务服务中心",
        "所在区划代码": "411502000000",
    },
    {
        "服务点编码": "TOWN",
        "名称": "东双河镇便民服务中心",
        "类型": "便民服务中心",
        "所在区划代码": "411502100000",
        "上级服务点编码": "HALL",
        "办公时间说明": "周一至周五 8:30-12:00、14:30-17:30",
    },
    {
        "服务点编码": "VILLAGE",
        "名称": "大庙畈村便民服务站",
        "类型": "便民服务站",
        "所在区划代码": "411502100201",
        "上级服务点编码": "TOWN",
        "全年无休": "是",
    },
]
HOURS = [
    {"服务点编码": "TOWN", "适用日期": "工作日（含调休上班日）", "开始时间": "08:30", "结束时间": "12:00"},
    {"服务点编码": "TOWN", "适用日期": "工作日（含调休上班日）", "开始时间": "14:30", "结束时间": "17:30"},
]
WINDOWS = [
    {"服务点编码": "TOWN", "窗口号": "1", "窗口名称": "综合受理窗口"},
    {"服务点编码": "TOWN", "窗口号": "2", "窗口名称": "社保医保窗口", "类型": "专业窗口"},
]
DEPARTMENTS = [
    {"部门编码": "411502-MZJ", "名称": "浉河区民政局", "类型": "县直部门", "所属区划代码": "411502000000"},
    {
        "部门编码": "411502100-SPZX",
        "名称": "东双河镇行政审批服务中心",
        "类型": "乡镇行政审批服务中心",
        "所属区划代码": "411502100000",
        "办公地点编码": "TOWN",
    },
]
LICENSES = [{"证照类型编码": "DBZ", "名称": "最低生活保障证", "发证机关": "浉河区民政局", "可套打": "是"}]
STAFF = [
    {
        "用户名": "chenjing",
        "姓": "陈",
        "名": "静",
        "角色": "窗口工作人员",
        "服务点编码": "TOWN",
        "管辖区划代码": "411502100000",
        "窗口号": "1",
        "手机号": "13903760021",
    },
    {
        "用户名": "liujianhua",
        "姓": "刘",
        "名": "建华",
        "角色": "后台审批人员",
        "服务点编码": "TOWN",
        "管辖区划代码": "411502100000",
        "部门编码": "411502100-SPZX",
    },
    {"用户名": "wangxiuying", "姓": "王", "名": "秀英", "角色": "village_agent", "服务点编码": "VILLAGE"},
]


def small_county() -> dict[str, list[dict[str, Any]]]:
    return {
        "证照类型": LICENSES,
        REGION_SHEET: REGIONS,
        POINT_SHEET: POINTS,
        HOURS_SHEET: HOURS,
        WINDOW_SHEET: WINDOWS,
        "部门": DEPARTMENTS,
        STAFF_SHEET: STAFF,
    }


# —— the demo county: the export is the template ——


def test_after_importing_the_demo_organization_the_demo_catalog_imports_without_a_single_error(
    demo_exports: dict[str, bytes], db: Any
) -> None:
    # What the county IT office met: right after createsuperuser, the catalog's units do not exist.
    before = import_catalog(demo_exports["catalog"], dry_run=True)
    assert any("实施主体编码" in str(error) and "不存在" in str(error) for error in before.errors)

    organization = import_org(demo_exports["org"])
    assert organization.ok, [str(e) for e in organization.errors]
    catalog = import_catalog(demo_exports["catalog"])

    assert [str(e) for e in catalog.errors] == []
    assert catalog.created == 154
    assert ServiceItem.objects.count() == 154
    assert MaterialRequirement.objects.count() == catalog.materials
    # The same items, materials, delegations and offers (认领事项) as the demo's own catalog: the
    # county's points can take cases right away.
    assert catalog.offers > 0
    assert PointItem.objects.count() == catalog.offers
    assert cells(export_catalog()) == cells(demo_exports["catalog"])
    # Importing the same file again changes nothing.
    again = import_catalog(demo_exports["catalog"])
    assert again.ok and (again.created, again.offers) == (0, catalog.offers)
    assert PointItem.objects.count() == catalog.offers


def test_the_organization_exported_imported_into_an_empty_database_and_exported_again_is_the_same(
    demo_exports: dict[str, bytes], db: Any
) -> None:
    result = import_org(demo_exports["org"])

    assert result.ok
    assert cells(export_org()) == cells(demo_exports["org"])
    assert result.created[POINT_SHEET] == ServicePoint.objects.count() == 103
    assert result.created[STAFF_SHEET] == Staff.objects.count() == len(result.passwords)


def test_the_empty_template_has_every_sheet_with_its_headers_and_a_guide_in_chinese_and_english(
    db: Any,
) -> None:
    sheets = cells(export_org(template=True))

    assert list(sheets) == [s.name for s in SHEETS] + [GUIDE_SHEET]
    for sheet in SHEETS:
        assert sheets[sheet.name] == [tuple(c.header for c in sheet.columns)]
    guide = sheets[GUIDE_SHEET]
    assert guide[0] == ("工作表", "列", "英文 English", "必填", "填写说明")
    described = {(row[0], row[1]) for row in guide[1:]}
    assert {(s.name, c.header) for s in SHEETS for c in s.columns} <= described
    assert next(row[:4] for row in guide if row[:2] == ("工作人员", "角色")) == (
        "工作人员",
        "角色",
        "Role",
        "是",
    )
    region_code = next(row for row in guide if row[:2] == ("行政区划", "区划代码"))
    assert "12位" in region_code[4]


# —— a small county of our own ——


def test_a_county_is_set_up_from_its_workbook(db: Any) -> None:
    result = import_org(workbook(small_county()))

    assert result.ok, [str(e) for e in result.errors]
    village = ServicePoint.objects.get(code="VILLAGE")
    assert village.parent is not None and village.parent.code == "TOWN"
    assert village.region.code == "411502100201" and village.open_all_year
    assert Region.objects.get(code="411502100201").parent.code == "411502100000"  # type: ignore[union-attr]
    town = ServicePoint.objects.get(code="TOWN")
    assert [
        (h.start.isoformat("minutes"), h.end.isoformat("minutes"))
        for h in town.opening_hours.order_by("start")
    ] == [
        ("08:30", "12:00"),
        ("14:30", "17:30"),
    ]
    assert Window.objects.get(point=town, number="2").kind == "dedicated"
    assert Department.objects.get(code="411502100-SPZX").point == town
    assert LicenseType.objects.get(code="DBZ").printable
    clerk = Staff.objects.get(username="chenjing")
    assert (clerk.role, clerk.point, clerk.window.number if clerk.window else None) == (
        Role.WINDOW_CLERK,
        town,
        "1",
    )
    assert clerk.get_full_name() == "陈静" and not clerk.is_demo and not clerk.is_superuser
    assert sorted(name for name, _full, _password in result.passwords) == [
        "chenjing",
        "liujianhua",
        "wangxiuying",
    ]


def test_an_imported_clerk_signs_in_with_his_one_time_password_and_sees_his_role_point_and_region(
    db: Any, api_client: APIClient
) -> None:
    result = import_org(workbook(small_county()))
    password = next(p for name, _full, p in result.passwords if name == "chenjing")

    answer = api_client.post(
        "/api/v1/auth/token/", {"username": "chenjing", "password": password}, format="json"
    )
    assert answer.status_code == 200, answer.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['token']}")
    me = api_client.get("/api/v1/me/").json()

    assert (me["username"], me["role"], me["point"], me["region"]) == (
        "chenjing",
        "window_clerk",
        "TOWN",
        "411502100000",
    )
    assert me["name"] == "陈静"
    wrong = APIClient().post(
        "/api/v1/auth/token/", {"username": "chenjing", "password": "demo12345"}, format="json"
    )
    assert wrong.status_code == 400


def test_a_village_agent_without_a_scope_of_his_own_sees_his_station_region(
    db: Any, api_client: APIClient
) -> None:
    result = import_org(workbook(small_county()))
    password = next(p for name, _full, p in result.passwords if name == "wangxiuying")
    token = api_client.post(
        "/api/v1/auth/token/", {"username": "wangxiuying", "password": password}, format="json"
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")

    me = api_client.get("/api/v1/me/").json()

    assert (me["role"], me["point"], me["region"]) == ("village_agent", "VILLAGE", "411502100201")


def test_importing_the_same_file_again_changes_nothing_and_a_changed_row_is_updated_in_place(db: Any) -> None:
    data = small_county()
    import_org(workbook(data))
    keys = {
        "regions": set(Region.objects.values_list("code", "pk", "name")),
        "points": set(ServicePoint.objects.values_list("code", "pk", "name")),
        "hours": set(OpeningHours.objects.values_list("pk", "start", "end")),
        "windows": set(Window.objects.values_list("pk", "number")),
        "staff": set(Staff.objects.values_list("username", "pk", "password")),
    }

    again = import_org(workbook(data))

    assert again.ok and again.created == {} and again.updated == {} and again.passwords == []
    assert again.unchanged[STAFF_SHEET] == 3 and again.unchanged[REGION_SHEET] == 5
    assert set(Region.objects.values_list("code", "pk", "name")) == keys["regions"]
    assert set(OpeningHours.objects.values_list("pk", "start", "end")) == keys["hours"]
    assert set(Staff.objects.values_list("username", "pk", "password")) == keys["staff"]

    data[POINT_SHEET] = [dict(POINTS[0]), dict(POINTS[1], 名称="东双河镇党群便民服务中心"), POINTS[2]]
    data[HOURS_SHEET] = [dict(HOURS[0], 结束时间="12:30")]
    changed = import_org(workbook(data))

    assert changed.updated == {POINT_SHEET: 1, HOURS_SHEET: 1} and changed.removed_hours == 1
    town = ServicePoint.objects.get(code="TOWN")
    assert (town.pk, town.name) == (
        next(pk for code, pk, _n in keys["points"] if code == "TOWN"),
        "东双河镇党群便民服务中心",
    )
    assert [(h.start.isoformat("minutes"), h.end.isoformat("minutes")) for h in town.opening_hours.all()] == [
        ("08:30", "12:30")
    ]
    assert ServicePoint.objects.count() == 3 and Staff.objects.count() == 3


def test_an_existing_account_keeps_its_password_and_its_demo_flag(db: Any) -> None:
    import_org(workbook(small_county()))
    clerk = Staff.objects.get(username="chenjing")
    clerk.set_password("chosen-by-chen-jing")
    clerk.is_demo = True
    clerk.save()

    import_org(workbook(small_county()))

    clerk.refresh_from_db()
    assert clerk.check_password("chosen-by-chen-jing") and clerk.is_demo


def test_bad_rows_in_several_sheets_are_all_reported_with_sheet_and_row_and_nothing_is_stored(
    db: Any,
) -> None:
    data = small_county()
    data[REGION_SHEET] = [
        *REGIONS,
        {"区划代码": "41150210020", "名称": "短代码村", "层级": "村(社区)", "上级区划代码": "411502100000"},
    ]
    data[POINT_SHEET] = [
        *POINTS,
        {"服务点编码": "BANK", "名称": "邮储银行网点", "类型": "银行", "所在区划代码": "411502999000"},
        {"服务点编码": "TOWN", "名称": "重复的中心", "类型": "便民服务中心", "所在区划代码": "411502100000"},
    ]
    data[HOURS_SHEET] = [
        *HOURS,
        {"服务点编码": "HALL", "适用日期": "每天（全年无休）", "开始时间": "17:00", "结束时间": "9:00"},
    ]
    data[STAFF_SHEET] = [
        *STAFF,
        {"用户名": "nobody", "姓": "赵", "角色": "门卫", "服务点编码": "TOWN"},
        {"用户名": "floating", "姓": "钱", "角色": "窗口工作人员"},
        {"用户名": "chenjing", "姓": "陈", "角色": "窗口工作人员", "服务点编码": "TOWN", "窗口号": "9"},
    ]

    result = import_org(workbook(data))

    where = {(e.sheet, e.row) for e in result.errors}
    assert where == {
        (REGION_SHEET, 7),
        (POINT_SHEET, 5),
        (POINT_SHEET, 6),
        (HOURS_SHEET, 4),
        (STAFF_SHEET, 5),
        (STAFF_SHEET, 6),
        (STAFF_SHEET, 7),
    }
    text = "\n".join(str(e) for e in result.errors)
    assert "“行政区划”表第7行：“区划代码”：区划代码应为12位数字" in text
    assert "“服务点”表第5行：“类型”的值“银行”无效" in text
    assert "“服务点”表第5行：所在区划代码“411502999000”不存在（本工作簿和系统中都没有）" in text
    assert "“服务点”表第6行：服务点编码“TOWN”与第3行重复" in text
    assert "“办公时间”表第4行：“结束时间”：结束时间应晚于开始时间" in text
    assert "“工作人员”表第5行：“角色”的值“门卫”无效" in text
    assert "“工作人员”表第6行：除平台管理员外，请填写服务点编码或管辖区划代码" in text
    assert "“工作人员”表第7行：用户名“chenjing”与第2行重复" in text
    assert Region.objects.count() == ServicePoint.objects.count() == Staff.objects.count() == 0
    assert LicenseType.objects.count() == OpeningHours.objects.count() == 0


def test_a_window_a_clerk_is_given_must_exist_at_his_point(db: Any) -> None:
    data = small_county()
    data[STAFF_SHEET] = [dict(STAFF[0], 窗口号="7")]

    result = import_org(workbook(data))

    assert [str(e) for e in result.errors] == [
        "“工作人员”表第2行：服务点“TOWN”没有7号窗口（请先在“窗口”表中添加）"
    ]


def test_a_clerk_scope_must_contain_his_point_and_a_parent_region_must_exist(db: Any) -> None:
    data = small_county()
    data[REGION_SHEET] = [*REGIONS, {"区划代码": "411502101000", "名称": "董家河镇", "层级": "乡镇(街道)"}]
    data[STAFF_SHEET] = [dict(STAFF[0], 管辖区划代码="411502101000")]

    errors = [str(e) for e in import_org(workbook(data)).errors]

    assert errors == [
        "“行政区划”表第7行：请填写上级区划代码（乡镇(街道)的上级是县(区)）",
        "“工作人员”表第2行：服务点“TOWN”不在管辖区划“411502101000”之内",
    ]


def test_a_dry_run_checks_everything_and_stores_nothing(db: Any) -> None:
    result = import_org(workbook(small_county()), dry_run=True)

    assert result.ok and result.created[STAFF_SHEET] == 3 and result.passwords == []
    assert "校验通过（未保存）" in result.summary()
    assert Region.objects.count() == Staff.objects.count() == 0


def test_a_file_that_is_not_a_workbook_is_refused_in_chinese(db: Any) -> None:
    result = import_org(b"name,role\nchen,clerk\n")

    assert [str(e) for e in result.errors] == [
        "文件不是有效的 Excel 工作簿（.xlsx），或文件已损坏。请用 Excel 或 WPS 另存为 .xlsx 格式后重新导入。"
    ]


# —— the commands ——


def test_import_org_lists_every_error_and_stores_nothing(db: Any, tmp_path: Path) -> None:
    data = small_county()
    data[STAFF_SHEET] = [*STAFF, {"用户名": "nobody", "姓": "赵", "角色": "门卫", "服务点编码": "NOWHERE"}]
    path = tmp_path / "county.xlsx"
    path.write_bytes(workbook(data))
    err = StringIO()

    with pytest.raises(CommandError, match="共 2 处错误，未导入任何数据"):
        call_command("import_org", str(path), stdout=StringIO(), stderr=err)

    assert "“工作人员”表第5行：“角色”的值“门卫”无效" in err.getvalue()
    assert "“工作人员”表第5行：服务点编码“NOWHERE”不存在" in err.getvalue()
    assert Staff.objects.count() == 0


def test_import_org_writes_the_one_time_passwords_to_a_file_only_its_owner_reads(
    db: Any, tmp_path: Path
) -> None:
    path = tmp_path / "county.xlsx"
    path.write_bytes(workbook(small_county()))
    passwords = tmp_path / "passwords.csv"
    out = StringIO()

    call_command("import_org", str(path), "--passwords", str(passwords), stdout=out, stderr=StringIO())

    assert stat.S_IMODE(os.stat(passwords).st_mode) == 0o600
    lines = passwords.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "用户名,姓名,一次性初始密码" and len(lines) == 4
    username, _name, password = lines[1].split(",")
    assert Staff.objects.get(username=username).check_password(password)
    assert password not in out.getvalue() and "导入完成" in out.getvalue()
    with pytest.raises(CommandError, match="已存在"):
        call_command("import_org", str(path), "--passwords", str(passwords), stdout=StringIO())


def test_import_org_without_a_password_file_shows_each_new_password_once(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "county.xlsx"
    path.write_bytes(workbook(small_county()))
    first, second = StringIO(), StringIO()

    call_command("import_org", str(path), stdout=first, stderr=StringIO())
    call_command("import_org", str(path), stdout=second, stderr=StringIO())

    assert "一次性初始密码" in first.getvalue() and "chenjing" in first.getvalue()
    assert "一次性初始密码" not in second.getvalue() and "未变 3" in second.getvalue()


def test_export_org_writes_the_workbook_and_the_template(db: Any, tmp_path: Path) -> None:
    import_org(workbook(small_county()))
    full, empty = tmp_path / "county.xlsx", tmp_path / "template.xlsx"

    call_command("export_org", str(full), stdout=StringIO())
    call_command("export_org", str(empty), "--template", stdout=StringIO())

    assert len(cells(full.read_bytes())[STAFF_SHEET]) == 4
    assert len(cells(empty.read_bytes())[STAFF_SHEET]) == 1


def test_points_that_belong_to_each_other_in_a_circle_are_refused(db: Any) -> None:
    data = small_county()
    data[POINT_SHEET] = [dict(POINTS[0], 上级服务点编码="VILLAGE"), *POINTS[1:]]

    errors = {str(e) for e in import_org(workbook(data)).errors}

    assert errors == {f"“服务点”表第{n}行：上级服务点形成了循环" for n in (2, 3, 4)}
