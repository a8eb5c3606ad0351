"""Staff keep their item lists in spreadsheets: the catalog goes out to Excel and comes back in."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yichuang.catalog.excel import (
    DELEGATION_SHEET,
    ITEM_COLUMNS,
    ITEM_SHEET,
    MATERIAL_COLUMNS,
    MATERIAL_SHEET,
    OFFER_COLUMNS,
    OFFER_SHEET,
    export_catalog,
    import_catalog,
)
from yichuang.catalog.models import (
    Audience,
    Delegation,
    DelegationMode,
    ExerciseLevel,
    ItemStatus,
    ItemType,
    ItemVersion,
    LicenseType,
    MaterialForm,
    MaterialRequirement,
    MaterialSource,
    PointItem,
    ResultType,
    ServiceItem,
)
from yichuang.catalog.services import item_publish
from yichuang.org.models import Department, DepartmentKind, PointKind, Region, RegionLevel, ServicePoint


@dataclass
class Catalog:
    county: Region
    town: Region
    civil: Department
    id_card: LicenseType
    welfare_card: LicenseType
    subsidy: ServiceItem  # published, with a child item
    subsidy_apply: ServiceItem  # draft child of subsidy
    burial: ServiceItem  # draft, immediate, no materials


def build_catalog() -> Catalog:
    """A county of our own with one department, two licence types and three items."""
    province = Region.objects.create(code="410000000000", name="河南省", level=RegionLevel.PROVINCE)
    city = Region.objects.create(code="411500000000", name="信阳市", level=RegionLevel.CITY, parent=province)
    county = Region.objects.create(code="411502000000", name="浉河区", level=RegionLevel.COUNTY, parent=city)
    town = Region.objects.create(code="411502100000", name="甲镇", level=RegionLevel.TOWN, parent=county)
    civil = Department.objects.create(
        code="MZJ", name="浉河区民政局", kind=DepartmentKind.COUNTY_BUREAU, region=county
    )
    id_card = LicenseType.objects.create(code="SFZ", name="居民身份证", issuer="公安机关")
    welfare_card = LicenseType.objects.create(code="DBZ", name="最低生活保障证", printable=True)
    subsidy = ServiceItem.objects.create(
        code="11411502MB1234567X4000000001",
        base_code="000001",
        name="最低生活保障金给付",
        aliases="低保、低保申请",
        keywords="低保 救助",
        type=ItemType.BENEFIT,
        legal_basis="《社会救助暂行办法》第九条",
        exercise_level=ExerciseLevel.COUNTY,
        department=civil,
        audience=Audience.PERSON,
        conditions="家庭人均收入低于当地低保标准。",
        statutory_days=32,
        promised_days=18,
        visits_required=1,
        online_depth=4,
        result_type=ResultType.CERTIFICATE,
        result_name="最低生活保障证",
        result_license_type=welfare_card,
        consult_phone="0376-1234567",
        process="申请→受理→审核→公示→审批",
    )
    MaterialRequirement.objects.create(
        item=subsidy,
        code="CL001",
        name="申请人身份证",
        form=MaterialForm.ORIGINAL,
        license_type=id_card,
        order=1,
    )
    MaterialRequirement.objects.create(
        item=subsidy,
        code="CL002",
        name="户口簿",
        form=MaterialForm.ORIGINAL_AND_COPY,
        tolerable=True,
        order=2,
    )
    MaterialRequirement.objects.create(
        item=subsidy,
        code="CL003",
        name="家庭收入证明",
        copies=2,
        commitment_allowed=True,
        source=MaterialSource.GOVERNMENT,
        source_note="村委会出具",
        notes="=近12个月收入",
        order=3,
    )
    MaterialRequirement.objects.create(item=subsidy, code="CL004", name="残疾证", required=False, order=4)
    item_publish(item=subsidy)
    subsidy_apply = ServiceItem.objects.create(
        code="11411502MB1234567X4000000002",
        base_code="000002",
        name="低保对象家庭情况变更",
        type=ItemType.BENEFIT,
        exercise_level=ExerciseLevel.TOWN,
        department=civil,
        statutory_days=20,
        promised_days=10,
        parent=subsidy,
        fee_charged=True,
        fee_standard="0",
    )
    MaterialRequirement.objects.create(
        item=subsidy_apply, code="CL001", name="申请人身份证", license_type=id_card
    )
    burial = ServiceItem.objects.create(
        code="11411502MB1234567X4000000003",
        base_code="000003",
        name="困难群众基本殡葬服务费用减免",
        type=ItemType.PUBLIC_SERVICE,
        exercise_level=ExerciseLevel.TOWN,
        department=civil,
        audience=Audience.BOTH,
        statutory_days=5,
        promised_days=0,
        complaint_phone="",
    )
    Delegation.objects.create(
        item=subsidy,
        from_department=civil,
        to_region=town,
        mode=DelegationMode.ENTRUSTED,
        instrument="浉民委〔2024〕1号",
        instrument_date=dt.date(2024, 1, 2),
        valid_from=dt.date(2024, 1, 15),
    )
    subsidy.refresh_from_db()
    return Catalog(county, town, civil, id_card, welfare_card, subsidy, subsidy_apply, burial)


@pytest.fixture
def catalog(db: Any) -> Catalog:
    return build_catalog()


def catalog_state() -> dict[str, Any]:
    """Everything an import is responsible for, keyed by codes so that database ids do not matter."""
    skip = {"id", "created_at", "updated_at", "version"}
    state: dict[str, Any] = {}
    for item in ServiceItem.objects.select_related("department", "result_license_type", "parent"):
        entry = {
            f.name: getattr(item, f.attname) for f in ServiceItem._meta.concrete_fields if f.name not in skip
        }
        entry["department"] = item.department.code
        entry["result_license_type"] = item.result_license_type.code if item.result_license_type else None
        entry["parent"] = item.parent.code if item.parent else None
        entry["materials"] = [
            {
                **{
                    f.name: getattr(material, f.attname)
                    for f in MaterialRequirement._meta.concrete_fields
                    if f.name not in {"id", "item", "license_type"}
                },
                "license_type": material.license_type.code if material.license_type else None,
            }
            for material in item.materials.select_related("license_type").order_by("order", "id")
        ]
        entry["delegations"] = sorted(
            (d.from_department.code, d.to_region_id, d.mode, d.instrument, d.valid_from, d.valid_to)
            for d in item.delegations.select_related("from_department")
        )
        state[item.code] = entry
    return state


def workbook_bytes(items: list[dict[str, Any]], materials: list[dict[str, Any]]) -> bytes:
    """A workbook in the import layout, from rows given as {header: value}."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = ITEM_SHEET
    sheet.append([c.header for c in ITEM_COLUMNS])
    for row in items:
        sheet.append([row.get(c.header) for c in ITEM_COLUMNS])
    sheet = book.create_sheet(MATERIAL_SHEET)
    sheet.append([c.header for c in MATERIAL_COLUMNS])
    for row in materials:
        sheet.append([row.get(c.header) for c in MATERIAL_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def item_row(code: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "实施编码": code,
        "基本编码": "009999",
        "事项名称": f"测试事项{code}",
        "事项类型": "行政确认",
        "行使层级": "县级",
        "实施主体编码": "MZJ",
        "法定时限": 20,
        "承诺时限": 5,
    }
    row.update(overrides)
    return row


def material_row(item_code: str, code: str, **overrides: Any) -> dict[str, Any]:
    row = {"实施编码": item_code, "材料编码": code, "材料名称": f"材料{code}", "必要": "是"}
    row.update(overrides)
    return row


def errors_by_row(result: Any) -> dict[tuple[str, int | None], str]:
    found: dict[tuple[str, int | None], str] = {}
    for error in result.errors:
        key = (error.sheet, error.row)
        found[key] = found.get(key, "") + error.reason + "；"
    return found


# ------------------------------------------------------------------------------------------------ export


def test_the_export_has_the_item_material_and_delegation_sheets_with_chinese_labels(catalog: Catalog) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export_catalog()))

    items = book[ITEM_SHEET]
    header = [cell.value for cell in items[1]]
    assert header[:3] == ["实施编码", "基本编码", "事项名称"]
    assert items["A1"].font.bold
    assert items.freeze_panes == "A2"
    rows = {
        row[0]: dict(zip(header, row, strict=True)) for row in items.iter_rows(min_row=2, values_only=True)
    }
    subsidy = rows[catalog.subsidy.code]
    assert subsidy["事项类型"] == "行政给付"
    assert subsidy["行使层级"] == "县级"
    assert subsidy["是否收费"] == "否"
    assert subsidy["状态"] == "已发布"
    assert subsidy["结果证照类型编码"] == "DBZ"
    assert rows[catalog.subsidy_apply.code]["父事项编码"] == catalog.subsidy.code

    materials = book[MATERIAL_SHEET]
    header = [cell.value for cell in materials[1]]
    first = dict(zip(header, next(materials.iter_rows(min_row=2, values_only=True)), strict=True))
    assert first["材料形式"] == "原件"
    assert first["必要"] == "是"
    assert first["可容缺"] == "否"
    assert first["证照类型编码"] == "SFZ"
    # A note that starts with "=" stays text and is never a formula.
    notes = [row[header.index("填报须知")] for row in materials.iter_rows(min_row=2, values_only=True)]
    assert "=近12个月收入" in notes

    delegations = list(book[DELEGATION_SHEET].iter_rows(min_row=2, values_only=True))
    assert delegations[0][4] == "委托下放"
    assert delegations[0][3] == catalog.town.code


