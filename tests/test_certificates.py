"""证照套打 (issue 16, item 8): each kind of certificate prints its own fields, from the layout staff
define (证照模板), and the electronic licence carries the same fields.

Every one of the demo county's 42 printable result types is approved once, through the API, with the
application form its demo item asks for filled in; pdftotext of the certificate must show the layout's
title and every field's label with the value the applicant gave or the licence was issued with.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from tests import factories as f
from tests import test_documents as base
from tests.test_documents import ID_NUMBER, act, apply, client_for, documents, needs_poppler, upload
from yichuang.catalog.models import ExerciseLevel, FormField, LicenseType, ServiceItem
from yichuang.catalog.services import item_publish
from yichuang.common.identity import mask_resident_id, resident_id_check_char, uscc_issue, uscc_valid
from yichuang.demo.data import items_county, items_delegated, items_town
from yichuang.demo.data import materials as demo_materials
from yichuang.demo.data.certificates import CERTIFICATE_FORMS, LAYOUTS
from yichuang.demo.data.forms import FORMS
from yichuang.demo.data.forms import FieldSpec as Input
from yichuang.demo.data.spec import ItemSpec
from yichuang.documents.models import Document, DocumentKind, DocumentStatus
from yichuang.documents.services import document_content, document_sign, new_verify_code
from yichuang.licenses.layouts import EMPTY
from yichuang.licenses.models import CertificateField, License
from yichuang.licenses.services import layout_store

pytestmark = [pytest.mark.django_db, needs_poppler]

office = base.office
clerk = base.clerk
reviewer = base.reviewer

DEMO_ITEMS: tuple[ItemSpec, ...] = (
    items_county.COUNTY_ITEMS + items_delegated.DELEGATED_ITEMS + items_town.TOWN_ITEMS
)
DEMO_FORMS = {**FORMS, **CERTIFICATE_FORMS}
TYPES = {lic.code: lic for lic in demo_materials.LICENSES}
#: The first demo item issuing each printable type: the one each type is approved through.
ISSUING = {code: next(spec for spec in DEMO_ITEMS if spec.license == code) for code in LAYOUTS}
ORGANISATION_USCC = uscc_issue(authority="9", category="1", region_code="411502", serial=8_765_432)
TODAY = dt.date(2026, 12, 8)


def raw_text(content: bytes, tmp_path: Path) -> str:
    """pdftotext in the order the page was drawn (a two-column grid's cells stay whole), without the
    layout's spaces and line breaks."""
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, timeout=60)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def sample(spec: Input, n: int) -> Any:
    """A value the applicant could type for ``spec``, distinct from every other field's."""
    if spec.choices:
        return spec.choices[-1]
    if spec.kind == "number":
        low = int(spec.min or 0)
        return min(low + 3 + n, int(spec.max if spec.max is not None else 10**6))
    if spec.kind == "date":
        return "2019-05-20"
    if spec.kind == "id_number":
        first17 = f"41150219880301{n % 10}12"
        return first17 + resident_id_check_char(first17)
    if spec.kind == "phone":
        return "13912345678"
    words = f"{spec.label}样例{n}"
    return words[: spec.max_length] if spec.max_length else words


def shown(spec: Input, value: Any) -> str:
    """How the certificate prints what was typed: ID numbers masked, dates in Chinese."""
    if spec.kind == "id_number":
        return mask_resident_id(value)
    if spec.kind == "date":
        day = dt.date.fromisoformat(value)
        return f"{day.year}年{day.month}月{day.day}日"
    return str(value)


