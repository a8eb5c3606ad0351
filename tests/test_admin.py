"""The Chinese admin of org and catalog: every page opens, Excel goes in and out, edits make versions."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.test_catalog_excel import Catalog, build_catalog, item_row, workbook_bytes
from yichuang.catalog.excel import MATERIAL_SHEET
from yichuang.catalog.models import (
    Bundle,
    BundleItem,
    Delegation,
    DelegationMode,
    ItemStatus,
    ItemVersion,
    PointItem,
    ServiceItem,
)
from yichuang.catalog.situations import Situation, SituationMaterial
from yichuang.org.models import PointKind, Role, ServicePoint, Staff, Window

ADMIN_MODELS = [model for model in admin.site._registry if model._meta.app_label in {"org", "catalog"}]


@pytest.fixture
def catalog(db: Any) -> Catalog:
    built = build_catalog()
    point = ServicePoint.objects.create(
        code="CA", name="甲镇便民服务中心", kind=PointKind.TOWN_CENTER, region=built.town
    )
    Window.objects.create(point=point, number="1", name="综合受理")
    PointItem.objects.create(point=point, item=built.subsidy)
    bundle = Bundle.objects.create(code="YJS-001", name="困难群众救助一件事")
    BundleItem.objects.create(bundle=bundle, item=built.subsidy, order=1)
    BundleItem.objects.create(bundle=bundle, item=built.burial, order=2)
    # 办理情形: one, on the draft item (a published one would get a version for it), with a rule on one
    # of its materials when it has any
    situation = Situation.objects.create(item=built.burial, code="first", name="首次申请")
    first_material = built.burial.materials.order_by("order", "id").first()
    if first_material is not None:
        SituationMaterial.objects.create(situation=situation, material=first_material, effect="optional")
    Staff.objects.create_user(
        username="clerk_a",
        first_name="王",
        role=Role.WINDOW_CLERK,
        point=point,
        region=built.town,
        phone="13812345678",
    )
    return built


@pytest.fixture
def superuser_client(catalog: Catalog) -> Client:
    root = Staff.objects.create_superuser(username="root", role=Role.ADMIN)
    client = Client()
    client.force_login(root)
    return client


def url(model: type[Model], page: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def form_data(response: HttpResponse) -> dict[str, Any]:
    """The change form as a browser would post it back unchanged, inlines and management forms included."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name in form.fields:
            bound = form[name]
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif value is None or isinstance(value, FieldFile):
                data[bound.html_name] = ""
            elif isinstance(value, dt.date):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = value

    context = response.context  # type: ignore[attr-defined]
    add(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


# --------------------------------------------------------------------------------------- every page opens


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model.__name__)
def test_every_changelist_opens_and_can_be_searched(superuser_client: Client, model: type[Model]) -> None:
    assert superuser_client.get(url(model, "changelist")).status_code == 200
    assert superuser_client.get(url(model, "changelist"), {"q": "甲镇"}).status_code == 200
    assert superuser_client.get(url(model, "changelist"), {"q": "411502"}).status_code == 200


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model.__name__)
def test_every_add_page_opens_except_for_read_only_versions(
    superuser_client: Client, model: type[Model]
) -> None:
    response = superuser_client.get(url(model, "add"))

    assert response.status_code == (403 if model is ItemVersion else 200)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model.__name__)
def test_every_change_page_opens(superuser_client: Client, model: type[Model]) -> None:
    obj = model._default_manager.first()
    assert obj is not None, f"the fixture should hold a {model.__name__}"

    assert superuser_client.get(url(model, "change", obj.pk)).status_code == 200


def test_the_admin_speaks_chinese(superuser_client: Client) -> None:
    content = superuser_client.get(url(ServiceItem, "changelist")).content.decode()

    assert "政务服务事项" in content
    assert "导入Excel" in content and "导出Excel" in content
    assert "行政给付" in content


def test_autocomplete_finds_items_by_alias(superuser_client: Client, catalog: Catalog) -> None:
    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"term": "低保申请", "app_label": "catalog", "model_name": "pointitem", "field_name": "item"},
    )

    assert response.status_code == 200
    assert catalog.subsidy.code in response.content.decode()