def test_exporting_a_queryset_only_writes_those_items(catalog: Catalog) -> None:
    book = openpyxl.load_workbook(
        io.BytesIO(export_catalog(ServiceItem.objects.filter(pk=catalog.burial.pk)))
    )

    codes = [row[0] for row in book[ITEM_SHEET].iter_rows(min_row=2, values_only=True)]
    assert codes == [catalog.burial.code]
    assert list(book[MATERIAL_SHEET].iter_rows(min_row=2, values_only=True)) == []


# ------------------------------------------------------------------------------------------------ import


def test_export_then_import_brings_back_identical_items_and_materials(catalog: Catalog) -> None:
    before = catalog_state()
    exported = export_catalog()
    # Someone edits the live catalog after the export …
    ServiceItem.objects.filter(pk=catalog.subsidy_apply.pk).update(name="改过的名称", promised_days=3)
    MaterialRequirement.objects.filter(item=catalog.subsidy, code="CL002").delete()
    MaterialRequirement.objects.create(item=catalog.subsidy_apply, code="CL999", name="多余的材料")
    catalog.burial.delete()

    # … and the spreadsheet puts it back exactly as it was.
    result = import_catalog(exported)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.materials, result.delegations) == (1, 2, 5, 1)
    assert catalog_state() == before
    # The published item is back to the content of its version 1: no new version.
    assert result.versions == 0
    assert list(ItemVersion.objects.filter(item=catalog.subsidy).values_list("number", flat=True)) == [1]


