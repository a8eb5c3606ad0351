"""Staff define an item's application form (申请表) in the admin, without code; what a citizen or a
clerk fills in is checked against it field by field, with Chinese messages."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from yichuang.catalog.admin import FormFieldAdminForm
from yichuang.catalog.excel import FORM_FIELD_SHEET, export_catalog, import_catalog
from yichuang.catalog.forms import form_validate, mask_value
from yichuang.catalog.models import FormField, FormFieldKind, ServiceItem
from yichuang.catalog.selectors import form_fields_for
from yichuang.common.errors import Invalid
from yichuang.common.identity import resident_id_check_char

pytestmark = pytest.mark.django_db

ID_17 = "41150219500101123"
ID_NUMBER = ID_17 + resident_id_check_char(ID_17)
WRONG_CHECK = ID_17 + ("0" if ID_NUMBER[-1] != "0" else "1")


def elder_form(item: ServiceItem) -> list[FormField]:
    """高龄津贴: where the applicant lives, his bank, his account, and a few kinds more."""
    rows = [
        FormField(item=item, key="address", label="户籍地址", kind=FormFieldKind.ADDRESS, order=1),
        FormField(
            item=item,
            key="bank",
            label="开户银行",
            kind=FormFieldKind.CHOICE,
            choices=["中国农业银行", "河南农信社", "邮储银行"],
            order=2,
        ),
        FormField(
            item=item, key="account", label="银行账号", kind=FormFieldKind.TEXT, max_length=25, order=3
        ),
        FormField(
            item=item,
            key="age",
            label="年龄",
            kind=FormFieldKind.NUMBER,
            min=Decimal(80),
            max=Decimal(120),
            order=4,
        ),
        FormField(item=item, key="born", label="出生日期", kind=FormFieldKind.DATE, required=False, order=5),
        FormField(
            item=item,
            key="agent_id",
            label="代领人身份证号",
            kind=FormFieldKind.ID_NUMBER,
            required=False,
            order=6,
        ),
        FormField(
            item=item,
            key="agent_phone",
            label="代领人手机",
            kind=FormFieldKind.PHONE,
            required=False,
            order=7,
        ),
    ]
    for row in rows:
        row.full_clean()
        row.save()
    return rows


@pytest.fixture
def elder(county: Any) -> ServiceItem:
    item = ServiceItem.objects.get(code="GL")
    elder_form(item)
    return item


GOOD = {
    "address": " 甲镇甲村3组 ",
    "bank": "河南农信社",
    "account": "6228480000000000001",
    "age": "86",
}


def test_a_well_filled_form_comes_back_cleaned_in_the_forms_order(elder: ServiceItem) -> None:
    cleaned = form_validate(
        item=elder,
        data={
            **GOOD,
            "born": "1940-02-29",
            "agent_id": ID_NUMBER.lower(),
            "agent_phone": "+86 138-0000-1234",
        },
    )

    assert cleaned == {
        "address": "甲镇甲村3组",
        "bank": "河南农信社",
        "account": "6228480000000000001",
        "age": 86,
        "born": "1940-02-29",
        "agent_id": ID_NUMBER,
        "agent_phone": "13800001234",
    }
    assert list(cleaned) == ["address", "bank", "account", "age", "born", "agent_id", "agent_phone"]


def test_optional_fields_left_blank_are_left_out_and_unknown_keys_ignored(elder: ServiceItem) -> None:
    cleaned = form_validate(item=elder, data={**GOOD, "born": "  ", "agent_id": None, "removed_field": "x"})

    assert set(cleaned) == {"address", "bank", "account", "age"}


def test_every_field_at_fault_is_named_with_a_chinese_message(elder: ServiceItem) -> None:
    with pytest.raises(Invalid) as caught:
        form_validate(
            item=elder,
            data={
                "bank": "工商银行",
                "account": "1" * 26,
                "age": "79",
                "born": "1940-02-30",
                "agent_id": WRONG_CHECK,
                "agent_phone": "12345",
            },
        )

    fields = caught.value.fields
    assert caught.value.status_code == 422
    assert fields["form.address"] == ["请填写户籍地址。"]
    assert fields["form.bank"] == ["开户银行请从以下选项中选择：中国农业银行、河南农信社、邮储银行。"]
    assert fields["form.account"] == ["银行账号不能超过25个字（现为26个）。"]
    assert fields["form.age"] == ["年龄不能小于80。"]
    assert fields["form.born"] == ["出生日期应为日期，格式如 2024-01-31。"]
    assert fields["form.agent_id"] == ["代领人身份证号：公民身份号码的校验码不正确，请核对后重新输入。"]
    assert fields["form.agent_phone"] == ["代领人手机：请输入有效的11位手机号码。"]
    assert str(caught.value.detail) == "申请表填写有误，请按提示修改。"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(80, 80), ("120", 120), ("１００", 100), (99.5, "99.5"), ("88.50", "88.5")],
)
def test_a_number_within_its_range_is_kept_without_float_rounding(
    elder: ServiceItem, value: Any, expected: Any
) -> None:
    assert form_validate(item=elder, data={**GOOD, "age": value})["age"] == expected


@pytest.mark.parametrize("value", ["abc", True, "nan", "Infinity", [86], "121"])
def test_a_number_that_is_none_or_out_of_range_is_refused(elder: ServiceItem, value: Any) -> None:
    with pytest.raises(Invalid) as caught:
        form_validate(item=elder, data={**GOOD, "age": value})
    assert list(caught.value.fields) == ["form.age"]


@pytest.mark.parametrize("value", ["2024/01/31", "20240131", "2024-1-31", 20240131, {"y": 2024}])
def test_a_date_must_be_written_the_iso_way(elder: ServiceItem, value: Any) -> None:
    with pytest.raises(Invalid) as caught:
        form_validate(item=elder, data={**GOOD, "born": value})
    assert list(caught.value.fields) == ["form.born"]


def test_a_form_that_is_not_an_object_is_refused(elder: ServiceItem) -> None:
    with pytest.raises(Invalid) as caught:
        form_validate(item=elder, data=["户籍地址"])  # type: ignore[arg-type]
    assert list(caught.value.fields) == ["form"]


def test_an_item_without_a_form_takes_nothing_and_needs_nothing(county: Any) -> None:
    dibao = ServiceItem.objects.get(code="DB")

    assert form_validate(item=dibao, data=None) == {}
    assert form_validate(item=dibao, data={"anything": "x"}) == {}


def test_masks_hide_id_numbers_and_phones_only() -> None:
    assert mask_value("id_number", ID_NUMBER) == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert mask_value("phone", "13800001234") == "138****1234"
    assert mask_value("address", "甲镇甲村3组") == "甲镇甲村3组"


def test_the_fields_are_kept_in_memory_until_staff_change_them(
    elder: ServiceItem, django_assert_num_queries: Any
) -> None:
    first = form_fields_for(elder)
    with django_assert_num_queries(0):
        again = form_fields_for(elder)
    assert again is first
    assert [field.key for field in first][:2] == ["address", "bank"]

    FormField.objects.filter(item=elder, key="bank").get().delete()

    assert "bank" not in [field.key for field in form_fields_for(elder)]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": FormFieldKind.CHOICE, "choices": []}, "choices"),
        ({"kind": FormFieldKind.CHOICE, "choices": ["是", "是"]}, "choices"),
        ({"kind": FormFieldKind.CHOICE, "choices": ["是", ""]}, "choices"),
        ({"kind": FormFieldKind.TEXT, "choices": ["是"]}, "choices"),
        ({"kind": FormFieldKind.DATE, "max_length": 10}, "max_length"),
        ({"kind": FormFieldKind.TEXT, "min": Decimal(1)}, "min"),
        ({"kind": FormFieldKind.NUMBER, "min": Decimal(5), "max": Decimal(1)}, "max"),
        ({"key": "户籍地址"}, "key"),
    ],
)
def test_a_field_that_makes_no_sense_is_refused_where_staff_define_it(
    county: Any, values: dict[str, Any], field: str
) -> None:
    item = ServiceItem.objects.get(code="GL")
    row = FormField(item=item, **{"key": "k", "label": "字段", **values})

    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert field in caught.value.message_dict


def test_the_admin_defines_a_choice_field_one_option_a_line(county: Any) -> None:
    admin = county.staff["admin"]
    item = ServiceItem.objects.get(code="GL")
    browser = Client()
    browser.force_login(admin)
    url = f"/admin/catalog/serviceitem/{item.pk}/change/"
    page = browser.get(url)
    assert page.status_code == 200
    assert "申请表字段" in page.content.decode()

    assert "form_fields-TOTAL_FORMS" in page.content.decode()

    form = FormFieldAdminForm(
        data={
            "key": "bank",
            "label": "开户银行",
            "kind": "choice",
            "required": "on",
            "choices": "中国农业银行\r\n\r\n 河南农信社 \r\n",
            "order": "1",
        },
        instance=FormField(item=item),
    )
    assert form.is_valid(), form.errors
    form.save()

    saved = FormField.objects.get(item=item)
    assert saved.choices == ["中国农业银行", "河南农信社"]
    assert "中国农业银行\n河南农信社" in str(FormFieldAdminForm(instance=saved)["choices"])


# —— the catalog workbook carries the forms (sheet 表单字段, optional like 认领事项) ——


def _workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(sheet: Any) -> list[dict[str, Any]]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_the_workbook_carries_each_items_form_and_reads_it_back(elder: ServiceItem) -> None:
    data = export_catalog()
    rows = _rows(_workbook(data)[FORM_FIELD_SHEET])
    bank = next(row for row in rows if row["字段标识"] == "bank")
    age = next(row for row in rows if row["字段标识"] == "age")
    assert bank["实施编码"] == "GL"
    assert bank["字段类型"] == "选项"
    assert bank["可选项"] == "中国农业银行、河南农信社、邮储银行"
    assert (age["最小值"], age["最大值"]) == ("80", "120")
    before = [(f.key, f.label, f.kind, f.choices, f.min, f.max) for f in form_fields_for(elder)]

    FormField.objects.filter(item=elder).delete()
    result = import_catalog(data)

    assert result.ok, result.errors
    assert result.form_fields == 7
    assert "表单字段 7 个" in result.summary()
    assert [(f.key, f.label, f.kind, f.choices, f.min, f.max) for f in form_fields_for(elder)] == before


def test_the_sheet_sets_exactly_the_items_fields_and_an_older_workbook_keeps_them(
    elder: ServiceItem,
) -> None:
    book = _workbook(export_catalog())
    sheet = book[FORM_FIELD_SHEET]
    keep = [row for row in sheet.iter_rows(min_row=2) if row[1].value in ("address", "bank")]
    sheet.delete_rows(2, sheet.max_row)
    for row in keep:
        sheet.append([cell.value for cell in row])
    sheet.cell(row=2, column=3, value="现住地址")
    buffer = io.BytesIO()
    book.save(buffer)

    assert import_catalog(buffer.getvalue()).ok

    assert [(f.key, f.label) for f in form_fields_for(elder)] == [
        ("address", "现住地址"),
        ("bank", "开户银行"),
    ]

    del book[FORM_FIELD_SHEET]
    buffer = io.BytesIO()
    book.save(buffer)
    assert import_catalog(buffer.getvalue()).ok
    assert len(form_fields_for(elder)) == 2


def test_a_bad_form_row_is_named_by_its_sheet_and_row_and_nothing_is_stored(elder: ServiceItem) -> None:
    book = _workbook(export_catalog())
    sheet = book[FORM_FIELD_SHEET]
    sheet.append(["GL", "bank", "重复的银行", None, "选项", "是", "甲、乙"])
    sheet.append(["GL", "colour", "颜色", None, "颜色", "是"])
    sheet.append(["GL", "kids", "子女数", None, "数字", "是", None, None, None, "五"])
    sheet.append(["NOPE", "x", "某项", None, "文本", "是"])
    buffer = io.BytesIO()
    book.save(buffer)
    before = FormField.objects.count()

    result = import_catalog(buffer.getvalue())

    reasons = {(error.sheet, error.row): error.reason for error in result.errors}
    last = sheet.max_row
    assert reasons[(FORM_FIELD_SHEET, last - 3)] == "事项“GL”的字段标识“bank”与第3行重复"
    assert "字段类型" in reasons[(FORM_FIELD_SHEET, last - 2)]
    assert "最小值" in reasons[(FORM_FIELD_SHEET, last - 1)]
    assert "NOPE" in reasons[(FORM_FIELD_SHEET, last)]
    assert FormField.objects.count() == before