def demo_type_and_item(office: Any, code: str) -> tuple[LicenseType, ServiceItem, dict[str, Input]]:
    """The demo's licence type ``code`` with its layout, and its first issuing item as a town item of
    the documents' cast (decided by the town's reviewer) with the item's demo application form."""
    demo = TYPES[code]
    spec = ISSUING[code]
    license_type = f.LicenseTypeFactory(
        code=code, name=demo.name, issuer=demo.issuer, validity_years=demo.validity_years, printable=True
    )
    layout_store(license_type=license_type, spec=LAYOUTS[code])
    item = f.ItemFactory(
        code=f"C{code}",
        name=spec.name,
        type=spec.type,
        audience=spec.audience,
        department=office.departments["civil"],
        exercise_level=ExerciseLevel.TOWN,
        result_type="certificate",
        result_name=spec.result_name,
        result_license_type=license_type,
    )
    f.MaterialFactory(item=item, code="M001", name="申请人身份证明", order=1)
    inputs = {s.key: s for s in DEMO_FORMS.get(spec.name, ())}
    for order, field in enumerate(inputs.values(), start=1):
        FormField.objects.create(
            item=item,
            key=field.key,
            label=field.label,
            kind=field.kind,
            required=field.required,
            choices=list(field.choices),
            max_length=field.max_length,
            min=field.min,
            max=field.max,
            order=order,
        )
    item_publish(item=item)
    f.OfferFactory(point=office.points["center_a"], item=item)
    return license_type, item, inputs


def apply_for(clerk: Any, item: ServiceItem, form: dict[str, Any] | None, *, organisation: bool) -> str:
    applicant = (
        {"kind": "organization", "name": "信阳市浉河区茶韵商贸有限公司", "id_number": ORGANISATION_USCC}
        if organisation
        else {"kind": "person", "name": "李金文", "id_number": ID_NUMBER}
    )
    body: dict[str, Any] = {
        "item": item.code,
        "point": "CA",
        "channel": "window",
        "applicant": {**applicant, "phone": "13812345678"},
        "materials": [{"requirement": "M001", "files": [upload(clerk)]}],
    }
    if form is not None:
        body["form"] = form
    answer = clerk.post("/api/v1/cases/", body, format="json")
    assert answer.status_code == 201, answer.content
    return str(answer.json()["number"])


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 12, 8, 9, 30, tzinfo=dt.UTC), tick=True):
        yield


@pytest.mark.parametrize("code", sorted(LAYOUTS), ids=lambda code: f"{code}-{TYPES[code].name}")
def test_every_demo_result_type_prints_its_title_and_each_field_with_its_value(
    code, office, clerk, reviewer, frozen, tmp_path
):
    _license_type, item, inputs = demo_type_and_item(office, code)
    form = {key: sample(spec, n) for n, (key, spec) in enumerate(inputs.items())}
    organisation = ISSUING[code].audience == "organization"
    number = apply_for(clerk, item, form or None, organisation=organisation)
    act(reviewer, number, "approve")

    licence = License.objects.get(source_case__number=number)
    layout = LAYOUTS[code]
    holder = "organization" if organisation else "person"
    printed = [spec for spec in layout.fields if spec.holder in ("", holder)]
    assert [row["label"] for row in licence.fields] == [spec.label for spec in printed]
    for spec, row in zip(printed, licence.fields, strict=True):
        assert row["value"] and row["value"] != EMPTY, f"{spec.label} printed no value"
        if spec.source == "form":
            assert row["value"] == shown(inputs[spec.key], form[spec.key]), spec.label
        elif spec.source == "constant":
            assert row["value"] == spec.text
        elif spec.source == "applicant.name":
            assert row["value"] == ("信阳市浉河区茶韵商贸有限公司" if organisation else "李金文")
        elif spec.source == "licence.number":
            assert row["value"] == f"{code}-{number}"

    certificate = documents(number)[DocumentKind.CERTIFICATE]
    assert certificate.title == (layout.title or TYPES[code].name)
    assert certificate.data["certificate"]["rows"] == licence.fields  # the paper says what the licence holds
    text = raw_text(document_content(document=certificate), tmp_path)
    assert (layout.title or TYPES[code].name) in text
    for row in licence.fields:
        assert re.sub(r"\s+", "", row["label"]) in text, row["label"]
        assert re.sub(r"\s+", "", row["value"]) in text, (row["label"], row["value"])
    assert Document.objects.get(pk=certificate.pk).status == DocumentStatus.SIGNED


def business_licence(office: Any, clerk: Any, reviewer: Any, form: dict[str, Any] | None, **kw: Any):
    _type, item, _inputs = demo_type_and_item(office, "L005")
    number = apply_for(clerk, item, form, **kw)
    act(reviewer, number, "approve")
    licence = License.objects.get(source_case__number=number)
    return number, {row["label"]: row["value"] for row in licence.fields}