def test_importing_into_an_empty_catalog_creates_every_item_with_its_parent(catalog: Catalog) -> None:
    before = catalog_state()
    exported = export_catalog()
    ItemVersion.objects.all().delete()
    Delegation.objects.all().delete()
    catalog.subsidy_apply.delete()
    catalog.subsidy.delete()
    catalog.burial.delete()

    result = import_catalog(exported)

    assert result.ok, result.errors
    assert result.created == 3
    assert catalog_state() == before
    # 已发布 in the status column publishes through item_publish, which writes version 1.
    assert ServiceItem.objects.get(code=catalog.subsidy.code).versions.count() == 1


def test_an_import_with_bad_rows_reports_each_row_and_stores_nothing(catalog: Catalog) -> None:
    items_before, materials_before = ServiceItem.objects.count(), MaterialRequirement.objects.count()
    data = workbook_bytes(
        items=[
            item_row("OK-1"),  # row 2: fine on its own
            item_row("BAD-DEPT", 实施主体编码="NOPE"),  # row 3
            item_row("BAD-TYPE", 事项类型="行政许可证"),  # row 4
            item_row("BAD-INT", 法定时限="三十"),  # row 5
            item_row("OK-1"),  # row 6: duplicate code
            item_row("BAD-DAYS", 法定时限=5, 承诺时限=10),  # row 7
            item_row("BAD-NAME", 事项名称=None, 是否收费="也许"),  # row 8: two problems at once
            item_row("BAD-PARENT", 父事项编码="NO-SUCH-ITEM"),  # row 9
        ],
        materials=[
            material_row("OK-1", "M1"),  # row 2: fine
            material_row("GHOST", "M1"),  # row 3
            material_row("OK-1", "M2", 必要="否", 可容缺="是"),  # row 4
            material_row("OK-1", "M1"),  # row 5: duplicate
            material_row("OK-1", "M3", 证照类型编码="XX"),  # row 6
            material_row("OK-1", "M4", 份数="两份"),  # row 7
        ],
    )

    result = import_catalog(data)

    assert not result.ok
    errors = errors_by_row(result)
    assert "实施主体编码“NOPE”不存在" in errors[(ITEM_SHEET, 3)]
    assert "事项类型" in errors[(ITEM_SHEET, 4)] and "行政许可" in errors[(ITEM_SHEET, 4)]
    assert "法定时限”应为整数" in errors[(ITEM_SHEET, 5)]
    assert "与第2行重复" in errors[(ITEM_SHEET, 6)]
    assert "承诺时限（10）不得超过法定时限（5）" in errors[(ITEM_SHEET, 7)]
    assert "事项名称”不能为空" in errors[(ITEM_SHEET, 8)]
    assert "是否收费”应填“是”或“否”" in errors[(ITEM_SHEET, 8)]
    assert "父事项编码“NO-SUCH-ITEM”" in errors[(ITEM_SHEET, 9)]
    assert "既不在“事项”表中，也不在系统中" in errors[(MATERIAL_SHEET, 3)]
    assert "只有必要材料才能设置容缺或告知承诺" in errors[(MATERIAL_SHEET, 4)]
    assert "与第2行重复" in errors[(MATERIAL_SHEET, 5)]
    assert "证照类型编码“XX”不存在" in errors[(MATERIAL_SHEET, 6)]
    assert "份数”应为整数" in errors[(MATERIAL_SHEET, 7)]
    # Good rows are not reported, and the same reason is not repeated within a row.
    assert (ITEM_SHEET, 2) not in errors and (MATERIAL_SHEET, 2) not in errors
    assert errors[(ITEM_SHEET, 7)].count("不得超过法定时限") == 1
    # All or nothing: not even the valid row OK-1 is stored.
    assert not ServiceItem.objects.filter(code="OK-1").exists()
    assert (ServiceItem.objects.count(), MaterialRequirement.objects.count()) == (
        items_before,
        materials_before,
    )
    assert (result.created, result.updated, result.materials) == (0, 0, 0)


