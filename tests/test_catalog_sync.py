"""The province's 事项库 export kept in step with the county's catalog (issue 17, item 5): matched by
实施编码 or 基本编码, a new version only where the content changed, new items as drafts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.test_cases import application
from yichuang.catalog.models import ItemStatus, ItemVersion, ServiceItem
from yichuang.integrations.catalog_sync import catalog_sync

pytestmark = pytest.mark.django_db

FORMS = {"original": "原件", "copy": "复印件", "electronic": "电子件", "original_and_copy": "原件和复印件"}


def record_for(item: ServiceItem) -> dict[str, Any]:
    """The province's record of an item as the county has it now."""
    return {
        "基本编码": item.base_code,
        "实施编码": item.code,
        "事项名称": item.name,
        "事项类型": item.get_type_display(),
        "实施主体编码": item.department.code,
        "行使层级": item.get_exercise_level_display(),
        "服务对象": item.get_audience_display(),
        "法定办结时限": item.statutory_days,
        "承诺办结时限": item.promised_days,
        "到办事现场次数": item.visits_required,
        "申请材料": [
            {
                "材料编码": m.code,
                "材料名称": m.name,
                "必要性": "必要" if m.required else "非必要",
                "材料形式": FORMS[m.form],
                "份数": m.copies,
            }
            for m in item.materials.order_by("order", "id")
        ],
    }


def export(county: Any) -> list[dict[str, Any]]:
    return [record_for(item) for item in ServiceItem.objects.order_by("code")]


def test_an_unchanged_export_writes_no_new_version(county):
    versions = ItemVersion.objects.count()
    result = catalog_sync(export(county))
    assert sorted(result.unchanged) == ["DB", "GL"] and not result.versioned and not result.skipped
    assert ItemVersion.objects.count() == versions


def test_a_changed_time_limit_makes_a_new_version_and_cases_keep_the_old_one(county, clerk):
    before = clerk.post("/api/v1/cases/", application(clerk), format="json").json()
    records = export(county)
    dibao = next(r for r in records if r["实施编码"] == "DB")
    dibao["承诺办结时限"] = 12
    dibao["申请材料"].append({"材料编码": "M099", "材料名称": "村（居）委会评议意见", "必要性": "必要"})
    result = catalog_sync(records)
    assert result.versioned == ["DB"] and result.unchanged == ["GL"]
    item = ServiceItem.objects.get(code="DB")
    assert item.promised_days == 12 and item.version == 2
    assert "M099" in {m["code"] for m in ItemVersion.objects.get(item=item, number=2).snapshot["materials"]}
    old_case = clerk.get(f"/api/v1/cases/{before['number']}/").json()
    assert old_case["due_date"] == before["due_date"]  # accepted under version 1, as it was


def test_what_the_county_keeps_of_its_own_survives_a_sync(county):
    records = export(county)
    for material in next(r for r in records if r["实施编码"] == "DB")["申请材料"]:
        material["材料名称"] += "（省标准名称）"
    catalog_sync(records)
    tolerable = ServiceItem.objects.get(code="DB").materials.get(code="M020")
    assert tolerable.tolerable is True and tolerable.name.endswith("（省标准名称）")
    assert ServiceItem.objects.get(code="DB").aliases == "低保"


def test_a_new_item_arrives_as_a_draft_with_its_materials(county):
    records = [
        *export(county),
        {
            "基本编码": "000103001000",
            "实施编码": "11411502MB0000000X4000103001000",
            "事项名称": "临时救助",
            "事项类型": "行政给付",
            "实施主体编码": "MZJ",
            "行使层级": "县级",
            "法定办结时限": 20,
            "承诺办结时限": 7,
            "申请材料": [
                {"材料编码": "M001", "材料名称": "居民身份证", "必要性": "必要", "材料形式": "原件"}
            ],
        },
    ]
    result = catalog_sync(records)
    assert result.created == ["11411502MB0000000X4000103001000"]
    item = ServiceItem.objects.get(code="11411502MB0000000X4000103001000")
    assert item.status == ItemStatus.DRAFT and item.version == 0
    assert list(item.materials.values_list("name", flat=True)) == ["居民身份证"]


def test_a_recoded_implementation_is_found_by_its_base_code(county):
    records = export(county)
    dibao = next(r for r in records if r["实施编码"] == "DB")
    base = ServiceItem.objects.get(code="DB").base_code
    dibao["实施编码"] = "DB-2027"
    result = catalog_sync(records)
    assert result.recoded == [("DB", "DB-2027")]
    assert ServiceItem.objects.get(base_code=base).code == "DB-2027"


def test_a_bad_record_is_skipped_with_its_reason_and_spoils_no_other(county):
    records = export(county)
    records[0]["实施主体编码"] = "NOPE"
    records[1]["承诺办结时限"] = 3
    result = catalog_sync(records)
    assert [code for code, _why in result.skipped] == [records[0]["实施编码"]]
    assert "实施主体编码" in result.skipped[0][1]
    assert result.versioned == [records[1]["实施编码"]]


def test_the_command_reports_and_a_dry_run_writes_nothing(county, tmp_path: Path, capsys):
    records = export(county)
    records[0]["承诺办结时限"] = 9
    file = tmp_path / "shixiangku.json"
    file.write_text(json.dumps({"items": records}, ensure_ascii=False), encoding="utf-8")
    call_command("sync_catalog", str(file), "--dry-run")
    out = capsys.readouterr().out
    assert "试运行" in out and "更新并生成新版本 1" in out
    assert ServiceItem.objects.get(code=records[0]["实施编码"]).promised_days != 9
    call_command("sync_catalog", str(file))
    assert ServiceItem.objects.get(code=records[0]["实施编码"]).promised_days == 9


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path):
    from django.core.management.base import CommandError

    file = tmp_path / "broken.json"
    file.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="无法读取导出文件"):
        call_command("sync_catalog", str(file))
