"""Documents under one seal: each case action issues its document, stamped with the seal the delegation
rules pick, signed (SM3 digest, SM2 signature) and verifiable on the public page."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from tests import factories as f
from tests.seal_cast import make_seals
from yichuang.cases.models import Case
from yichuang.catalog.models import DelegationMode, ExerciseLevel, ItemType, ResultType
from yichuang.catalog.services import item_publish
from yichuang.common.identity import resident_id_check_char
from yichuang.demo.data.certificates import LAYOUTS
from yichuang.documents.models import Document, DocumentKind, DocumentStatus, Seal, SealKind
from yichuang.documents.services import document_content, document_sign, seal_create, seal_revoke
from yichuang.files.samples import BLANK_PDF
from yichuang.licenses.services import layout_store
from yichuang.org.models import Role

pytestmark = pytest.mark.django_db

FIRST17 = "41150219500101123"  # born 1950: an elder
ID_NUMBER = FIRST17 + resident_id_check_char(FIRST17)
PHONE = "13812345678"
PDF = BLANK_PDF
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(
    not POPPLER and not os.environ.get("CI"),
    reason="poppler-utils (pdftotext, pdftoppm) not installed; CI installs it",
)


# —— the cast: one town's items under each kind of power, and the county's seals ——


@pytest.fixture
def office(world):
    d, p, r = world.departments, world.points, world.regions
    forestry = f.DepartmentFactory(code="LYJ", name="浉河区林业局", region=r["county"], point=p["hall"])
    d["forestry"] = forestry
    elder_card = f.LicenseTypeFactory(code="L007", name="老年人优待证", validity_years=None, printable=True)
    logging_permit = f.LicenseTypeFactory(
        code="L008", name="林木采伐许可证", validity_years=1, printable=True
    )
    other_card = f.LicenseTypeFactory(code="L013", name="乡村兽医登记证", printable=True)
    # The demo county's layouts of these two (证照模板); 乡村兽医登记证 is left without one here.
    layout_store(license_type=elder_card, spec=LAYOUTS["L007"])
    layout_store(license_type=logging_permit, spec=LAYOUTS["L008"])

    def item(code: str, name: str, **fields: Any):
        made = f.ItemFactory(code=code, name=name, department=fields.pop("department", d["civil"]), **fields)
        f.MaterialFactory(item=made, code="M001", name="居民身份证", order=1)
        f.MaterialFactory(item=made, code="M010", name="收入状况证明", commitment_allowed=True, order=2)
        f.MaterialFactory(item=made, code="M020", name="村委会意见", tolerable=True, order=3)
        item_publish(item=made)
        for point in ("center_a", "center_b", "hall", "station_a1"):
            f.OfferFactory(point=p[point], item=made)
        return made

    item(
        "OWN",
        "老年人优待证办理",
        exercise_level=ExerciseLevel.TOWN,
        type=ItemType.PUBLIC_SERVICE,
        result_type=ResultType.CERTIFICATE,
        result_name="老年人优待证",
        result_license_type=elder_card,
    )
    item(
        "LOG",
        "林木采伐许可",
        exercise_level=ExerciseLevel.COUNTY,
        type=ItemType.LICENSING,
        department=forestry,
        legal_basis="《中华人民共和国森林法》第五十六条",
        result_type=ResultType.CERTIFICATE,
        result_name="林木采伐许可证",
        result_license_type=logging_permit,
    )
    item(
        "VET",
        "乡村兽医登记许可",
        exercise_level=ExerciseLevel.COUNTY,
        type=ItemType.LICENSING,
        result_type=ResultType.CERTIFICATE,
        result_license_type=other_card,
    )
    item("DESK", "残疾人证办理", exercise_level=ExerciseLevel.COUNTY, type=ItemType.CONFIRMATION)
    item("IMM", "高龄津贴申领", exercise_level=ExerciseLevel.TOWN, statutory_days=10, promised_days=0)
    from yichuang.catalog.models import ServiceItem

    items = {i.code: i for i in ServiceItem.objects.all()}
    f.DelegationFactory(
        item=items["LOG"], from_department=forestry, to_region=r["town_a"], mode=DelegationMode.GRANTED
    )
    f.DelegationFactory(
        item=items["VET"], from_department=d["civil"], to_region=r["town_a"], mode=DelegationMode.ENTRUSTED
    )
    f.DelegationFactory(
        item=items["DESK"],
        from_department=d["civil"],
        to_region=r["town_a"],
        mode=DelegationMode.FRONT_DESK_ONLY,
    )
    world.staff["civil_reviewer"] = f.StaffFactory(
        username="review_civil",
        role=Role.REVIEWER,
        point=p["hall"],
        region=r["county"],
        department=d["civil"],
    )
    world.staff["reviewer_b"] = f.StaffFactory(
        username="review_b",
        role=Role.REVIEWER,
        point=p["center_b"],
        region=r["town_b"],
        department=d["center_b"],
    )
    seals = make_seals(
        world, "approval_a", "approval_b", "delegated_a", "civil", "forestry", "output_hall", "output_a"
    )
    world.seals = seals  # type: ignore[attr-defined]
    return world


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def upload(client: APIClient) -> str:
    response = client.post(
        "/api/v1/files/", {"file": SimpleUploadedFile("scan.pdf", PDF)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def apply(
    client: APIClient, item: str, *, provide=("M001", "M010", "M020"), point="CA", region="", **extra
) -> dict[str, Any]:
    applicant = {
        "kind": "person",
        "name": "李金文",
        "id_number": f.applicant_id(ID_NUMBER, item),
        "phone": PHONE,
    }
    if region:
        applicant["region"] = region
    body = {
        "item": item,
        "point": point,
        "channel": "window",
        "applicant": applicant,
        "materials": [{"requirement": code, "files": [upload(client)]} for code in provide],
        **extra,
    }
    response = client.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def act(client: APIClient, number: str, action: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/cases/{number}/actions/{action}/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def documents(number: str) -> dict[str, Document]:
    return {d.kind: d for d in Document.objects.filter(case__number=number).select_related("seal")}


def pdf_text(content: bytes, tmp_path: Path) -> str:
    """The text pdftotext reads back, without the line breaks and spaces of the layout."""
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, timeout=60).stdout
    return re.sub(r"\s+", "", out.decode("utf-8"))


@pytest.fixture
def clerk(office):
    return client_for(office.staff["town_clerk"])


@pytest.fixture
def reviewer(office):
    return client_for(office.staff["reviewer"])


# —— which seal signs ——


class TestWhichSealSigns:
    def test_the_towns_own_item_is_decided_under_its_administrative_approval_seal(
        self, office, clerk, reviewer
    ):
        case = apply(clerk, "OWN")
        act(reviewer, case["number"], "approve")
        issued = documents(case["number"])
        assert case["handling_unit"] == "SPA"
        assert issued[DocumentKind.ACCEPTANCE_NOTICE].seal == office.seals["approval_a"]
        assert issued[DocumentKind.APPROVAL_DECISION].seal == office.seals["approval_a"]
        assert issued[DocumentKind.CERTIFICATE].seal == office.seals["approval_a"]

    def test_a_granted_power_is_exercised_under_the_same_town_seal(self, office, clerk, reviewer):
        case = apply(clerk, "LOG")
        assert Case.objects.get(number=case["number"]).handling_mode == "granted"
        act(reviewer, case["number"], "approve")
        assert documents(case["number"])[DocumentKind.APPROVAL_DECISION].seal == office.seals["approval_a"]

    def test_an_entrusted_item_bears_the_numbered_seal_the_county_bureau_issued_to_the_town(
        self, office, clerk, reviewer
    ):
        case = apply(clerk, "VET")
        act(reviewer, case["number"], "approve")
        seal = documents(case["number"])[DocumentKind.APPROVAL_DECISION].seal
        assert seal == office.seals["delegated_a"]
        assert (seal.number_text, seal.issuer, seal.holder_name) == (
            "（001）",
            office.departments["approval"],
            "信阳市浉河区行政审批服务局",
        )

    def test_a_front_desk_only_item_is_decided_under_the_county_departments_seal(self, office, clerk):
        case = apply(clerk, "DESK")
        assert case["handling_unit"] == "MZJ"
        act(
            client_for(office.staff["civil_reviewer"]),
            case["number"],
            "deny",
            reason="残疾等级评定未达到标准",
        )
        issued = documents(case["number"])
        assert issued[DocumentKind.ACCEPTANCE_NOTICE].seal == office.seals["civil"]
        assert issued[DocumentKind.DENIAL_DECISION].seal == office.seals["civil"]

    def test_a_result_handed_out_in_the_deciding_town_keeps_the_deciding_seal(self, office, clerk, reviewer):
        case = apply(clerk, "OWN")
        act(reviewer, case["number"], "approve")
        act(clerk, case["number"], "deliver", method="pickup", recipient_name="李金文")
        assert documents(case["number"])[DocumentKind.DELIVERY_RECEIPT].seal == office.seals["approval_a"]

    def test_a_result_handed_out_at_the_county_hall_bears_the_halls_output_seal(
        self, office, clerk, reviewer
    ):
        case = apply(clerk, "OWN")
        act(reviewer, case["number"], "approve")
        act(client_for(office.staff["hall_clerk"]), case["number"], "deliver", method="pickup")
        issued = documents(case["number"])
        assert issued[DocumentKind.DELIVERY_RECEIPT].seal == office.seals["output_hall"]
        assert issued[DocumentKind.APPROVAL_DECISION].seal == office.seals["approval_a"]

    def test_a_cross_town_case_decided_by_another_town_is_handed_out_under_this_points_output_seal(
        self, office, clerk
    ):
        """跨乡镇通办: accepted at 甲镇 for a villager of 乙镇, decided by 乙镇, handed out at 甲镇."""
        case = apply(clerk, "OWN", region=office.regions["village_b1"].code)
        assert case["handling_unit"] == "SPB"
        act(client_for(office.staff["reviewer_b"]), case["number"], "approve")
        act(clerk, case["number"], "deliver", method="pickup")
        issued = documents(case["number"])
        assert issued[DocumentKind.ACCEPTANCE_NOTICE].seal == office.seals["approval_b"]
        assert issued[DocumentKind.APPROVAL_DECISION].seal == office.seals["approval_b"]
        assert issued[DocumentKind.DELIVERY_RECEIPT].seal == office.seals["output_a"]

    def test_a_revoked_seal_is_not_chosen_and_without_any_seal_the_document_stays_unsealed(
        self, office, clerk
    ):
        seal_revoke(seal=office.seals["approval_a"], reason="印章遗失")
        case = apply(clerk, "OWN")
        notice = documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE]
        assert notice.seal is None
        signed = document_sign(document=notice)
        assert signed.status == DocumentStatus.UNSEALED and not signed.signature
        page = Client().get(f"/verify/{notice.verify_code}")
        assert "未加盖电子印章" in page.content.decode()


# —— every document, in Chinese, from the flow that needs it ——


class TestEveryDocumentInChinese:
    @needs_poppler
    def test_acceptance_with_tolerated_and_committed_materials_issues_the_notice_and_the_commitment(
        self, clerk, tmp_path
    ):
        case = apply(clerk, "OWN", provide=("M001",), tolerated=["M020"], commitments=["M010"])
        issued = documents(case["number"])
        assert set(issued) == {DocumentKind.ACCEPTANCE_NOTICE, DocumentKind.COMMITMENT}
        notice = pdf_text(document_content(document=issued[DocumentKind.ACCEPTANCE_NOTICE]), tmp_path)
        due = timezone.localdate().fromisoformat(case["due_date"])
        for text in (
            "受理通知书",
            "李金文",
            "老年人优待证办理",
            "决定予以受理",
            f"{due.year}年{due.month}月{due.day}日",
            "容缺受理",
            "村委会意见",
            case["number"],
        ):
            assert text in notice, text
        commitment = pdf_text(document_content(document=issued[DocumentKind.COMMITMENT]), tmp_path)
        for text in ("告知承诺书", "收入状况证明", "申请人承诺", "承诺人（签字或盖章）", "411502********"):
            assert text in commitment, text
        assert ID_NUMBER not in commitment

    @needs_poppler
    def test_an_immediate_item_is_done_on_the_spot(self, clerk, tmp_path):
        case = apply(clerk, "IMM")
        notice = documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE]
        text = pdf_text(document_content(document=notice), tmp_path)
        assert "即办件" in text and "当场办结" in text and "承诺时限" not in text

    @needs_poppler
    def test_the_one_time_notice_lists_every_missing_material(self, clerk, tmp_path):
        case = apply(clerk, "LOG", provide=("M001",))
        act(clerk, case["number"], "notify", missing=["M010", "M020"], note="收入证明须加盖单位公章")
        text = pdf_text(
            document_content(document=documents(case["number"])[DocumentKind.SUPPLEMENT_NOTICE]), tmp_path
        )
        for expected in (
            "一次性告知书",
            "收入状况证明",
            "村委会意见",
            "共2项",
            "第三十二条",
            "收入证明须加盖单位公章",
        ):
            assert expected in text, expected

    @needs_poppler
    def test_a_refusal_states_the_reason_and_the_remedy(self, clerk, tmp_path):
        case = apply(clerk, "LOG", provide=("M001",))
        act(clerk, case["number"], "refuse", reason="申请事项依法不需要取得行政许可")
        text = pdf_text(
            document_content(document=documents(case["number"])[DocumentKind.REFUSAL_NOTICE]), tmp_path
        )
        for expected in (
            "不予受理通知书",
            "申请事项依法不需要取得行政许可",
            "决定不予受理",
            "行政复议",
            "行政诉讼",
        ):
            assert expected in text, expected

    @needs_poppler
    def test_an_approval_of_a_licence_issues_the_decision_and_the_logging_permit(
        self, clerk, reviewer, tmp_path
    ):
        case = apply(clerk, "LOG")
        act(reviewer, case["number"], "approve", note="按申请的采伐量批准")
        issued = documents(case["number"])
        decision = pdf_text(document_content(document=issued[DocumentKind.APPROVAL_DECISION]), tmp_path)
        for expected in (
            "准予行政许可决定书",
            "决定准予行政许可",
            "森林法",
            "林木采伐许可证",
            "信阳市浉河区甲镇人民政府",
        ):
            assert expected in decision, expected
        permit = pdf_text(document_content(document=issued[DocumentKind.CERTIFICATE]), tmp_path)
        for expected in (
            "林木采伐许可证",
            "许可证编号",
            f"L008-{case['number']}",
            "采伐期限",
            "更新期限",
            "李金文",
        ):
            assert expected in permit, expected

    @needs_poppler
    def test_the_elder_card_is_printed_from_its_own_template(self, clerk, reviewer, tmp_path):
        case = apply(clerk, "OWN")
        act(reviewer, case["number"], "approve")
        card = pdf_text(
            document_content(document=documents(case["number"])[DocumentKind.CERTIFICATE]), tmp_path
        )
        for expected in (
            "老年人优待证",
            "姓名",
            "李金文",
            "性别",
            "1950年1月1日",
            "优待内容",
            "411502********",
        ):
            assert expected in card, expected
        decision = pdf_text(
            document_content(document=documents(case["number"])[DocumentKind.APPROVAL_DECISION]), tmp_path
        )
        assert "准予办理决定书" in decision  # not a licence: no 行政许可 wording

    @needs_poppler
    def test_a_certificate_type_without_a_template_gets_the_generic_one(self, clerk, reviewer, tmp_path):
        case = apply(clerk, "VET")
        act(reviewer, case["number"], "approve")
        text = pdf_text(
            document_content(document=documents(case["number"])[DocumentKind.CERTIFICATE]), tmp_path
        )
        for expected in ("乡村兽医登记证", "持证人", "李金文", "发证机关", "信阳市浉河区行政审批服务局"):
            assert expected in text, expected

    @needs_poppler
    def test_a_denial_states_reasons_and_remedy_with_bodies_and_time_limits(self, office, clerk, tmp_path):
        case = apply(clerk, "DESK")
        act(
            client_for(office.staff["civil_reviewer"]),
            case["number"],
            "deny",
            reason="残疾等级评定未达到标准",
        )
        text = pdf_text(
            document_content(document=documents(case["number"])[DocumentKind.DENIAL_DECISION]), tmp_path
        )
        for expected in (
            "不予确认决定书",  # 残疾人证 is a 行政确认
            "残疾等级评定未达到标准",
            "六十日内",
            "浉河区人民政府",
            "行政复议",
            "六个月内",
            "浉河区人民法院",
            "信阳市浉河区民政局",
        ):
            assert expected in text, expected

    @needs_poppler
    def test_the_delivery_receipt_names_what_was_handed_to_whom_how(self, clerk, reviewer, tmp_path):
        case = apply(clerk, "LOG")
        act(reviewer, case["number"], "approve")
        act(clerk, case["number"], "deliver", method="mail", tracking_number="EMS1234567890")
        text = pdf_text(
            document_content(document=documents(case["number"])[DocumentKind.DELIVERY_RECEIPT]), tmp_path
        )
        for expected in (
            "送达回证",
            "准予行政许可决定书",
            "林木采伐许可证",
            "免费邮寄",
            "EMS1234567890",
            "受送达人",
            "签收人",
        ):
            assert expected in text, expected

    @needs_poppler
    def test_every_pdf_embeds_its_cjk_font_and_a_page_renders_with_the_red_seal(self, clerk, tmp_path):
        case = apply(clerk, "OWN")
        content = document_content(document=documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE])
        path = tmp_path / "notice.pdf"
        path.write_bytes(content)
        fonts = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, check=True, timeout=60
        ).stdout.decode()
        assert re.search(r"\+WenQuanYiMicroHei\S*\s+TrueType.*yes\s+yes\s+yes", fonts), (
            fonts
        )  # subset, embedded
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
            check=True,
            timeout=60,
        )
        page = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
        assert page.width > 400 and page.height > 600
        pixels = page.tobytes()
        red = sum(
            1
            for i in range(0, len(pixels), 3)
            if pixels[i] > 180 and pixels[i + 1] < 80 and pixels[i + 2] < 80
        )
        assert red > 300, "the seal is stamped in red"


# —— signing and the public verify page ——


def signed(clerk) -> Document:
    case = apply(clerk, "OWN")
    return document_sign(document=documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE])


class TestVerification:
    def test_a_signed_document_verifies_as_genuine_with_its_seal_and_case_and_nothing_unsigned(
        self, office, clerk
    ):
        document = signed(clerk)
        assert document.status == DocumentStatus.SIGNED and len(document.signature) == 128
        page = Client().get(f"/verify/{document.verify_code}")
        html = page.content.decode()
        assert page.status_code == 200
        assert 'data-genuine="true"' in html and "真实有效" in html
        for text in (
            "甲镇人民政府行政审批专用章",
            "信阳市浉河区甲镇人民政府",
            document.data["case"]["number"],
        ):
            assert text in html, text
        # The applicant is in the signed PDF, not in the signed statement: the page does not show him.
        assert "李*文" not in html and "李金文" not in html and ID_NUMBER not in html and PHONE not in html

    def test_fields_the_signature_does_not_cover_edited_in_the_database_never_show_as_genuine(
        self, office, clerk
    ):
        document = signed(clerk)
        data = {**document.data, "case": {**document.data["case"], "applicant": "王大锤", "item": "假事项"}}
        type(document).objects.filter(pk=document.pk).update(
            data=data, title="伪造的准予决定书", issued_at=document.issued_at.replace(year=2001)
        )
        html = Client().get(f"/verify/{document.verify_code}").content.decode()
        assert 'data-genuine="true"' in html
        for forged in ("王*锤", "王大锤", "假事项", "伪造的准予决定书", "2001-"):
            assert forged not in html, forged

    def test_the_code_is_forgiving_about_dashes_case_and_look_alike_letters(self, clerk):
        document = signed(clerk)
        code = document.verify_code
        typed = "-".join(code[i : i + 4] for i in range(0, 16, 4)).lower().replace("0", "o").replace("1", "l")
        assert 'data-genuine="true"' in Client().get(f"/verify/{typed}/").content.decode()

    def test_a_forged_code_is_not_genuine(self, clerk):
        signed(clerk)
        for code in ("ABCDEFGHJKMNPQRS", "x" * 300, "<script>", "0000"):
            page = Client().get(f"/verify/{code}")
            assert page.status_code == 404
            assert 'data-genuine="false"' in page.content.decode()
            assert "验证码不存在" in page.content.decode()

    def test_a_changed_byte_in_the_stored_file_fails(self, clerk):
        document = signed(clerk)
        path = Path(document.file.path)
        content = bytearray(path.read_bytes())
        content[len(content) // 2] ^= 0x01
        path.write_bytes(bytes(content))
        html = Client().get(f"/verify/{document.verify_code}").content.decode()
        assert 'data-genuine="false"' in html and "文件已被改动" in html

    def test_a_changed_signing_time_or_seal_in_the_database_fails(self, office, clerk):
        document = signed(clerk)
        Document.objects.filter(pk=document.pk).update(
            signed_at=document.signed_at + timezone.timedelta(days=-1)
        )
        assert "SM2 签名验证失败" in Client().get(f"/verify/{document.verify_code}").content.decode()
        other = signed(clerk)
        Document.objects.filter(pk=other.pk).update(seal=office.seals["approval_b"])
        assert "SM2 签名验证失败" in Client().get(f"/verify/{other.verify_code}").content.decode()

    def test_an_uploaded_copy_verifies_only_if_byte_for_byte_the_same(self, clerk):
        document = signed(clerk)
        original = Path(document.file.path).read_bytes()
        client = Client()
        same = client.post(f"/verify/{document.verify_code}", {"file": SimpleUploadedFile("a.pdf", original)})
        assert 'data-genuine="true"' in same.content.decode() and "完全一致" in same.content.decode()
        changed = bytearray(original)
        changed[100] ^= 0x20
        other = client.post(
            f"/verify/{document.verify_code}", {"file": SimpleUploadedFile("a.pdf", bytes(changed))}
        )
        assert 'data-genuine="false"' in other.content.decode()
        assert "与存档文件不一致" in other.content.decode()
        empty = client.post(f"/verify/{document.verify_code}", {})
        assert empty.status_code == 200 and "请选择要核验的 PDF 文件" in empty.content.decode()

    def test_a_seal_revoked_before_the_signing_time_makes_the_document_not_genuine(self, office, clerk):
        document = signed(clerk)
        Seal.objects.filter(pk=office.seals["approval_a"].pk).update(
            revoked_at=document.signed_at - timezone.timedelta(minutes=1)
        )
        html = Client().get(f"/verify/{document.verify_code}").content.decode()
        assert 'data-genuine="false"' in html and "停用后签章的文书无效" in html

    def test_a_seal_revoked_after_the_signing_time_leaves_earlier_documents_genuine(self, office, clerk):
        document = signed(clerk)
        seal_revoke(seal=office.seals["approval_a"], reason="换发新章")
        html = Client().get(f"/verify/{document.verify_code}").content.decode()
        assert 'data-genuine="true"' in html and "签章在停用之前" in html

    def test_a_document_not_yet_signed_is_signed_when_first_verified(self, clerk):
        case = apply(clerk, "OWN")
        notice = documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE]
        assert notice.status == DocumentStatus.PENDING and not notice.file
        assert 'data-genuine="true"' in Client().get(f"/verify/{notice.verify_code}").content.decode()
        notice.refresh_from_db()
        assert notice.status == DocumentStatus.SIGNED

    def test_signing_twice_changes_nothing(self, clerk):
        document = signed(clerk)
        again = document_sign(document=Document.objects.get(pk=document.pk))
        assert (again.signature, again.sm3, again.file.name) == (
            document.signature,
            document.sm3,
            document.file.name,
        )


class TestWithTheCaseActions:
    def test_documents_are_signed_after_the_action_commits(self, clerk, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            case = apply(clerk, "OWN")
        notice = documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE]
        assert notice.status == DocumentStatus.SIGNED and notice.file

    def test_inside_signing_deferred_documents_wait_for_their_first_request(
        self, clerk, django_capture_on_commit_callbacks
    ):
        from yichuang.documents.services import signing_deferred

        with django_capture_on_commit_callbacks(execute=True), signing_deferred():
            case = apply(clerk, "OWN")
        notice = documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE]
        assert notice.status == DocumentStatus.PENDING
        assert document_content(document=notice).startswith(b"%PDF")

    def test_an_action_refused_by_the_state_table_issues_nothing(self, clerk):
        case = apply(clerk, "OWN")
        before = Document.objects.count()
        response = clerk.post(
            f"/api/v1/cases/{case['number']}/actions/deliver/", {"method": "pickup"}, format="json"
        )
        assert response.status_code == 409
        assert Document.objects.count() == before

    def test_the_case_lists_its_documents_with_a_scope_checked_url(self, office, clerk, reviewer):
        case = apply(clerk, "OWN")
        detail = act(reviewer, case["number"], "approve")
        listed = {d["type"]: d for d in detail["documents"]}
        assert set(listed) == {"acceptance_notice", "approval_decision", "certificate"}
        notice = listed["acceptance_notice"]
        assert set(notice) == {"id", "type", "url", "verify_code"}
        assert notice["url"] == f"/api/v1/documents/{notice['id']}/content/"
        response = clerk.get(notice["url"])
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        info = clerk.get(f"/api/v1/documents/{notice['id']}/").json()
        assert info["status"] == "signed" and info["verify_url"].endswith(f"/verify/{notice['verify_code']}")
        for outsider in ("other_clerk", "agent", "bank_clerk"):
            client = client_for(office.staff[outsider])
            assert client.get(notice["url"]).status_code == 404
            assert client.get(f"/api/v1/documents/{notice['id']}/").status_code == 404
        assert APIClient().get(notice["url"]).status_code == 401
        assert clerk.get("/api/v1/documents/not-a-uuid/content/").status_code == 404
        assert client_for(office.staff["hall_clerk"]).get(notice["url"]).status_code == 200


class TestHandoverList:
    @needs_poppler
    def test_a_handover_list_renders_from_plain_rows(self, tmp_path):
        from yichuang.documents.render import render_handover_list

        rows = [{"number": "41150220261121000001", "item": "林木采伐许可", "copies": "3"}]
        content = render_handover_list(
            rows=rows,
            columns=[("number", "办件编号"), ("item", "事项"), ("copies", "材料份数")],
            header=[("移交单位", "甲镇便民服务中心"), ("接收单位", "浉河区林业局")],
            issuer="甲镇便民服务中心",
        )
        text = pdf_text(content, tmp_path)
        for expected in (
            "移交清单",
            "甲镇便民服务中心",
            "浉河区林业局",
            "林木采伐许可",
            "共1件",
            "接收人（签字）",
        ):
            assert expected in text, expected


def test_the_seal_image_is_a_red_ring_with_a_star(office):
    from yichuang.documents.stamp import seal_png

    image = Image.open(io.BytesIO(seal_png("信阳市浉河区甲镇人民政府", "行政审批专用章", ""))).convert("RGBA")
    assert image.size == (420, 420)
    red, green, blue, alpha = image.getpixel((210, 210))  # the star's centre
    assert red > 200 and green < 10 and blue < 30 and alpha > 200
    assert image.getpixel((5, 5))[3] == 0  # transparent outside the ring


class TestTheSealRegistry:
    @pytest.fixture
    def root(self, office) -> Client:
        client = Client()
        client.force_login(
            f.StaffFactory(username="root2", role=Role.ADMIN, is_superuser=True, is_staff=True)
        )
        return client

    def test_the_registry_and_the_documents_open_in_the_admin(self, root, clerk):
        document = signed(clerk)
        seal = document.seal
        for page in (
            "/admin/documents/seal/",
            "/admin/documents/seal/add/",
            f"/admin/documents/seal/{seal.pk}/change/",
            "/admin/documents/document/",
            f"/admin/documents/document/{document.pk}/change/",
        ):
            response = root.get(page, {"q": "甲镇"} if page.endswith("seal/") else {})
            assert response.status_code == 200, page
        change = root.get(f"/admin/documents/seal/{seal.pk}/change/").content.decode()
        assert seal.fingerprint in change and "data:image/png;base64," in change
        assert seal.private_key not in change

    def test_a_seal_added_in_the_admin_gets_its_key_pair_and_can_be_revoked(self, office, root):
        response = root.post(
            "/admin/documents/seal/add/",
            {
                "code": "B-CJZ",
                "kind": SealKind.OUTPUT,
                "name": "乙镇便民服务中心出件专用章",
                "holder_name": "信阳市浉河区乙镇便民服务中心",
                "caption": "出件专用章",
                "point": office.points["center_b"].pk,
                "valid_from_0": "2026-01-01",
                "valid_from_1": "08:00:00",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        seal = Seal.objects.get(code="B-CJZ")
        assert len(seal.public_key) == 128 and seal.private_key.startswith("sm4cbc$")
        incomplete = root.post(
            "/admin/documents/seal/add/", {"code": "X", "kind": SealKind.OUTPUT, "name": "x"}
        )
        assert incomplete.status_code == 200 and not Seal.objects.filter(code="X").exists()
        root.post("/admin/documents/seal/", {"action": "revoke_now", "_selected_action": [seal.pk]})
        seal.refresh_from_db()
        assert seal.revoked_at is not None and not seal.valid_at(timezone.now())


class TestSealNumbers:
    """A numbered seal's number is printed in one pair of brackets after its name and under the star,
    however it was typed (a tester saw "…专用章（东双河镇）（（006））")."""

    DELEGATED_NAME = "浉河区行政审批服务局行政审批业务专用章（甲镇）"

    def decision(self, clerk, reviewer) -> Document:
        case = apply(clerk, "VET")
        act(reviewer, case["number"], "approve")
        return document_sign(document=documents(case["number"])[DocumentKind.APPROVAL_DECISION])

    def test_the_verify_page_shows_one_pair_of_brackets_for_a_number_stored_with_its_own(
        self, office, clerk, reviewer
    ):
        document = self.decision(clerk, reviewer)
        Seal.objects.filter(pk=document.seal_id).update(number="（001）")  # as the demo used to store it
        html = Client().get(f"/verify/{document.verify_code}").content.decode()
        assert f"{self.DELEGATED_NAME}（001）" in html
        assert "（（" not in html

    @pytest.mark.parametrize("typed", ["（006）", "(006)", " 006 ", "（（006））", "【006】", "００６"])
    def test_a_number_typed_in_any_brackets_is_stored_bare_and_shown_with_one_pair(self, office, typed):
        seal = office.seals["delegated_a"]
        seal.number = typed
        seal.full_clean()
        seal.save()
        seal.refresh_from_db()
        assert seal.number == "006"
        assert str(seal) == f"{self.DELEGATED_NAME}（006）"

    @pytest.mark.parametrize("stored", ["001", "（001）"])
    def test_the_stamp_prints_the_number_under_the_star_in_one_pair_of_brackets(self, stored):
        from yichuang.documents.stamp import seal_layout

        layout = seal_layout("信阳市浉河区行政审批服务局", "行政审批业务专用章", stored)
        assert "".join(g.char for g in layout.glyphs).endswith("行政审批业务专用章（001）")

    @needs_poppler
    def test_the_decision_letter_bears_the_number_once_bracketed(self, office, clerk, reviewer, tmp_path):
        document = self.decision(clerk, reviewer)
        text = pdf_text(document_content(document=document), tmp_path)
        assert "（001）" in text and "（（" not in text and "））" not in text

    def test_the_admin_lists_the_number_with_one_pair_of_brackets(self, office):
        Seal.objects.filter(code="A-YWZ").update(number="（001）")
        client = Client()
        client.force_login(
            f.StaffFactory(username="root3", role=Role.ADMIN, is_superuser=True, is_staff=True)
        )
        html = client.get("/admin/documents/seal/").content.decode()
        assert ">（001）<" in html and "（（001））" not in html


def test_an_unsealed_document_is_signed_again_once_a_new_seal_is_registered(
    office, clerk, django_capture_on_commit_callbacks
):
    from yichuang.documents.services import document_resign

    seal_revoke(seal=office.seals["approval_a"], reason="印章遗失")
    case = apply(clerk, "OWN")
    notice = document_sign(document=documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE])
    assert notice.status == DocumentStatus.UNSEALED
    new = seal_create(
        code="A-SPZ-2",
        kind=SealKind.APPROVAL,
        name="甲镇人民政府行政审批专用章",
        holder_name="信阳市浉河区甲镇人民政府",
        caption="行政审批专用章",
        department=office.departments["center_a"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        document_resign(document=notice)
    notice.refresh_from_db()
    assert (notice.status, notice.seal) == (DocumentStatus.SIGNED, new)
    assert 'data-genuine="true"' in Client().get(f"/verify/{notice.verify_code}").content.decode()


def test_the_staff_case_page_lists_the_documents_with_their_verify_links(office, clerk):
    case = apply(clerk, "OWN", provide=("M001",), commitments=["M010"], tolerated=["M020"])
    page = Client()
    page.force_login(office.staff["town_clerk"])
    html = page.get(f"/work/cases/{case['number']}/").content.decode()
    notice = documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE]
    assert "受理通知书" in html and "告知承诺书" in html
    assert f"/api/v1/documents/{notice.pk}/content/" in html and f"/verify/{notice.verify_code}" in html
    assert (
        page.get(f"/api/v1/documents/{notice.pk}/content/").status_code == 200
    )  # the staff session suffices


def test_a_document_signed_by_gmssl_before_the_switch_still_verifies_on_the_public_page(office, clerk):
    """Documents signed before gmalglib carry gmssl's signatures: the verify page still says genuine."""
    from tests.test_documents_crypto import _gmssl_sign
    from yichuang.documents.crypto import decrypt_private_key
    from yichuang.documents.selectors import signed_statement

    document = signed(clerk)
    seal = document.seal
    private_key = decrypt_private_key(seal.private_key, public_key=seal.public_key)
    statement = signed_statement(document, digest=document.sm3)
    document.signature = _gmssl_sign(private_key, seal.public_key, statement)
    document.save(update_fields=["signature"])
    page = Client().get(f"/verify/{document.verify_code}")
    assert page.status_code == 200 and 'data-genuine="true"' in page.content.decode()
    document.signature = _gmssl_sign(private_key, seal.public_key, statement + b"!")
    document.save(update_fields=["signature"])
    assert 'data-genuine="false"' in Client().get(f"/verify/{document.verify_code}").content.decode()