def test_a_promised_limit_longer_than_the_statutory_one_is_rejected(catalog: Catalog) -> None:
    data = workbook_bytes(items=[item_row("LATE", 法定时限=10, 承诺时限=11)], materials=[])

    result = import_catalog(data)

    assert [(e.sheet, e.row) for e in result.errors] == [(ITEM_SHEET, 2)]
    assert "不得超过法定时限" in result.errors[0].reason
    assert not ServiceItem.objects.filter(code="LATE").exists()


def test_enum_code_values_and_english_booleans_are_accepted_too(catalog: Catalog) -> None:
    data = workbook_bytes(
        items=[item_row("CODES", 事项类型="confirmation", 行使层级="town", 是否收费="true", 服务对象="法人")],
        materials=[material_row("CODES", "M1", 材料形式="copy", 必要=1, 可告知承诺="TRUE", 来源渠道="其他")],
    )

    result = import_catalog(data)

    assert result.ok, result.errors
    item = ServiceItem.objects.get(code="CODES")
    assert (item.type, item.exercise_level, item.fee_charged, item.audience) == (
        ItemType.CONFIRMATION,
        ExerciseLevel.TOWN,
        True,
        Audience.ORGANIZATION,
    )
    assert item.status == ItemStatus.DRAFT
    material = item.materials.get()
    assert (material.form, material.required, material.commitment_allowed, material.source) == (
        MaterialForm.COPY,
        True,
        True,
        MaterialSource.OTHER,
    )


