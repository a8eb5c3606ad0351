"""A handover list, once sent, is a sealed document: stamped by the sending unit, signed (SM3 digest,
SM2 signature) and verifiable on the public page; the receiver's confirmation is a sealed receipt
(回执) of the receiving unit. A draft prints unsealed, marked 草稿."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from tests.seal_cast import make_seals
from tests.test_documents import needs_poppler, pdf_text
from tests.test_handover import (  # noqa: F401  (county: the fixture of the handover tests)
    _at_once,
    accepted,
    act,
    client_for,
    county,
    make_list,
    sent_list,
)
from yichuang.cases import services as case_services
from yichuang.documents.crypto import sm3_hex
from yichuang.documents.models import Document, DocumentKind, DocumentStatus, Seal
from yichuang.documents.services import document_content, document_sign, seal_revoke
from yichuang.handover.models import Handover

pytestmark = pytest.mark.django_db

PDF = "application/pdf"


@pytest.fixture
def sealed(county):  # noqa: F811  (the fixture, imported above)
    """The handover cast with the county's seals: the civil-affairs bureau's, town A's 行政审批专用章 and
    its numbered 业务专用章, and the 出件专用章 of town A's center."""
    county.seals = make_seals(county, "civil", "approval_a", "delegated_a", "output_a")  # type: ignore[attr-defined]
    return county


@pytest.fixture
def clerk(sealed) -> APIClient:
    return client_for(sealed.staff["town_clerk"])


@pytest.fixture
def bureau(sealed) -> APIClient:
    return client_for(sealed.staff["county_reviewer"])


def the_document(number: str, kind: str = DocumentKind.HANDOVER_LIST) -> Document:
    return Document.objects.select_related("seal").get(handover__number=number, kind=kind)


def pdf_of(client: APIClient, number: str) -> bytes:
    response = client.get(f"/api/v1/handovers/{number}/pdf/", HTTP_ACCEPT=PDF)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == PDF
    return b"".join(response.streaming_content)


def verify_page(code: str, **upload: bytes) -> str:
    client = Client()
    if upload:
        return client.post(
            f"/verify/{code}", {"file": SimpleUploadedFile("list.pdf", upload["copy"])}
        ).content.decode()
    return client.get(f"/verify/{code}").content.decode()


def genuine(html: str) -> bool:
    assert ('data-genuine="true"' in html) != ('data-genuine="false"' in html)
    return 'data-genuine="true"' in html


def red_pixels(content: bytes, tmp_path: Path) -> int:
    path = tmp_path / "list.pdf"
    path.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    assert page.width > 400 and page.height > 600
    pixels = page.tobytes()
    return sum(
        1 for i in range(0, len(pixels), 3) if pixels[i] > 180 and pixels[i + 1] < 80 and pixels[i + 2] < 80
    )


