"""The workbook's layout: its sheets and their columns, the same on the way out and on the way in."""

from __future__ import annotations

from yichuang.catalog.models import (
    Audience,
    DelegationMode,
    ExerciseLevel,
    FormFieldKind,
    ItemStatus,
    ItemType,
    MaterialForm,
    MaterialSource,
    ResultType,
)
from yichuang.common.excel import BOOL, CODE, DATE, ENUM, INT, REF, TEXT, Column

ITEM_SHEET = "事项"
MATERIAL_SHEET = "材料"
DELEGATION_SHEET = "下放"
OFFER_SHEET = "认领事项"
FORM_FIELD_SHEET = "表单字段"
GUIDE_SHEET = "填写说明"

ITEM_COLUMNS: tuple[Column, ...] = (
    Column("实施编码", "code", CODE, required=True, width=28),
    Column("基本编码", "base_code", CODE, required=True, width=24),
    Column("事项名称", "name", TEXT, required=True, width=32),
    Column("别名", "aliases", TEXT, width=20),
    Column("关键词", "keywords", TEXT, width=20),
    Column("事项类型", "type", ENUM, required=True, choices=ItemType, width=14),
    Column("设定依据", "legal_basis", TEXT, width=40),
    Column("行使层级", "exercise_level", ENUM, required=True, choices=ExerciseLevel, width=10),
    Column("实施主体编码", "department", REF, required=True, width=18),
    Column("服务对象", "audience", ENUM, choices=Audience, default=Audience.PERSON, width=14),
    Column("受理条件", "conditions", TEXT, width=40),
    Column("法定时限", "statutory_days", INT, required=True, width=10),
    Column("承诺时限", "promised_days", INT, required=True, width=10),
    Column("容缺补正期限", "supplement_days", INT, default=5, width=12),
    Column("到现场次数", "visits_required", INT, default=1, width=11),
    Column("网办深度", "online_depth", INT, default=3, width=10),
    Column("是否收费", "fee_charged", BOOL, default=False, width=10),
    Column("收费标准", "fee_standard", TEXT, width=20),
    Column("收费依据", "fee_basis", TEXT, width=24),
    Column("结果类型", "result_type", ENUM, choices=ResultType, default=ResultType.OTHER, width=12),
    Column("结果名称", "result_name", TEXT, width=20),
    Column("结果证照类型编码", "result_license_type", REF, width=18),
    Column("咨询电话", "consult_phone", CODE, width=16),
    Column("投诉电话", "complaint_phone", CODE, width=12),
    Column("状态", "status", ENUM, choices=ItemStatus, width=10),
    Column("父事项编码", "parent", REF, width=28),
    Column("办理流程", "process", TEXT, width=40),
)

MATERIAL_COLUMNS: tuple[Column, ...] = (
    Column("实施编码", "item", REF, required=True, width=28),
    Column("材料编码", "code", CODE, required=True, width=16),
    Column("材料名称", "name", TEXT, required=True, width=36),
    Column("材料形式", "form", ENUM, choices=MaterialForm, default=MaterialForm.ORIGINAL, width=14),
    Column("份数", "copies", INT, default=1, width=8),
    Column("必要", "required", BOOL, default=True, width=8),
    Column("可容缺", "tolerable", BOOL, default=False, width=8),
    Column("可告知承诺", "commitment_allowed", BOOL, default=False, width=11),
    Column("来源渠道", "source", ENUM, choices=MaterialSource, default=MaterialSource.APPLICANT, width=14),
    Column("来源说明", "source_note", TEXT, width=24),
    Column("证照类型编码", "license_type", REF, width=16),
    Column("填报须知", "notes", TEXT, width=30),
    Column("排序", "order", INT, width=8),
)

DELEGATION_COLUMNS: tuple[Column, ...] = (
    Column("事项实施编码", "item", REF, required=True, width=28),
    Column("下放部门编码", "from_department", REF, required=True, width=18),
    Column("承接服务点编码", "to_point", REF, width=18),
    Column("承接区划代码", "to_region", REF, width=16),
    Column("下放方式", "mode", ENUM, required=True, choices=DelegationMode, width=12),
    Column("授权书编号", "instrument", TEXT, required=True, width=24),
    Column("签订日期", "instrument_date", DATE, required=True, width=12),
    Column("生效日期", "valid_from", DATE, required=True, width=12),
    Column("失效日期", "valid_to", DATE, width=12),
)

#: Which items a point offers (认领事项): without a row here no point can accept the item.
OFFER_COLUMNS: tuple[Column, ...] = (
    Column("服务点编码", "point", REF, required=True, width=20),
    Column("实施编码", "item", REF, required=True, width=28),
    Column("启用", "active", BOOL, default=True, width=8),
    Column("起始日期", "since", DATE, width=12),
)

#: An item's application-form fields (申请表字段), keyed by 实施编码 + 字段标识. 可选项 are written
#: separated by "、" (or one a line); 最小值/最大值 are numbers, kept as text so 0 and 0.5 survive.
FORM_FIELD_COLUMNS: tuple[Column, ...] = (
    Column("实施编码", "item", REF, required=True, width=28),
    Column("字段标识", "key", CODE, required=True, width=18),
    Column("字段名称", "label", TEXT, required=True, width=20),
    Column("英文名称", "label_en", TEXT, width=20),
    Column("字段类型", "kind", ENUM, choices=FormFieldKind, default=FormFieldKind.TEXT, width=12),
    Column("必填", "required", BOOL, default=True, width=8),
    Column("可选项", "choices", TEXT, width=30, help="选项类字段的可选值，用顿号“、”分隔"),
    Column("填写提示", "help_text", TEXT, width=30),
    Column("最多字数", "max_length", INT, width=10),
    Column("最小值", "min", CODE, width=10, help="数字类字段的最小值"),
    Column("最大值", "max", CODE, width=10, help="数字类字段的最大值"),
    Column("排序", "order", INT, width=8),
)
