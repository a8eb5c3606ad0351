"""The county's catalog kept in step with the province's 事项库 (政务服务事项管理系统) export.

The export is JSON: ``{"items": [record, …]}`` (or a bare list), one record per item the county
implements, with the element names of the national catalog standard (GB/T 42263 and the 事项要素 of
the province's system):

    {"基本编码": "…", "实施编码": "…", "事项名称": "…", "事项类型": "行政许可",
     "实施主体编码": "<department code>", "行使层级": "县级", "服务对象": "自然人",
     "法定办结时限": 20, "承诺办结时限": 10, "到办事现场次数": 1, "设定依据": "…",
     "受理条件": "…", "是否收费": false, "收费标准": "", "办理结果类型": "证照",
     "办理结果名称": "…", "办理流程": "…", "咨询电话": "…", "监督投诉电话": "12345",
     "申请材料": [{"材料编码": "…", "材料名称": "…", "必要性": "必要"|"非必要",
                   "材料形式": "原件"|"复印件"|"原件和复印件"|"电子件", "份数": 1}]}

Items are matched by 实施编码; one not found under it but found by 基本编码 at the same department
(the province re-coded its implementation) takes the new 实施编码. Changed fields and materials are
written and the item is versioned only when its content changed (``item_snapshot`` compares the
snapshot), so a sync of an unchanged export writes nothing. Items new to the county arrive as drafts:
staff decide which points offer them and who handles them before they are published. What the
county keeps of its own (aliases, keywords, tolerance and commitment of materials, form fields,
eligibility rules) is not in the export and is left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from yichuang.catalog.models import (
    Audience,
    ExerciseLevel,
    ItemStatus,
    ItemType,
    MaterialForm,
    MaterialRequirement,
    ResultType,
    ServiceItem,
)
from yichuang.catalog.services import item_snapshot
from yichuang.org.models import Department

_TYPES = {str(label): value for value, label in ItemType.choices}
_LEVELS = {str(label): value for value, label in ExerciseLevel.choices}
_AUDIENCES = {str(label): value for value, label in Audience.choices}
_RESULTS = {str(label): value for value, label in ResultType.choices}
#: Scalar elements: (export name, model field, converter).
_FIELDS: list[tuple[str, str, Callable[[Any], Any]]] = [
    ("事项名称", "name", str),
    ("事项类型", "type", lambda v: _TYPES[str(v)]),
    ("行使层级", "exercise_level", lambda v: _LEVELS[str(v)]),
    ("服务对象", "audience", lambda v: _AUDIENCES[str(v)]),
    ("法定办结时限", "statutory_days", int),
    ("承诺办结时限", "promised_days", int),
    ("到办事现场次数", "visits_required", int),
    ("设定依据", "legal_basis", str),
    ("受理条件", "conditions", str),
    ("是否收费", "fee_charged", bool),
    ("收费标准", "fee_standard", str),
    ("办理结果类型", "result_type", lambda v: _RESULTS[str(v)]),
    ("办理结果名称", "result_name", str),
    ("办理流程", "process", str),
    ("咨询电话", "consult_phone", str),
    ("监督投诉电话", "complaint_phone", str),
]
_FORMS = {
    "原件": MaterialForm.ORIGINAL,
    "复印件": MaterialForm.COPY,
    "原件和复印件": MaterialForm.ORIGINAL_AND_COPY,
    "原件及复印件": MaterialForm.ORIGINAL_AND_COPY,
    "电子材料": MaterialForm.ELECTRONIC,
    "电子件": MaterialForm.ELECTRONIC,
}


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    recoded: list[tuple[str, str]] = field(default_factory=list)
    versioned: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"新增 {len(self.created)}（草稿） · 更新并生成新版本 {len(self.versioned)} · "
            f"实施编码变更 {len(self.recoded)} · 无变化 {len(self.unchanged)} · 跳过 {len(self.skipped)}"
        )


def read_export(raw: bytes) -> list[dict[str, Any]]:
    data = json.loads(raw.decode("utf-8-sig"))
    records = data.get("items") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise ValueError('导出文件应为 {"items": [...]} 或事项列表。')
    return [r for r in records if isinstance(r, dict)]


def catalog_sync(
    records: Iterable[dict[str, Any]], *, actor: Any = None, progress: Callable[[int], None] | None = None
) -> SyncResult:
    """Apply the export; each item in a transaction of its own (one bad record spoils no other)."""
    result = SyncResult()
    departments = {d.code: d for d in Department.objects.all()}
    for n, record in enumerate(records, 1):
        code = str(record.get("实施编码") or "").strip()
        try:
            _sync_one(record, code, departments, actor, result)
        except (KeyError, ValueError, TypeError) as exc:
            result.skipped.append((code or f"第{n}条", f"{type(exc).__name__}: {exc}"))
        if progress is not None:
            progress(n)
    return result


@transaction.atomic
def _sync_one(
    record: dict[str, Any], code: str, departments: dict[str, Department], actor: Any, result: SyncResult
) -> None:
    base = str(record.get("基本编码") or "").strip()
    if not code or not base:
        raise ValueError("缺少实施编码或基本编码")
    department = departments.get(str(record.get("实施主体编码") or ""))
    if department is None:
        raise ValueError(f"实施主体编码 {record.get('实施主体编码')!r} 不在本县部门中")
    values = {name: convert(record[key]) for key, name, convert in _FIELDS if key in record}
    item = ServiceItem.objects.select_for_update().filter(code=code).first()
    if item is None:
        item = (
            ServiceItem.objects.select_for_update()
            .filter(base_code=base, department=department)
            .exclude(code=code)
            .first()
        )
        if item is not None:
            result.recoded.append((item.code, code))
            item.code = code
    if item is None:
        item = ServiceItem(
            code=code, base_code=base, department=department, status=ItemStatus.DRAFT, **values
        )
        item.full_clean()
        item.save()
        _sync_materials(item, record.get("申请材料") or [])
        result.created.append(code)
        return
    item.base_code, item.department = base, department
    for name, value in values.items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    _sync_materials(item, record.get("申请材料") or [])
    # A draft is versioned when staff publish it; a published item only when its content changed.
    if item.status == ItemStatus.PUBLISHED and item_snapshot(item=item, actor=actor) is not None:
        result.versioned.append(code)
    else:
        result.unchanged.append(code)


def _sync_materials(item: ServiceItem, rows: list[dict[str, Any]]) -> None:
    """The export's materials by 材料编码: names, necessity, form and copies follow the province;
    tolerance, commitment and licence types stay the county's; a material gone from the export goes."""
    kept = {m.code: m for m in MaterialRequirement.objects.filter(item=item)}
    seen: set[str] = set()
    for order, row in enumerate(rows, 1):
        code = str(row["材料编码"]).strip()
        seen.add(code)
        material = kept.get(code) or MaterialRequirement(item=item, code=code)
        material.name = str(row["材料名称"])
        material.required = str(row.get("必要性", "必要")) == "必要"
        if row.get("材料形式") in _FORMS:
            material.form = _FORMS[str(row["材料形式"])]
        material.copies = int(row.get("份数") or 1)
        material.order = order
        material.full_clean(exclude=["item"])
        material.save()
    MaterialRequirement.objects.filter(item=item).exclude(code__in=seen).delete()