SHOP = {
    "operator_name": "李金文",
    "trade_name": "浉河区金文茶叶店",
    "organisation": "家庭经营",
    "premises": "信阳市浉河区甲镇茶园路18号",
    "scope": "预包装食品销售；茶叶零售",
    "capital": 5,
    "staff_count": 3,
    "contact_phone": "13812345678",
}


def test_a_shops_business_licence_prints_a_new_valid_credit_code_operator_premises_scope_and_form(
    office, clerk, reviewer, frozen
):
    # 个体工商户登记 is the demo's item with the shop's form (forms.FORMS); its first issuer is 企业设立登记.
    ISSUING_SHOP = next(spec for spec in DEMO_ITEMS if spec.name == "个体工商户登记")
    _type, item, _inputs = demo_type_and_item(office, "L005")
    item.name = ISSUING_SHOP.name
    item.audience = "person"
    item.save()
    FormField.objects.filter(item=item).delete()
    for order, spec in enumerate(FORMS["个体工商户登记"], start=1):
        FormField.objects.create(
            item=item, key=spec.key, label=spec.label, kind=spec.kind, required=spec.required,
            choices=list(spec.choices), max_length=spec.max_length, min=spec.min, max=spec.max, order=order,
        )  # fmt: skip
    item_publish(item=item)
    number = apply_for(clerk, item, SHOP, organisation=False)
    act(reviewer, number, "approve")
    fields = {row["label"]: row["value"] for row in License.objects.get(source_case__number=number).fields}
    code = fields["统一社会信用代码"]
    assert uscc_valid(code) and code.startswith("92411502"), code  # 市场监管 · 个体工商户 · 浉河区
    assert fields["名称"] == "浉河区金文茶叶店"
    assert fields["经营者"] == "李金文"
    assert fields["组成形式"] == "家庭经营"
    assert fields["经营场所"] == "信阳市浉河区甲镇茶园路18号"
    assert fields["经营范围"] == "预包装食品销售；茶叶零售"
    assert fields["注册日期"] == "2026年12月8日"
    assert "法定代表人" not in fields and "注册资本（万元）" not in fields  # an enterprise's lines only

    again = apply_for(clerk, item, {**SHOP, "trade_name": ""}, organisation=False)
    act(reviewer, again, "approve")
    other = {row["label"]: row["value"] for row in License.objects.get(source_case__number=again).fields}
    assert other["统一社会信用代码"] != code and uscc_valid(other["统一社会信用代码"])
    assert other["名称"] == "（未起字号）"  # no 字号: the layout's own words, not a blank


def test_an_enterprises_business_licence_prints_its_own_credit_code_and_legal_representative(
    office, clerk, reviewer, frozen
):
    form = {
        "legal_representative": "王建国",
        "company_type": "有限责任公司（自然人投资或控股）",
        "premises": "信阳市浉河区甲镇工业路1号",
        "capital": 100,
        "scope": "茶叶加工、销售",
    }
    _number, fields = business_licence(office, clerk, reviewer, form, organisation=True)
    assert fields["统一社会信用代码"] == ORGANISATION_USCC
    assert fields["名称"] == "信阳市浉河区茶韵商贸有限公司"
    assert fields["法定代表人"] == "王建国" and fields["住所"] == "信阳市浉河区甲镇工业路1号"
    assert fields["注册资本（万元）"] == "100" and fields["成立日期"] == "2026年12月8日"
    assert "经营者" not in fields and "组成形式" not in fields


def test_a_paper_form_prints_the_layouts_fallback_and_the_logging_permit_its_period(
    office, clerk, reviewer, frozen, tmp_path
):
    _type, item, _inputs = demo_type_and_item(office, "L008")
    number = apply_for(clerk, item, None, organisation=False)  # the form was handed in on paper
    act(reviewer, number, "approve")
    fields = {row["label"]: row["value"] for row in License.objects.get(source_case__number=number).fields}
    assert fields["采伐地点"] == EMPTY and fields["树种"] == EMPTY
    assert fields["采伐期限"] == "2026年12月8日至2027年12月7日"  # 林木采伐许可证: one year
    assert fields["更新期限"] == "采伐后的当年或者次年内完成更新造林"


