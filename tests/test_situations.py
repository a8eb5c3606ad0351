"""办理情形: staff give an item situations (首次申领 / 换领 / 迁入换领) that add, drop or make optional its
materials — in the admin or the catalog workbook, without code — and the window, the API and the
citizen's step form ask exactly the papers of the situation chosen."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from tests import factories as f
from tests.test_cases import application
from yichuang.cases.models import Case
from yichuang.catalog.excel import export_catalog, import_catalog
from yichuang.catalog.excel.situations import SITUATION_SHEET
from yichuang.catalog.models import ItemVersion, MaterialRequirement, ServiceItem
from yichuang.catalog.services import item_publish, item_snapshot
from yichuang.catalog.situations import (
    MaterialEffect,
    Situation,
    SituationMaterial,
    requirements_for,
)
from yichuang.common.errors import Invalid

pytestmark = pytest.mark.django_db

ADD, DROP, OPTIONAL = MaterialEffect.ADD, MaterialEffect.DROP, MaterialEffect.OPTIONAL


def give_situations(item: ServiceItem, specs: dict[str, tuple[str, dict[str, str]]]) -> None:
    materials = {m.code: m for m in item.materials.all()}
    for order, (code, (name, rules)) in enumerate(specs.items(), start=1):
        situation = Situation.objects.create(item=item, code=code, name=name, order=order)
        for material, effect in rules.items():
            SituationMaterial.objects.create(situation=situation, material=materials[material], effect=effect)
    item_snapshot(item=item)


@pytest.fixture
def card(county: Any) -> ServiceItem:
    """老年人优待证: the old card only when renewing; the moving-in paper only for who moved in."""
    item = f.ItemFactory(code="YD", name="老年人优待证办理", department=county.departments["civil"])
    f.MaterialFactory(item=item, code="M001", name="居民身份证", order=1)
    f.MaterialFactory(item=item, code="M007", name="近期二寸免冠彩色照片", order=2)
    f.MaterialFactory(item=item, code="M080", name="原证件", required=False, order=3)
    f.MaterialFactory(item=item, code="M090", name="户口迁移证明", order=4)
    item_publish(item=item)
    for point in ("center_a", "hall"):
        f.OfferFactory(point=county.points[point], item=item)
    give_situations(
        item,
        {
            "first": ("首次申领", {"M090": DROP}),
            "renew": ("换领", {"M080": ADD, "M090": DROP}),
            "move": ("迁入换领", {"M080": OPTIONAL}),
        },
    )
    return item


def asked(snapshot: dict[str, Any], code: str) -> list[tuple[str, bool]]:
    return [(m["code"], m["required"]) for m in requirements_for(snapshot, code)]


class TestTheListOfEachSituation:
    def test_each_situation_asks_its_own_papers(self, card: ServiceItem) -> None:
        snapshot = ItemVersion.objects.filter(item=card).order_by("-number").first().snapshot
        assert [s["code"] for s in snapshot["situations"]] == ["first", "renew", "move"]
        assert asked(snapshot, "first") == [("M001", True), ("M007", True)]
        assert asked(snapshot, "renew") == [("M001", True), ("M007", True), ("M080", True)]
        assert asked(snapshot, "move") == [("M001", True), ("M007", True), ("M080", False), ("M090", True)]
        # no situation named: every paper as the item defines it (the window's habit until now)
        assert asked(snapshot, "") == [("M001", True), ("M007", True), ("M080", False), ("M090", True)]

    def test_an_unknown_situation_names_the_ones_there_are(self, card: ServiceItem) -> None:
        snapshot = ItemVersion.objects.filter(item=card).order_by("-number").first().snapshot
        with pytest.raises(Invalid) as raised:
            requirements_for(snapshot, "lost")
        assert "first（首次申领）、renew（换领）、move（迁入换领）" in raised.value.fields["situation"][0]

    def test_changing_a_situation_makes_a_new_version_and_an_item_without_any_keeps_its_snapshot(
        self, card: ServiceItem, county: Any
    ) -> None:
        before = ItemVersion.objects.filter(item=card).count()
        Situation.objects.filter(item=card, code="renew").update(name="到期换领")
        assert item_snapshot(item=card) is not None
        assert ItemVersion.objects.filter(item=card).count() == before + 1
        plain = ServiceItem.objects.get(code="DB")
        assert "situations" not in ItemVersion.objects.filter(item=plain).latest("number").snapshot


class TestTheWindow:
    def test_a_renewal_with_the_old_card_is_accepted_and_its_timeline_names_the_situation(
        self, card: ServiceItem, clerk: Any
    ) -> None:
        answer = clerk.post(
            "/api/v1/cases/",
            application(clerk, item="YD", provide=("M001", "M007", "M080"), situation="renew"),
            format="json",
        )
        assert answer.status_code == 201, answer.content
        case = answer.json()
        assert case["status"] == "accepted"
        assert [m["requirement"] for m in case["materials"]] == ["M001", "M007", "M080"]
        submitted = Case.objects.get(number=case["number"]).events.get(action="submit")
        assert submitted.note.startswith("办理情形：换领。") and submitted.data["situation"] == "renew"

    def test_a_renewal_without_the_old_card_waits_for_it(self, card: ServiceItem, clerk: Any) -> None:
        answer = clerk.post(
            "/api/v1/cases/",
            application(clerk, item="YD", provide=("M001", "M007"), situation="renew"),
            format="json",
        )
        assert answer.status_code == 201 and answer.json()["status"] == "submitted"
        missing = [m["requirement"] for m in answer.json()["materials"] if m["state"] == "missing"]
        assert missing == ["M080"]

    def test_a_first_application_needs_neither_the_old_card_nor_the_moving_paper(
        self, card: ServiceItem, clerk: Any
    ) -> None:
        answer = clerk.post(
            "/api/v1/cases/",
            application(clerk, item="YD", provide=("M001", "M007"), situation="first"),
            format="json",
        )
        assert answer.status_code == 201 and answer.json()["status"] == "accepted"

    def test_without_a_situation_every_required_paper_is_asked_as_before(
        self, card: ServiceItem, clerk: Any
    ) -> None:
        answer = clerk.post(
            "/api/v1/cases/", application(clerk, item="YD", provide=("M001", "M007")), format="json"
        )
        assert answer.status_code == 201 and answer.json()["status"] == "submitted"

    def test_a_paper_the_situation_does_not_ask_is_refused_by_name_and_nothing_is_stored(
        self, card: ServiceItem, clerk: Any
    ) -> None:
        answer = clerk.post(
            "/api/v1/cases/",
            application(clerk, item="YD", provide=("M001", "M007", "M090"), situation="first"),
            format="json",
        )
        assert answer.status_code == 422
        assert answer.json()["fields"]["materials"] == ["办理情形“首次申领”不需要“户口迁移证明”。"]
        assert not Case.objects.filter(item=card).exists()

    def test_an_unknown_situation_is_a_422_on_the_field(self, card: ServiceItem, clerk: Any) -> None:
        answer = clerk.post(
            "/api/v1/cases/",
            application(clerk, item="YD", provide=("M001",), situation="lost"),
            format="json",
        )
        assert answer.status_code == 422 and "situation" in answer.json()["fields"]
        assert not Case.objects.filter(item=card).exists()

    def test_the_guide_api_lists_each_situation_with_its_papers(self, card: ServiceItem) -> None:
        answer = Client().get("/api/v1/items/YD/")
        assert answer.status_code == 200
        situations = {s["code"]: s for s in answer.json()["situations"]}
        assert [m["code"] for m in situations["renew"]["materials"]] == ["M001", "M007", "M080"]
        assert situations["move"]["materials"][2] == {"code": "M080", "name": "原证件", "required": False}


class TestTheWorkbook:
    def test_situations_go_out_and_come_back_through_sheet_banli_qingxing(self, card: ServiceItem) -> None:
        book = openpyxl.load_workbook(io.BytesIO(export_catalog(ServiceItem.objects.filter(code="YD"))))
        sheet = book[SITUATION_SHEET]
        rows = [[c for c in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert rows[1][:7] == ["YD", "renew", "换领", None, "M080", "M090", None]
        # staff add 补领 in Excel and make the photo optional when moving in
        sheet.append(["YD", "reissue", "补领", "优待证遗失", "M080", "M090", None, 4])
        sheet.cell(row=4, column=7, value="M080、M007")
        buffer = io.BytesIO()
        book.save(buffer)
        result = import_catalog(io.BytesIO(buffer.getvalue()))
        assert result.ok, [str(e) for e in result.errors]
        assert result.situations == 4
        snapshot = ItemVersion.objects.filter(item=card).latest("number").snapshot
        assert asked(snapshot, "reissue") == [("M001", True), ("M007", True), ("M080", True)]
        assert asked(snapshot, "move") == [("M001", True), ("M007", False), ("M080", False), ("M090", True)]

    def test_a_material_code_the_item_does_not_have_is_named_with_its_row(self, card: ServiceItem) -> None:
        book = openpyxl.load_workbook(io.BytesIO(export_catalog(ServiceItem.objects.filter(code="YD"))))
        book[SITUATION_SHEET].append(["YD", "lost", "补领", None, "M999", None, None, 5])
        buffer = io.BytesIO()
        book.save(buffer)
        result = import_catalog(io.BytesIO(buffer.getvalue()))
        assert not result.ok
        assert any(e.sheet == SITUATION_SHEET and e.row == 5 and "M999" in e.reason for e in result.errors)
        assert not Situation.objects.filter(code="lost").exists()

    def test_a_workbook_without_the_sheet_leaves_the_situations_alone(self, card: ServiceItem) -> None:
        book = openpyxl.load_workbook(io.BytesIO(export_catalog(ServiceItem.objects.filter(code="YD"))))
        del book[SITUATION_SHEET]
        buffer = io.BytesIO()
        book.save(buffer)
        assert import_catalog(io.BytesIO(buffer.getvalue())).ok
        assert Situation.objects.filter(item=card).count() == 3


class TestTheAdmin:
    def test_a_situations_rules_offer_only_the_items_own_materials(
        self, card: ServiceItem, county: Any
    ) -> None:
        client = Client()
        client.force_login(county.staff["admin"])
        situation = Situation.objects.get(item=card, code="renew")
        page = client.get(f"/admin/catalog/situation/{situation.pk}/change/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "户口迁移证明" in html
        other = MaterialRequirement.objects.filter(item__code="DB").first()
        assert other is not None and f'value="{other.pk}"' not in html
        item_page = client.get(f"/admin/catalog/serviceitem/{card.pk}/change/").content.decode()
        assert "办理情形" in item_page and "迁入换领" in item_page


def test_a_situations_rule_naming_another_items_material_is_refused(card: ServiceItem) -> None:
    from django.core.exceptions import ValidationError

    rule = SituationMaterial(
        situation=Situation.objects.get(item=card, code="first"),
        material=MaterialRequirement.objects.filter(item__code="DB").first(),
        effect=ADD,
    )
    with pytest.raises(ValidationError):
        rule.full_clean()


class TestTheIntakePage:
    def test_the_clerk_chooses_the_situation_and_the_papers_of_a_first_application_suffice(
        self, card: ServiceItem, county: Any
    ) -> None:
        from tests.test_web_pages import intake_form, page_for, scan, text

        client = page_for(county.staff["town_clerk"])
        page = text(client.get("/work/intake/item/YD/"))
        assert 'id="intake-situation"' in page and '<option value="renew">换领</option>' in page
        refused = client.post(
            "/work/intake/item/YD/", intake_form(upload_M001=scan(), upload_M007=scan(), situation="renew")
        )
        assert refused.status_code == 422 and "原证件" in text(refused)  # the old card is owed
        assert not Case.objects.exists()
        accepted = client.post(
            "/work/intake/item/YD/",
            intake_form(upload_M001=scan(), upload_M007=scan(), situation="first", token="t2"),
        )
        assert accepted.status_code == 302, text(accepted)
        case = Case.objects.get()
        assert case.status == "accepted" and case.events.get(action="submit").data["situation"] == "first"
