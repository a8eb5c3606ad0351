"""The application forms (申请表) of a few demo items: what the citizen fills in the 信息 step online
and what prints into the item's 申请表. Staff define these in the admin (事项 → 申请表字段) or in the
catalog workbook (sheet 表单字段); the demo ships a few realistic ones so they can be seen."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: str = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    help_text: str = ""
    max_length: int | None = None
    min: int | None = None
    max: int | None = None
    label_en: str = ""


BANKS = ("中国农业银行", "中国邮政储蓄银行", "河南省农村信用社", "中国建设银行", "中国工商银行")

#: Item name → its form, in order.
FORMS: dict[str, tuple[FieldSpec, ...]] = {
    "个体工商户登记": (
        FieldSpec("operator_name", "经营者姓名", label_en="Operator's name", max_length=30),
        FieldSpec(
            "trade_name",
            "个体工商户名称",
            required=False,
            max_length=50,
            help_text="可以不起字号；起字号的，按“行政区划+字号+行业+组织形式”填写",
            label_en="Trade name",
        ),
        FieldSpec(
            "organisation",
            "组成形式",
            kind="choice",
            choices=("个人经营", "家庭经营"),
            label_en="Form of organisation",
        ),
        FieldSpec(
            "premises",
            "经营场所地址",
            kind="address",
            max_length=100,
            help_text="实行住所（经营场所）申报承诺制，填写实际经营的详细地址",
            label_en="Business premises",
        ),
        FieldSpec(
            "scope",
            "经营范围",
            max_length=200,
            help_text="如：日用百货零售；餐饮服务（仅限小餐饮）",
            label_en="Business scope",
        ),
        FieldSpec(
            "capital", "资金数额（万元）", kind="number", min=0, max=100000, label_en="Capital (10,000 yuan)"
        ),
        FieldSpec("staff_count", "从业人数", kind="number", min=1, max=500, label_en="Number of workers"),
        FieldSpec("contact_phone", "经营者联系电话", kind="phone", label_en="Operator's mobile"),
    ),
    "高龄津贴申领": (
        FieldSpec(
            "household_address", "户籍地址", kind="address", max_length=100, label_en="Registered residence"
        ),
        FieldSpec("bank", "开户银行", kind="choice", choices=BANKS, label_en="Bank"),
        FieldSpec(
            "account",
            "银行账号",
            max_length=25,
            help_text="本人名下的社保卡或银行卡账号",
            label_en="Account number",
        ),
        FieldSpec("proxy_name", "代领人姓名", required=False, max_length=30, label_en="Proxy's name"),
        FieldSpec(
            "proxy_id", "代领人身份证号", kind="id_number", required=False, label_en="Proxy's ID number"
        ),
        FieldSpec("proxy_phone", "代领人手机号码", kind="phone", required=False, label_en="Proxy's mobile"),
    ),
    "农村最低生活保障审批": (
        FieldSpec(
            "household_address", "户籍地址", kind="address", max_length=100, label_en="Registered residence"
        ),
        FieldSpec(
            "household_size", "共同生活家庭成员人数", kind="number", min=1, max=30, label_en="Household size"
        ),
        FieldSpec(
            "yearly_income",
            "家庭上年度总收入（元）",
            kind="number",
            min=0,
            max=10000000,
            label_en="Household income last year (yuan)",
        ),
        FieldSpec(
            "reason",
            "申请理由",
            max_length=300,
            help_text="简述家庭困难情况，如患病、残疾、缺乏劳动能力等",
            label_en="Reason",
        ),
        FieldSpec("bank", "开户银行", kind="choice", choices=BANKS, label_en="Bank"),
        FieldSpec("account", "银行账号", max_length=25, label_en="Account number"),
    ),
}