def test_materials_may_be_imported_for_an_item_that_is_only_in_the_database(catalog: Catalog) -> None:
    data = workbook_bytes(
        items=[], materials=[material_row(catalog.burial.code, "CL100", 材料名称="死亡证明")]
    )

    result = import_catalog(data)

    assert result.ok, result.errors
    assert list(catalog.burial.materials.values_list("name", flat=True)) == ["死亡证明"]


def test_a_dry_run_checks_everything_and_stores_nothing(catalog: Catalog) -> None:
    result = import_catalog(workbook_bytes(items=[item_row("DRY")], materials=[]), dry_run=True)

    assert result.ok and result.dry_run and result.created == 1
    assert not ServiceItem.objects.filter(code="DRY").exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"this is not an excel file", b"PK\x03\x04 broken zip", "中文,逗号,分隔\n".encode()],
    ids=["empty", "text", "broken-zip", "csv"],
)
def test_a_file_that_is_not_an_xlsx_is_rejected_with_a_chinese_message(
    catalog: Catalog, content: bytes
) -> None:
    result = import_catalog(content)

    assert not result.ok
    assert len(result.errors) == 1
    assert "Excel" in result.errors[0].reason or "文件为空" in result.errors[0].reason
    assert ServiceItem.objects.count() == 3


def test_a_truncated_export_is_rejected_as_corrupted(catalog: Catalog) -> None:
    data = export_catalog()

    result = import_catalog(data[: len(data) // 2])

    assert not result.ok
    assert "已损坏" in result.errors[0].reason


def test_a_workbook_without_the_material_sheet_is_rejected(catalog: Catalog) -> None:
    book = openpyxl.Workbook()
    book.active.title = ITEM_SHEET
    buffer = io.BytesIO()
    book.save(buffer)

    result = import_catalog(buffer.getvalue())

    assert "缺少工作表" in result.errors[0].reason and "材料" in result.errors[0].reason


def test_a_sheet_without_a_required_column_is_rejected(catalog: Catalog) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export_catalog()))
    book[ITEM_SHEET].delete_cols(12)  # 法定时限
    buffer = io.BytesIO()
    book.save(buffer)

    result = import_catalog(buffer.getvalue())

    assert "缺少必填列" in str(result.errors[0]) and "法定时限" in str(result.errors[0])


def test_editing_a_published_item_by_import_makes_version_2_and_version_1_keeps_the_old_materials(
    catalog: Catalog,
) -> None:
    book = openpyxl.load_workbook(
        io.BytesIO(export_catalog(ServiceItem.objects.filter(pk=catalog.subsidy.pk)))
    )
    materials = book[MATERIAL_SHEET]
    materials["C2"] = "申请人及家庭成员身份证"  # CL001 renamed
    materials.append([catalog.subsidy.code, "CL005", "银行卡", "复印件", 1, "是", "否", "否", "申请人自备"])
    buffer = io.BytesIO()
    book.save(buffer)

    result = import_catalog(buffer.getvalue())

    assert result.ok, result.errors
    assert result.versions == 1
    version_1, version_2 = ItemVersion.objects.filter(item=catalog.subsidy).order_by("number")
    assert version_2.number == 2
    assert [m["name"] for m in version_1.snapshot["materials"]] == [
        "申请人身份证",
        "户口簿",
        "家庭收入证明",
        "残疾证",
    ]
    assert [m["code"] for m in version_2.snapshot["materials"]] == [
        "CL001",
        "CL002",
        "CL003",
        "CL004",
        "CL005",
    ]
    assert version_2.snapshot["materials"][0]["name"] == "申请人及家庭成员身份证"
    catalog.subsidy.refresh_from_db()
    assert catalog.subsidy.version == 2