def test_a_layout_edited_in_the_admin_prints_on_the_next_certificate_and_leaves_issued_ones_alone(
    office, clerk, reviewer, frozen, tmp_path
):
    license_type, item, _inputs = demo_type_and_item(office, "L007")
    first = apply_for(clerk, item, None, organisation=False)
    act(reviewer, first, "approve")
    admin = get_user_model().objects.create_superuser("certadmin", "a@example.com", "pw-cert-admin-1")
    browser = Client()
    browser.force_login(admin)
    layout = license_type.certificate_layout
    assert browser.get(f"/admin/licenses/certificatelayout/{layout.pk}/change/").status_code == 200
    preview = browser.get(f"/admin/licenses/certificatelayout/{layout.pk}/preview/")
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    sample = raw_text(preview.content, tmp_path)
    assert "老年人优待证" in sample and "样张" in sample and "优待内容" in sample
    assert Client().get(f"/admin/licenses/certificatelayout/{layout.pk}/preview/").status_code == 302
    CertificateField.objects.create(
        layout=layout, order=99, label="监制单位", source="constant", text="浉河区老龄工作委员会办公室"
    )
    second = apply_for(clerk, item, None, organisation=False)
    act(reviewer, second, "approve")
    assert "监制单位" not in [row["label"] for row in License.objects.get(source_case__number=first).fields]
    assert License.objects.get(source_case__number=second).fields[-1] == {
        "label": "监制单位",
        "value": "浉河区老龄工作委员会办公室",
    }
    text = raw_text(document_content(document=documents(second)[DocumentKind.CERTIFICATE]), tmp_path)
    assert "监制单位浉河区老龄工作委员会办公室" in text


def test_the_electronic_licence_carries_the_certificates_fields(office, clerk, reviewer, frozen):
    from tests.test_citizen_pages import bound
    from tests.test_citizens import verified

    _type, item, _inputs = demo_type_and_item(office, "L007")
    number = apply_for(clerk, item, None, organisation=False)
    act(reviewer, number, "approve")
    rows = License.objects.get(source_case__number=number).fields
    labels = {row["label"]: row["value"] for row in rows}
    assert labels["性别"] == "男" and labels["出生日期"] == "1950年1月1日"

    page = bound(id_number=ID_NUMBER).get("/me/licences/").content.decode()
    assert "证照内容" in page
    for row in rows:
        assert f"<dt>{row['label']}</dt><dd>{row['value']}</dd>" in page
    assert ID_NUMBER not in page

    listed = verified(phone="13700001234", id_number=ID_NUMBER).get("/api/v1/citizen/licenses/").json()
    found = next(entry for entry in (listed.get("results", listed) if isinstance(listed, dict) else listed))
    plain = [{"label": row["label"], "value": row["value"]} for row in rows]
    assert found["fields"] == plain
    staff = client_for(office.staff["town_clerk"])
    looked_up = staff.post("/api/v1/licenses/lookup/", {"id_number": ID_NUMBER}, format="json").json()
    assert looked_up[0]["fields"] == plain


def test_a_certificate_issued_before_layouts_still_prints_and_verifies_at_verify(
    office, clerk, reviewer, tmp_path
):
    """A certificate whose snapshot predates layouts (no rows): signed late, it prints from the old
    templates, and /verify/ vouches for it; so does one signed before the change."""
    case = apply(clerk, "LOG")
    act(reviewer, case["number"], "approve")
    issued = documents(case["number"])[DocumentKind.CERTIFICATE]
    legacy = dict(issued.data)
    legacy["certificate"] = {
        key: value for key, value in legacy["certificate"].items() if key not in ("rows", "layout", "title")
    }
    old = Document.objects.create(
        case=issued.case,
        kind=DocumentKind.CERTIFICATE,
        title="林木采伐许可证",
        seal=issued.seal,
        verify_code=new_verify_code(),
        data=legacy,
        issued_at=issued.issued_at,
    )
    signed = document_sign(document=old)
    assert signed.status == DocumentStatus.SIGNED
    assert "见经批准的申请书" in raw_text(document_content(document=signed), tmp_path)  # the old template
    html = Client().get(f"/verify/{signed.verify_code}").content.decode()
    assert 'data-genuine="true"' in html and case["number"] in html
    # And one signed under the layout, after its layout changed: the stored bytes are what is checked.
    document_content(document=issued)
    CertificateField.objects.filter(layout__license_type__code="L008").delete()
    html = Client().get(f"/verify/{issued.verify_code}").content.decode()
    assert 'data-genuine="true"' in html