# ------------------------------------------------------------------------------------------- personal data


def test_staff_phone_numbers_are_masked_in_the_list(superuser_client: Client) -> None:
    content = superuser_client.get(url(Staff, "changelist")).content.decode()

    assert "138****5678" in content
    assert "13812345678" not in content


def test_staff_can_be_found_by_their_phone_number_and_the_row_still_shows_it_masked(
    superuser_client: Client,
) -> None:
    content = superuser_client.get(url(Staff, "changelist"), {"q": "13812345678"}).content.decode()

    assert "clerk_a" in content
    assert '<td class="field-masked_phone">138****5678</td>' in content


# ------------------------------------------------------------------------------------------------ versions


def test_saving_a_published_item_with_a_changed_material_creates_a_new_version(
    superuser_client: Client, catalog: Catalog
) -> None:
    change_url = url(ServiceItem, "change", catalog.subsidy.pk)
    data = form_data(superuser_client.get(change_url))
    assert data["materials-0-code"] == "CL001"
    data["materials-0-name"] = "申请人及共同生活家庭成员身份证"

    response = superuser_client.post(change_url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors  # type: ignore[attr-defined]
    version_1, version_2 = ItemVersion.objects.filter(item=catalog.subsidy).order_by("number")
    assert version_2.snapshot["materials"][0]["name"] == "申请人及共同生活家庭成员身份证"
    assert version_1.snapshot["materials"][0]["name"] == "申请人身份证"


def test_saving_a_published_item_unchanged_makes_no_new_version(
    superuser_client: Client, catalog: Catalog
) -> None:
    change_url = url(ServiceItem, "change", catalog.subsidy.pk)

    response = superuser_client.post(change_url, form_data(superuser_client.get(change_url)))

    assert response.status_code == 302
    assert ItemVersion.objects.filter(item=catalog.subsidy).count() == 1


def test_the_item_page_lists_its_versions_read_only(superuser_client: Client, catalog: Catalog) -> None:
    content = superuser_client.get(url(ServiceItem, "change", catalog.subsidy.pk)).content.decode()
    version = ItemVersion.objects.get(item=catalog.subsidy)

    assert url(ItemVersion, "change", version.pk) in content
    version_page = superuser_client.get(url(ItemVersion, "change", version.pk)).content.decode()
    assert "申请人身份证" in version_page
    assert 'name="_save"' not in version_page


def test_the_publish_action_publishes_a_draft_and_writes_version_1(
    superuser_client: Client, catalog: Catalog
) -> None:
    response = superuser_client.post(
        url(ServiceItem, "changelist"),
        {"action": "publish_items", "_selected_action": [catalog.burial.pk]},
        follow=True,
    )

    assert "已发布 1 个事项" in response.content.decode()
    catalog.burial.refresh_from_db()
    assert catalog.burial.status == ItemStatus.PUBLISHED
    assert catalog.burial.version == 1


# --------------------------------------------------------------------------------------------- delegations


def test_delegations_show_whether_they_are_valid_today(superuser_client: Client, catalog: Catalog) -> None:
    today = timezone.localdate()
    Delegation.objects.create(
        item=catalog.burial,
        from_department=catalog.civil,
        to_region=catalog.town,
        mode=DelegationMode.GRANTED,
        instrument="过期的授权书",
        instrument_date=today - dt.timedelta(days=400),
        valid_from=today - dt.timedelta(days=365),
        valid_to=today - dt.timedelta(days=1),
    )
    Delegation.objects.create(
        item=catalog.burial,
        from_department=catalog.civil,
        to_region=catalog.town,
        mode=DelegationMode.GRANTED,
        instrument="下月生效的授权书",
        instrument_date=today,
        valid_from=today + dt.timedelta(days=30),
    )
    changelist = url(Delegation, "changelist")

    current = superuser_client.get(changelist, {"validity": "current"}).content.decode()
    expired = superuser_client.get(changelist, {"validity": "expired"}).content.decode()
    pending = superuser_client.get(changelist, {"validity": "pending"}).content.decode()

    assert "浉民委〔2024〕1号" in current and "过期的授权书" not in current and "下月生效" not in current
    assert "过期的授权书" in expired and "浉民委" not in expired
    assert "下月生效的授权书" in pending and "浉民委" not in pending
    assert "当前有效" in current and "icon-yes.svg" in current


# ---------------------------------------------------------------------------------------- import & export


def test_export_downloads_an_xlsx_named_with_the_date(superuser_client: Client) -> None:
    response = superuser_client.get(reverse("admin:catalog_serviceitem_export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert timezone.localdate().strftime("%Y%m%d") in response["Content-Disposition"]
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert MATERIAL_SHEET in openpyxl.load_workbook(io.BytesIO(body)).sheetnames


def test_export_follows_the_changelist_search_and_filters(superuser_client: Client, catalog: Catalog) -> None:
    changelist = superuser_client.get(url(ServiceItem, "changelist"), {"kind": "immediate"}).content.decode()
    assert reverse("admin:catalog_serviceitem_export") + "?kind=immediate" in changelist

    response = superuser_client.get(reverse("admin:catalog_serviceitem_export"), {"kind": "immediate"})

    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(io.BytesIO(body))["事项"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [catalog.burial.code]


def test_the_export_action_downloads_only_the_selected_items(
    superuser_client: Client, catalog: Catalog
) -> None:
    response = superuser_client.post(
        url(ServiceItem, "changelist"), {"action": "export_items", "_selected_action": [catalog.burial.pk]}
    )

    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(io.BytesIO(body))["事项"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [catalog.burial.code]


def test_the_import_page_shows_each_bad_row_in_chinese(superuser_client: Client) -> None:
    import_url = reverse("admin:catalog_serviceitem_import")
    assert "导入事项目录" in superuser_client.get(import_url).content.decode()
    data = workbook_bytes(
        items=[
            item_row("GOOD"),
            item_row("LATE", 法定时限=3, 承诺时限=9),
            item_row("ODD", 实施主体编码="???"),
        ],
        materials=[],
    )

    response = superuser_client.post(
        import_url, {"file": SimpleUploadedFile("目录.xlsx", data, content_type="application/octet-stream")}
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "未导入任何数据" in content
    assert "<td>事项</td>" in content
    assert '<td class="row-number">3</td>' in content and "不得超过法定时限" in content
    assert '<td class="row-number">4</td>' in content and "实施主体编码“???”不存在" in content
    assert not ServiceItem.objects.filter(code="GOOD").exists()


def test_the_import_page_stores_a_good_file_and_shows_the_counts(superuser_client: Client) -> None:
    data = workbook_bytes(items=[item_row("GOOD")], materials=[])

    response = superuser_client.post(
        reverse("admin:catalog_serviceitem_import"), {"file": SimpleUploadedFile("目录.xlsx", data)}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "导入成功" in content and '<dd class="count-created">1</dd>' in content
    assert ServiceItem.objects.filter(code="GOOD").exists()


def test_the_import_page_rejects_a_file_that_is_not_excel(superuser_client: Client) -> None:
    response = superuser_client.post(
        reverse("admin:catalog_serviceitem_import"), {"file": SimpleUploadedFile("目录.csv", b"a,b,c\n")}
    )

    assert response.status_code == 400
    assert "不是有效的 Excel 工作簿" in response.content.decode()


def test_staff_who_may_only_view_the_catalog_cannot_import(catalog: Catalog) -> None:
    viewer = Staff.objects.create_user(username="viewer", is_staff=True, region=catalog.county)
    viewer.user_permissions.add(Permission.objects.get(codename="view_serviceitem"))
    client = Client()
    client.force_login(viewer)

    assert client.get(reverse("admin:catalog_serviceitem_import")).status_code == 403
    assert client.get(reverse("admin:catalog_serviceitem_export")).status_code == 200
    assert "导入Excel" not in client.get(url(ServiceItem, "changelist")).content.decode()