def test_the_commands_export_and_import_and_fail_on_errors(catalog: Catalog, tmp_path: Any) -> None:
    path = tmp_path / "catalog.xlsx"
    call_command("export_catalog", str(path))
    call_command("import_catalog", str(path), "--dry-run")

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_bytes(items=[item_row("X", 法定时限=1, 承诺时限=2)], materials=[]))
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import_catalog", str(bad), stderr=stderr)
    assert "“事项”表第2行" in stderr.getvalue()

    with pytest.raises(CommandError):
        call_command("import_catalog", str(tmp_path / "missing.xlsx"))


# ------------------------------------------------------------------------------------------------ offers


def offers_workbook(offers: list[dict[str, Any]]) -> bytes:
    """A workbook with one item and the given 认领事项 rows."""
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes([item_row("OFFER-1")], [])))
    sheet = book.create_sheet(OFFER_SHEET)
    sheet.append([c.header for c in OFFER_COLUMNS])
    for row in offers:
        sheet.append([row.get(c.header) for c in OFFER_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_points_offers_travel_with_the_catalog_and_a_second_import_changes_nothing(
    catalog: Catalog,
) -> None:
    point = ServicePoint.objects.create(
        code="CA", name="甲镇便民服务中心", kind=PointKind.TOWN_CENTER, region=catalog.town
    )
    PointItem.objects.create(point=point, item=catalog.subsidy, since=dt.date(2026, 3, 1))
    PointItem.objects.create(point=point, item=catalog.burial, active=False)
    exported = export_catalog()
    rows = list(openpyxl.load_workbook(io.BytesIO(exported))[OFFER_SHEET].iter_rows(values_only=True))
    assert rows[0] == ("服务点编码", "实施编码", "启用", "起始日期")
    assert ("CA", catalog.subsidy.code, "是", dt.datetime(2026, 3, 1)) in rows
    assert ("CA", catalog.burial.code, "否", None) in rows

    PointItem.objects.all().delete()
    first = import_catalog(exported)
    second = import_catalog(exported)

    assert first.ok and second.ok, (first.errors, second.errors)
    assert first.offers == second.offers == 2
    assert "认领事项 2 条" in first.summary()
    offers = {
        (o.point.code, o.item.code, o.active, o.since)
        for o in PointItem.objects.select_related("point", "item")
    }
    assert offers == {
        ("CA", catalog.subsidy.code, True, dt.date(2026, 3, 1)),
        ("CA", catalog.burial.code, False, None),
    }


def test_bad_offer_rows_are_each_reported_and_nothing_is_stored(catalog: Catalog) -> None:
    ServicePoint.objects.create(
        code="CA", name="甲镇便民服务中心", kind=PointKind.TOWN_CENTER, region=catalog.town
    )
    data = offers_workbook(
        [
            {"服务点编码": "CA", "实施编码": "OFFER-1"},  # row 2: fine, the item is new in this file
            {"服务点编码": "NOPE", "实施编码": "OFFER-1"},  # row 3
            {"服务点编码": "CA", "实施编码": "GHOST"},  # row 4
            {"服务点编码": "CA", "实施编码": "OFFER-1"},  # row 5: duplicate
            {"服务点编码": "CA", "实施编码": catalog.subsidy.code, "启用": "也许"},  # row 6
            {"实施编码": catalog.subsidy.code},  # row 7
        ]
    )

    result = import_catalog(data)

    errors = errors_by_row(result)
    assert "服务点编码“NOPE”不存在" in errors[(OFFER_SHEET, 3)]
    assert "事项“GHOST”既不在“事项”表中，也不在系统中" in errors[(OFFER_SHEET, 4)]
    assert "与第2行重复" in errors[(OFFER_SHEET, 5)]
    assert "启用”应填“是”或“否”" in errors[(OFFER_SHEET, 6)]
    assert "服务点编码”不能为空" in errors[(OFFER_SHEET, 7)]
    assert (OFFER_SHEET, 2) not in errors
    assert not PointItem.objects.exists()
    assert not ServiceItem.objects.filter(code="OFFER-1").exists()