def test_the_demo_layouts_read_only_form_fields_their_items_ask_for():
    """Every demo item issuing a laid-out type asks, in its form, for each value its certificate reads."""
    for spec in DEMO_ITEMS:
        if spec.license not in LAYOUTS:
            continue
        holder = "organization" if spec.audience == "organization" else "person"
        asked = {field.key for field in DEMO_FORMS.get(spec.name, ())}
        read = {
            field.key
            for field in LAYOUTS[spec.license].fields
            if field.source == "form" and field.holder in ("", holder)
        }
        assert read <= asked, (spec.name, read - asked)
    assert len(LAYOUTS) == sum(1 for lic in demo_materials.LICENSES if lic.printable) == 42


def test_layouts_travel_as_an_excel_workbook_and_a_bad_row_stores_nothing(office, tmp_path):
    """证照模板 kept in Excel: exported, edited, imported back; a wrong source names its row and nothing
    changes."""
    import io

    from openpyxl import load_workbook

    from yichuang.licenses.excel import FIELD_SHEET, export_layouts, import_layouts
    from yichuang.licenses.models import CertificateLayout

    permit = LicenseType.objects.get(code="L008")  # the documents' cast keeps the demo's layout of it
    data = export_layouts(
        CertificateLayout.objects.filter(license_type=permit)
        .prefetch_related("fields")
        .select_related("license_type")
    )
    book = load_workbook(io.BytesIO(data))
    sheet = book[FIELD_SHEET]
    assert [c.value for c in sheet[2]][:3] == ["L008", "许可证编号", "证照编号"]
    sheet.cell(row=2, column=2, value="采伐许可证号")
    edited = io.BytesIO()
    book.save(edited)
    result = import_layouts(edited.getvalue())
    assert result.ok and result.changed == 1, [str(e) for e in result.errors]
    labels = list(permit.certificate_layout.fields.order_by("order").values_list("label", flat=True))
    assert labels[0] == "采伐许可证号" and len(labels) == len(LAYOUTS["L008"].fields)

    sheet.cell(row=3, column=3, value="天上掉下来的")
    broken = io.BytesIO()
    book.save(broken)
    result = import_layouts(broken.getvalue())
    assert not result.ok and "“证照栏目”表第3行" in str(result.errors[0])
    assert permit.certificate_layout.fields.count() == len(LAYOUTS["L008"].fields)

    sheet.cell(row=3, column=3, value="申请人姓名（名称）")  # the row put right again
    book["证照模板"].cell(row=2, column=7, value="红色")
    wrong_colour = io.BytesIO()
    book.save(wrong_colour)
    result = import_layouts(wrong_colour.getvalue())
    assert (
        not result.ok and "“证照模板”表第2行" in str(result.errors[0]) and "#b22222" in str(result.errors[0])
    )
    assert permit.certificate_layout.fields.first().label == "采伐许可证号"  # the good import stands

    admin = get_user_model().objects.create_superuser("layoutadmin", "b@example.com", "pw-cert-admin-2")
    browser = Client()
    browser.force_login(admin)
    assert "导入证照模板" in browser.get("/admin/licenses/certificatelayout/").content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = browser.post(
        "/admin/licenses/certificatelayout/import/",
        {"file": SimpleUploadedFile("layouts.xlsx", data)},
    )
    assert answer.status_code == 302
    assert permit.certificate_layout.fields.order_by("order").first().label == "许可证编号"