class TestTheSentListIsASealedDocument:
    def test_sending_issues_the_list_stamped_with_the_sending_centers_output_seal(self, sealed, clerk):
        cases = [accepted(sealed), accepted(sealed)]
        body = sent_list(clerk, cases)
        [listed] = body["documents"]
        document = the_document(body["number"])
        assert listed == {
            "id": str(document.pk),
            "type": "handover_list",
            "url": f"/api/v1/documents/{document.pk}/content/",
            "verify_code": document.verify_code,
        }
        assert document.seal == sealed.seals["output_a"] and document.title == "移交清单"
        assert clerk.get(f"/api/v1/handovers/{body['number']}/").json()["documents"] == [listed]

    def test_the_cases_keep_their_own_documents_and_the_list_is_not_among_them(self, sealed, clerk):
        case = accepted(sealed)
        sent_list(clerk, [case])
        types = [d["type"] for d in clerk.get(f"/api/v1/cases/{case.number}/").json()["documents"]]
        assert "handover_list" not in types and "acceptance_notice" in types

    @needs_poppler
    def test_the_pdf_reads_in_chinese_renders_with_the_red_seal_and_verifies_as_genuine(
        self, sealed, clerk, tmp_path
    ):
        cases = [accepted(sealed), accepted(sealed)]
        number = sent_list(clerk, cases)["number"]
        content = pdf_of(clerk, number)
        document = the_document(number)
        text = pdf_text(content, tmp_path)
        code = "-".join(document.verify_code[i : i + 4] for i in range(0, 16, 4))
        for expected in (
            "移交清单",
            number,
            "甲镇便民服务中心",
            "浉河区民政局",
            cases[0].number,
            cases[1].number,
            "困难残疾人生活补贴申请",
            "原件1份",
            "共2件",
            "138****0000",
            "信阳市浉河区甲镇便民服务中心",
            code,
        ):
            assert expected in text, expected
        assert "13812340000" not in text and "李金" + "1" not in text  # phones and names masked
        assert "草稿" not in text
        assert red_pixels(content, tmp_path) > 300, "the seal is stamped in red"
        html = verify_page(document.verify_code)
        assert genuine(html)
        for expected in (
            number,
            "甲镇便民服务中心",
            "浉河区民政局",
            "甲镇便民服务中心出件专用章",
            "信阳市浉河区甲镇便民服务中心",
        ):
            assert expected in html, expected
        for personal in ("王芳", "13812340000", "138****0000", cases[0].applicant_name, cases[0].number):
            assert personal not in html, personal

    def test_the_list_pdf_is_the_same_stored_bytes_every_time_and_they_are_what_was_signed(
        self, sealed, clerk
    ):
        number = sent_list(clerk, [accepted(sealed)])["number"]
        first, second = pdf_of(clerk, number), pdf_of(clerk, number)
        document = the_document(number)
        assert first == second
        assert document.status == DocumentStatus.SIGNED and sm3_hex(first) == document.sm3
        assert hashlib.sha256(first).digest() == hashlib.sha256(document_content(document=document)).digest()

    def test_a_changed_byte_in_the_stored_file_fails_verification(self, sealed, clerk):
        number = sent_list(clerk, [accepted(sealed)])["number"]
        pdf_of(clerk, number)
        document = the_document(number)
        path = Path(document.file.path)
        content = bytearray(path.read_bytes())
        content[len(content) // 2] ^= 0x01
        path.write_bytes(bytes(content))
        html = verify_page(document.verify_code)
        assert not genuine(html) and "文件已被改动" in html

    def test_a_copy_with_one_changed_byte_is_told_apart_from_the_signed_file(self, sealed, clerk):
        number = sent_list(clerk, [accepted(sealed)])["number"]
        original = pdf_of(clerk, number)
        code = the_document(number).verify_code
        assert genuine(verify_page(code, copy=original))
        changed = bytearray(original)
        changed[200] ^= 0x20
        html = verify_page(code, copy=bytes(changed))
        assert not genuine(html) and "与存档文件不一致" in html

    def test_a_forged_code_is_not_genuine(self, sealed, clerk):
        number = sent_list(clerk, [accepted(sealed)])["number"]
        real = the_document(number).verify_code
        forged = real[:-1] + ("0" if real[-1] != "0" else "1")
        page = Client().get(f"/verify/{forged}")
        assert page.status_code == 404
        assert not genuine(page.content.decode()) and "验证码不存在" in page.content.decode()

    def test_a_seal_revoked_before_the_signing_time_makes_the_list_not_genuine(self, sealed, clerk):
        number = sent_list(clerk, [accepted(sealed)])["number"]
        document = document_sign(document=the_document(number))
        Seal.objects.filter(pk=sealed.seals["output_a"].pk).update(
            revoked_at=document.signed_at - timezone.timedelta(minutes=1)
        )
        html = verify_page(document.verify_code)
        assert not genuine(html) and "停用后签章的文书无效" in html

    def test_a_list_number_or_unit_changed_in_the_database_fails_the_signature(self, sealed, clerk):
        number = sent_list(clerk, [accepted(sealed)])["number"]
        document = document_sign(document=the_document(number))
        data = dict(document.data)
        data["handover"] = {**data["handover"], "to_unit": {**data["handover"]["to_unit"], "ref": "point:CB"}}
        Document.objects.filter(pk=document.pk).update(data=data)
        html = verify_page(document.verify_code)
        assert not genuine(html) and "SM2 签名验证失败" in html

    def test_the_sealed_list_is_read_within_the_lists_scope(self, sealed, clerk, bureau):
        number = sent_list(clerk, [accepted(sealed)])["number"]
        url = clerk.get(f"/api/v1/handovers/{number}/").json()["documents"][0]["url"]
        assert clerk.get(url).status_code == 200
        assert bureau.get(url).status_code == 200  # the receiving bureau
        assert bureau.get(f"/api/v1/handovers/{number}/pdf/").status_code == 200
        info = bureau.get(url.replace("content/", "")).json()
        assert info["handover"] == number and info["case"] is None and info["type"] == "handover_list"
        for outsider in ("other_clerk", "agent"):
            stranger = client_for(sealed.staff[outsider])
            assert stranger.get(url).status_code == 404
            assert stranger.get(f"/api/v1/handovers/{number}/pdf/").status_code == 404
        assert APIClient().get(url).status_code == 401


class TestWhichUnitSeals:
    def test_the_county_bureau_returning_results_stamps_with_its_own_seal(self, sealed, bureau):
        case = accepted(sealed)
        case_services.case_approve(case=case, actor=sealed.staff["county_reviewer"])
        number = make_list(bureau, [case], to={"kind": "point", "code": "CA"}).json()["number"]
        assert act(bureau, number, "send").status_code == 200
        assert the_document(number).seal == sealed.seals["civil"]

    def test_the_towns_approval_center_stamps_with_the_towns_approval_seal_not_the_numbered_one(self, sealed):
        case = accepted(sealed, item="own")
        reviewer = sealed.staff["reviewer"]
        case_services.case_approve(case=case, actor=reviewer)
        town = client_for(reviewer)
        to_center = {"kind": "point", "code": "CA"}
        number = make_list(town, [case], to=to_center, contact_phone="0376-6221234").json()["number"]
        assert act(town, number, "send").status_code == 200
        assert the_document(number).seal == sealed.seals["approval_a"]

    def test_a_village_station_without_a_seal_of_its_own_uses_its_town_centers_output_seal(self, sealed):
        case = accepted(sealed, point="station_a1")
        agent = client_for(sealed.staff["agent"])
        to_center = {"kind": "point", "code": "CA"}
        number = make_list(agent, [case], to=to_center, contact_phone="13900000001").json()["number"]
        assert act(agent, number, "send").status_code == 200
        assert the_document(number).seal == sealed.seals["output_a"]

    def test_without_a_seal_in_force_the_list_is_stored_unsealed_and_never_verifies(self, sealed, clerk):
        seal_revoke(seal=sealed.seals["output_a"], reason="印章遗失")
        number = sent_list(clerk, [accepted(sealed)])["number"]
        assert pdf_of(clerk, number).startswith(b"%PDF")
        document = the_document(number)
        assert document.status == DocumentStatus.UNSEALED and document.seal is None
        html = verify_page(document.verify_code)
        assert not genuine(html) and "未加盖电子印章" in html


class TestTheReceipt:
    @needs_poppler
    def test_confirming_issues_a_receipt_sealed_by_the_receiving_bureau(
        self, sealed, clerk, bureau, tmp_path
    ):
        present, lost = accepted(sealed), accepted(sealed)
        number = sent_list(clerk, [present, lost])["number"]
        body = act(
            bureau,
            number,
            "confirm",
            note="已清点",
            entries=[{"case": lost.number, "state": "missing", "note": "未见户口簿原件"}],
        ).json()
        assert [d["type"] for d in body["documents"]] == ["handover_list", "handover_receipt"]
        receipt = the_document(number, DocumentKind.HANDOVER_RECEIPT)
        assert receipt.seal == sealed.seals["civil"] and receipt.title == "移交清单回执"
        text = pdf_text(document_content(document=receipt), tmp_path)
        for expected in (
            "移交清单回执",
            number,
            "部分接收",
            present.number,
            lost.number,
            "缺失",
            "未见户口簿原件",
            "已清点",
            "共2件：已接收1件，缺失1件。",
            "信阳市浉河区民政局",
        ):
            assert expected in text, expected
        html = verify_page(receipt.verify_code)
        # when it was received is the receipt's signing time (the only time the signature covers)
        assert genuine(html) and "签章时间" in html and number in html and "浉河区民政局" in html
        assert "张伟" not in html  # the receiver's name stays on the paper

    def test_the_list_as_sent_stays_the_document_the_pdf_answers_with_after_confirmation(
        self, sealed, clerk, bureau
    ):
        number = sent_list(clerk, [accepted(sealed)])["number"]
        before = pdf_of(clerk, number)
        act(bureau, number, "confirm")
        assert pdf_of(clerk, number) == before
        assert genuine(verify_page(the_document(number).verify_code))


class TestTheDraft:
    @needs_poppler
    def test_a_draft_prints_marked_as_such_without_seal_or_verify_code(self, sealed, clerk, tmp_path):
        case = accepted(sealed)
        number = make_list(clerk, [case]).json()["number"]
        content = pdf_of(clerk, number)
        text = pdf_text(content, tmp_path)
        assert "移交清单（草稿）" in text and "草稿" in text and case.number in text
        assert "未加盖电子印章" in text and "验证码" not in text
        assert red_pixels(content, tmp_path) < 50, "no seal on a draft"
        assert not Document.objects.filter(handover__number=number).exists()
        assert clerk.get(f"/api/v1/handovers/{number}/").json()["documents"] == []

    @needs_poppler
    def test_a_cancelled_list_prints_as_cancelled_and_is_never_sealed(self, sealed, clerk, tmp_path):
        number = make_list(clerk, [accepted(sealed)]).json()["number"]
        act(clerk, number, "cancel")
        assert "已作废" in pdf_text(pdf_of(clerk, number), tmp_path)
        assert not Document.objects.filter(handover__number=number).exists()


def test_a_list_sent_before_lists_were_sealed_gets_its_document_on_first_request(sealed, clerk, bureau):
    number = sent_list(clerk, [accepted(sealed)])["number"]
    act(bureau, number, "confirm")
    Document.objects.filter(handover__number=number).delete()
    content = pdf_of(clerk, number)
    document = the_document(number)
    assert sm3_hex(content) == document.sm3 and genuine(verify_page(document.verify_code))
    assert the_document(number, DocumentKind.HANDOVER_RECEIPT).seal == sealed.seals["civil"]


def test_a_document_belongs_to_a_case_or_a_list_never_both_nor_neither(sealed, clerk):
    case = accepted(sealed)
    handover = Handover.objects.get(number=sent_list(clerk, [case])["number"])
    for owners in ({"case": case, "handover": handover}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Document.objects.create(
                kind=DocumentKind.HANDOVER_LIST, title="移交清单", verify_code="X", **owners
            )


@pytest.mark.django_db(transaction=True)
def test_a_list_sent_twice_at_once_issues_exactly_one_document(sealed):
    """A double click on "移交" (two requests of the same clerk at the same moment)."""
    cases = [accepted(sealed), accepted(sealed)]
    number = make_list(client_for(sealed.staff["town_clerk"]), cases).json()["number"]
    clients = [client_for(sealed.staff["town_clerk"]) for _ in range(2)]
    codes = _at_once([lambda c=c: act(c, number, "send").status_code for c in clients])
    assert sorted(codes) == [200, 409]
    [document] = Document.objects.filter(handover__number=number)
    assert document.kind == DocumentKind.HANDOVER_LIST
    assert document.status == DocumentStatus.SIGNED  # signed after the winner committed
    assert genuine(verify_page(document.verify_code))


def test_the_admin_finds_a_lists_documents_by_its_number(sealed, clerk):
    number = sent_list(clerk, [accepted(sealed)])["number"]
    document = the_document(number)
    admin = Client()
    admin.force_login(sealed.staff["admin"])
    found = admin.get("/admin/documents/document/", {"q": number}).content.decode()
    assert document.verify_code in found and "移交清单" in found
    assert admin.get(f"/admin/documents/document/{document.pk}/change/").status_code == 200