def test_the_documents_of_one_approval_go_to_the_worker_as_one_task_signed_with_one_commit(
    clerk, reviewer, django_capture_on_commit_callbacks, monkeypatch, django_assert_num_queries
):
    """Decision 149: the decision and the certificate an approval issues are one task for the worker
    (not one each), which reads them once, locks them once and commits once."""
    from yichuang.documents import services
    from yichuang.documents.selectors import verify_document
    from yichuang.documents.tasks import sign_document_task

    queued: list[Any] = []
    monkeypatch.setattr(services, "signs_in_process", lambda: False)  # as with REDIS_URL
    monkeypatch.setattr(sign_document_task, "delay", lambda ids: queued.append(ids))
    with django_capture_on_commit_callbacks(execute=True):
        case = apply(clerk, "OWN")
        act(reviewer, case["number"], "approve")
    issued = documents(case["number"])
    approval = [str(issued[DocumentKind.APPROVAL_DECISION].pk), str(issued[DocumentKind.CERTIFICATE].pk)]
    assert sorted(queued[-1]) == sorted(approval), "the approval's documents are one task"
    assert {d.status for d in issued.values()} == {DocumentStatus.PENDING}

    # The task's read, the lock of both rows and the write of both (a savepoint in a test: begin/commit).
    with django_assert_num_queries(5):
        sign_document_task.run(queued[-1])
    signed = documents(case["number"])
    for kind in (DocumentKind.APPROVAL_DECISION, DocumentKind.CERTIFICATE):
        assert signed[kind].status == DocumentStatus.SIGNED
        assert Client().get(f"/verify/{signed[kind].verify_code}").status_code == 200
        assert verify_document(signed[kind]).genuine
    # A task queued before decision 149 (one id) is still taken; a signed document is left alone.
    notice = signed[DocumentKind.ACCEPTANCE_NOTICE]
    assert sign_document_task.run(str(notice.pk)) == "signed"
    assert sign_document_task.run(approval) == "signed"
    assert (
        documents(case["number"])[DocumentKind.CERTIFICATE].signature
        == signed[DocumentKind.CERTIFICATE].signature
    )


def test_one_document_of_an_action_that_fails_to_render_leaves_the_others_signed(
    clerk, reviewer, monkeypatch
):
    from yichuang.documents import render
    from yichuang.documents.models import Document
    from yichuang.documents.services import documents_sign

    real = render.render_document

    def no_certificate(**kwargs: Any) -> bytes:
        if kwargs["kind"] == DocumentKind.CERTIFICATE:
            raise OSError("disk full")
        return real(**kwargs)

    case = apply(clerk, "OWN")
    act(reviewer, case["number"], "approve")  # a test's transaction never commits: nothing signed yet
    monkeypatch.setattr(render, "render_document", no_certificate)
    pending = list(
        Document.objects.filter(case__number=case["number"], status=DocumentStatus.PENDING).select_related(
            "seal"
        )
    )
    _signed, failed = documents_sign(documents=pending)
    issued = documents(case["number"])
    assert list(failed) == [str(issued[DocumentKind.CERTIFICATE].pk)]
    assert issued[DocumentKind.APPROVAL_DECISION].status == DocumentStatus.SIGNED
    assert issued[DocumentKind.CERTIFICATE].status == DocumentStatus.PENDING


def test_a_task_queue_that_refuses_the_documents_is_an_error_and_this_process_signs_them(
    clerk, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from kombu.exceptions import OperationalError

    from yichuang.documents import services
    from yichuang.documents.tasks import sign_document_task

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(services, "signs_in_process", lambda: False)  # as with REDIS_URL
    monkeypatch.setattr(sign_document_task, "delay", refuse)
    with (
        caplog.at_level("ERROR", logger="yichuang.documents.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        case = apply(clerk, "OWN")
    notice = documents(case["number"])[DocumentKind.ACCEPTANCE_NOTICE]
    assert notice.status == DocumentStatus.SIGNED
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("could not be handed to the task queue" in m for m in errors)
    assert any("signed by this process instead" in m for m in errors)


def test_the_documents_app_imports_none_of_its_owners():
    """Cases and handover lists compose their documents and register their rules; the documents app
    below them never imports them back (no circle cases ⇄ documents ⇄ handover)."""
    import ast

    from yichuang import documents as package

    owners = ("yichuang.cases", "yichuang.handover")
    found = []
    for path in Path(package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [f"{path.name}: {name}" for name in names if name.startswith(owners)]
    assert found == []
