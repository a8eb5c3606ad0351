"""Material files: checked by content, stored whole or not at all, read only inside the caller's scope."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import uuid
import zipfile
import zlib
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from PIL import Image
from rest_framework import exceptions
from rest_framework.test import APIClient

from tests import factories as f
from yichuang.files import selectors
from yichuang.files.models import StoredFile
from yichuang.files.services import FileTooLarge, clean_file_name, file_max_bytes, file_store
from yichuang.org.models import Role

UPLOAD_URL = reverse("v1:file-list")


# --- Real, tiny files of each accepted type -------------------------------------------------------


def tiny_pdf(padding: int = 0) -> bytes:
    """A one-page PDF with a correct cross-reference table; ``padding`` bytes of comment after the
    header make it as large as a test needs while it stays a whole PDF."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    if padding:
        out.write(b"%" + b"x" * max(padding - 2, 0) + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def damaged_xref_pdf() -> bytes:
    """An old scanner's PDF: its pages are all there, its cross-reference offsets are wrong (a reader
    finds the objects by scanning, as pypdf and every viewer do): damaged but readable, accepted."""
    whole = tiny_pdf()
    return re.sub(rb"\d{10} 00000 n", b"0000000000 00000 n", whole).replace(
        b"startxref\n" + whole.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0], b"startxref\n0"
    )


def tiny_png() -> bytes:
    """A real 1×1 white RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def tiny_jpeg() -> bytes:
    """A real 16×16 JPEG, as a camera or scanner writes one."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, "JPEG", quality=90)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header (with a correct checksum) claims ``width``×``height`` pixels over one tiny
    compressed row: the shape of a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def reportlab_pdf() -> bytes:
    """A PDF as the platform itself writes them (reportlab), with a line of Chinese."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Application form")
    page.showPage()
    page.save()
    return out.getvalue()


def zip_of(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def tiny_ofd() -> bytes:
    return zip_of(
        {
            "OFD.xml": b'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" '
            b'Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'
            b"</ofd:DocBody></ofd:OFD>",
            "Doc_0/Document.xml": b'<?xml version="1.0" encoding="UTF-8"?><ofd:Document/>',
        }
    )


EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode."
)
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


# --- Helpers -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def upload(client: APIClient, name: str, content: bytes, claimed: str = "application/pdf") -> Any:
    return client.post(
        UPLOAD_URL, {"file": SimpleUploadedFile(name, content, content_type=claimed)}, format="multipart"
    )


def detail_url(file_id: Any) -> str:
    return reverse("v1:file-detail", kwargs={"id": str(file_id)})


def content_url(file_id: Any) -> str:
    return reverse("v1:file-content", kwargs={"id": str(file_id)})


def read(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# --- Accepted by content -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "content_type", "extension"),
    [
        ("申请表.pdf", tiny_pdf, "application/pdf", ".pdf"),
        ("身份证正面.jpg", tiny_jpeg, "image/jpeg", ".jpg"),
        ("户口簿.png", tiny_png, "image/png", ".png"),
        ("电子证照.ofd", tiny_ofd, "application/ofd", ".ofd"),
        ("营业执照.pdf", reportlab_pdf, "application/pdf", ".pdf"),
        ("旧扫描件.pdf", damaged_xref_pdf, "application/pdf", ".pdf"),
    ],
)
def test_the_town_clerk_uploads_each_accepted_type(world, media, name, make, content_type, extension):
    content = make()

    response = upload(
        client_for(world.staff["town_clerk"]), name, content, claimed="application/octet-stream"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {"id", "name", "size", "content_type", "digest"}
    assert body["name"] == name
    assert body["size"] == len(content)
    assert body["content_type"] == content_type
    assert body["digest"] == hashlib.sha256(content).hexdigest()
    stored = StoredFile.objects.get(pk=body["id"])
    assert stored.uploaded_by == world.staff["town_clerk"]
    assert stored.point == world.points["center_a"]
    assert stored.region == world.regions["town_a"]
    path = Path(stored.file.path)
    assert path.is_relative_to(media)
    assert stored.file.name.startswith("uploads/")
    assert path.suffix == extension
    assert name.split(".")[0] not in str(path), "no personal data in the storage path"
    assert path.read_bytes() == content


def test_a_png_named_pdf_is_stored_as_png(world):
    response = upload(client_for(world.staff["agent"]), "扫描件.pdf", tiny_png(), claimed="application/pdf")

    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"
    stored = StoredFile.objects.get(pk=response.json()["id"])
    assert stored.file.name.endswith(".png")
    assert stored.download_name == "扫描件.pdf.png"


def test_the_file_name_loses_its_path_and_control_characters_but_keeps_its_chinese():
    assert clean_file_name("C:\\Users\\张三\\身份证 正面.jpg", "image/jpeg") == "身份证 正面.jpg"
    assert clean_file_name("../../etc/户口簿.png", "image/png") == "户口簿.png"
    assert clean_file_name("申请\u202egpj.exe", "application/pdf") == "申请gpj.exe"
    assert clean_file_name("..", "application/pdf") == "材料.pdf"
    long_name = clean_file_name("长" * 300 + ".pdf", "application/pdf")
    assert len(long_name) == 255
    assert long_name.endswith(".pdf")


# --- Refused -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(EXE, id="exe"),
        pytest.param(HTML, id="html"),
        pytest.param(zip_of({"word/document.xml": b"<w/>"}), id="zip-without-ofd-xml"),
        pytest.param(zip_of({"Doc_0/OFD.xml": b"<ofd/>"}), id="ofd-xml-not-at-root"),
        pytest.param(b"PK\x03\x04 not really a zip", id="broken-zip"),
        pytest.param(b"GIF89a\x01\x00\x01\x00", id="gif"),
        pytest.param(zip_of({"OFD.xml": b""}), id="empty-ofd-xml"),
        pytest.param(zip_of({"OFD.xml": b"<ofd:OFD xmlns:ofd='x'><unclosed>"}), id="ofd-xml-not-xml"),
        pytest.param(zip_of({"OFD.xml": b"<ofd:OFD xmlns:ofd='x'/>"}), id="ofd-without-docbody"),
        pytest.param(zip_of({"OFD.xml": b"<html><DocBody/></html>"}), id="xml-that-is-not-ofd"),
        pytest.param(
            zip_of({"OFD.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><OFD><DocBody>&a;</DocBody></OFD>'}),
            id="ofd-xml-with-entities",
        ),
    ],
)
def test_content_that_is_not_pdf_jpeg_png_or_ofd_is_refused_whatever_its_name(world, media, content):
    response = upload(client_for(world.staff["town_clerk"]), "申请表.pdf", content)

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    assert response.json()["detail"]
    assert StoredFile.objects.count() == 0
    assert stored_files(media) == []


def refused(response: Any, media: Path) -> str:
    assert response.status_code == 415, response.content
    assert response.json()["code"] == "unsupported_file_type"
    assert StoredFile.objects.count() == 0
    assert stored_files(media) == []
    return str(response.json()["detail"])


def test_a_file_that_only_begins_like_a_pdf_is_refused(world, media):
    response = upload(client_for(world.staff["town_clerk"]), "申请表.pdf", b"%PDF-1.4\n garbage")

    assert "PDF文件不完整或已损坏" in refused(response, media)


def test_a_file_with_the_words_of_a_pdf_and_nothing_else_is_refused(world, media):
    """Issue 15: 33 bytes that begin and end like a PDF; a reader finds no document in them."""
    response = upload(
        client_for(world.staff["town_clerk"]), "申请表.pdf", b"%PDF-1.4 hello startxref 0 %%EOF"
    )

    assert "PDF文件不完整或已损坏" in refused(response, media)


def test_a_pdf_whose_pages_cannot_be_found_is_refused(world, media):
    whole = tiny_pdf().replace(b"/Type /Pages /Kids [3 0 R]", b"/Type /Pages /Kids [9 0 R]")

    response = upload(client_for(world.staff["town_clerk"]), "申请表.pdf", whole)

    assert "PDF文件不完整或已损坏" in refused(response, media)


def test_a_pdf_cut_off_in_transfer_is_refused(world, media):
    whole = tiny_pdf()

    response = upload(client_for(world.staff["town_clerk"]), "申请表.pdf", whole[: len(whole) // 2])

    assert "PDF文件不完整或已损坏" in refused(response, media)


def test_a_png_signature_followed_by_zeros_up_to_the_limit_is_refused(world, media):
    content = b"\x89PNG\r\n\x1a\n" + bytes(20 * 1024 * 1024 - 8)

    response = upload(client_for(world.staff["town_clerk"]), "户口簿.png", content, claimed="image/png")

    assert "图片文件已损坏或不完整" in refused(response, media)


def test_a_png_cut_off_before_its_end_is_refused(world, media):
    whole = tiny_png()

    response = upload(client_for(world.staff["town_clerk"]), "户口簿.png", whole[:-12], claimed="image/png")

    assert "图片文件已损坏或不完整" in refused(response, media)


def test_a_jpeg_cut_off_in_transfer_is_refused(world, media):
    out = io.BytesIO()
    Image.effect_noise((400, 400), 60).convert("RGB").save(out, "JPEG")
    whole = out.getvalue()

    response = upload(client_for(world.staff["town_clerk"]), "身份证.jpg", whole[: len(whole) // 3])

    assert "图片文件已损坏或不完整" in refused(response, media)


def test_a_jpeg_signature_with_nothing_behind_it_is_refused(world, media):
    response = upload(client_for(world.staff["town_clerk"]), "身份证.jpg", b"\xff\xd8\xff\xe0" + bytes(100))

    assert "图片文件已损坏或不完整" in refused(response, media)


def test_a_small_png_claiming_billions_of_pixels_is_refused_before_anything_is_decoded(world, media):
    response = upload(client_for(world.staff["town_clerk"]), "炸弹.png", png_claiming(50_000, 50_000))

    assert "图片像素过多，请缩小到8000万像素以内" in refused(response, media)


def test_the_pixel_limit_is_80_million(world, media):
    clerk = client_for(world.staff["town_clerk"])
    response = upload(clerk, "扫描件.png", png_claiming(8000, 10_001))

    assert "图片像素过多（8000×10001），请缩小到8000万像素以内" in refused(response, media)
    assert upload(clerk, "扫描件.png", png_claiming(8000, 10_000)).status_code == 201


def test_a_setting_lowers_the_pixel_limit(world, settings, media):
    settings.FILE_MAX_IMAGE_PIXELS = 1_000_000
    response = upload(client_for(world.staff["town_clerk"]), "照片.png", png_claiming(1001, 1000))

    assert "请缩小到100万像素以内" in refused(response, media)


def test_a_phone_photo_with_data_after_its_end_marker_is_accepted(world):
    # Some phones append a short video after the JPEG's end (motion photos): the picture is whole.
    content = tiny_jpeg() + b"ftypmp42" + bytes(2000)

    response = upload(client_for(world.staff["town_clerk"]), "照片.jpg", content, claimed="image/jpeg")

    assert response.status_code == 201
    assert response.json()["content_type"] == "image/jpeg"


def test_a_file_over_the_limit_is_refused_with_413(world, settings, media):
    settings.FILE_MAX_BYTES = 1024
    content = tiny_pdf() + b"%" * 2000

    response = upload(client_for(world.staff["town_clerk"]), "大文件.pdf", content)

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert StoredFile.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(5_000, id="parser-stops-at-the-limit"),
        pytest.param(200_000, id="declared-length-refused-before-reading"),
    ],
)
def test_an_oversized_upload_never_reaches_the_service(world, settings, media, extra):
    settings.FILE_MAX_BYTES = 1024
    client = client_for(world.staff["town_clerk"])

    with mock.patch("yichuang.files.api.file_store") as store:
        response = upload(client, "大文件.pdf", tiny_pdf() + b"%" * extra)

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    store.assert_not_called()
    assert stored_files(media) == []


def test_a_file_exactly_at_the_limit_is_accepted(world, settings):
    settings.FILE_MAX_BYTES = 1024
    content = tiny_pdf(padding=1024 - len(tiny_pdf()))
    assert len(content) == 1024

    response = upload(client_for(world.staff["town_clerk"]), "申请表.pdf", content)

    assert response.status_code == 201
    assert response.json()["size"] == 1024


def test_the_service_itself_refuses_a_file_over_the_limit(world, settings):
    settings.FILE_MAX_BYTES = 1024
    with pytest.raises(FileTooLarge):
        file_store(
            upload=SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 2000), actor=world.staff["town_clerk"]
        )


def test_the_default_limit_is_20_mib(settings):
    if hasattr(settings, "FILE_MAX_BYTES"):
        del settings.FILE_MAX_BYTES
    assert file_max_bytes() == 20 * 1024 * 1024


def test_an_empty_file_is_refused_with_400(world, media):
    response = upload(client_for(world.staff["town_clerk"]), "空.pdf", b"")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "file" in response.json()["fields"]
    with pytest.raises(exceptions.ValidationError):
        file_store(upload=SimpleUploadedFile("空.pdf", b""), actor=world.staff["town_clerk"])
    assert stored_files(media) == []


def test_a_request_without_the_file_field_is_refused_with_400(world):
    response = client_for(world.staff["town_clerk"]).post(UPLOAD_URL, {"other": "x"}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "file" in response.json()["fields"]


def test_uploading_needs_a_login(db):
    response = upload(APIClient(), "申请表.pdf", tiny_pdf())

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_bearer_token_works_for_uploads(world):
    from yichuang.org.tokens import token_issue

    token = token_issue(user=world.staff["agent"])[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert upload(client, "申请表.pdf", tiny_pdf()).status_code == 201


def test_a_supervisor_only_looks_and_cannot_upload(world):
    response = upload(client_for(world.staff["supervisor"]), "申请表.pdf", tiny_pdf())

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


# --- Nothing half-stored -----------------------------------------------------------------------


def test_a_failed_insert_leaves_no_file_on_disk(world, media):
    with (
        mock.patch.object(StoredFile, "save", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        file_store(upload=SimpleUploadedFile("申请表.pdf", tiny_pdf()), actor=world.staff["town_clerk"])

    assert StoredFile.objects.count() == 0
    assert stored_files(media) == []


def test_a_temporary_upload_on_disk_is_stored_too(world, settings, media):
    # Above FILE_UPLOAD_MAX_MEMORY_SIZE Django spools the upload to a temporary file.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    content = tiny_pdf(padding=5000)

    response = upload(client_for(world.staff["town_clerk"]), "申请表.pdf", content)

    assert response.status_code == 201
    assert response.json()["digest"] == hashlib.sha256(content).hexdigest()
    assert Path(StoredFile.objects.get().file.path).read_bytes() == content


# --- Reading inside the scope only -------------------------------------------------------------


@pytest.fixture
def agent_file(world) -> dict[str, Any]:
    """A PDF the village agent of 甲镇1村 uploaded."""
    response = upload(client_for(world.staff["agent"]), "张三 申请表.pdf", tiny_pdf())
    assert response.status_code == 201
    return response.json()


@pytest.mark.parametrize("who", ["agent", "town_clerk", "reviewer", "hall_clerk", "supervisor", "admin"])
def test_the_uploader_and_staff_above_his_village_read_the_file(world, agent_file, who):
    client = client_for(world.staff[who])

    meta = client.get(detail_url(agent_file["id"]))
    content = client.get(content_url(agent_file["id"]))

    assert meta.status_code == 200
    assert meta.json() == agent_file
    assert content.status_code == 200
    assert read(content) == tiny_pdf()


def test_the_content_is_served_as_a_download_with_its_detected_type(world, agent_file):
    response = client_for(world.staff["town_clerk"]).get(content_url(agent_file["id"]), HTTP_ACCEPT="image/*")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(tiny_pdf()))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%BC%A0%E4%B8%89%20%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf" in disposition
    assert 'filename="' in disposition
    assert "private" in response["Cache-Control"]


@pytest.fixture
def other_agent(world) -> Any:
    return f.StaffFactory(
        username="agent_b1",
        role=Role.VILLAGE_AGENT,
        point=world.points["station_b1"],
        region=world.regions["village_b1"],
    )


@pytest.mark.parametrize("who", ["other_clerk", "other_agent", "bank_clerk"])
def test_staff_outside_the_scope_get_404(world, agent_file, other_agent, who):
    user = other_agent if who == "other_agent" else world.staff[who]
    client = client_for(user)

    for url in (detail_url(agent_file["id"]), content_url(agent_file["id"])):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_a_village_agent_does_not_see_what_the_town_clerk_uploaded(world):
    town_file = upload(client_for(world.staff["town_clerk"]), "镇里的.pdf", tiny_pdf()).json()

    assert client_for(world.staff["agent"]).get(detail_url(town_file["id"])).status_code == 404
    assert client_for(world.staff["hall_clerk"]).get(detail_url(town_file["id"])).status_code == 200


def test_a_bank_clerk_file_belongs_to_the_town_of_his_outlet(world):
    bank_file = upload(client_for(world.staff["bank_clerk"]), "银行代收.pdf", tiny_pdf()).json()

    assert StoredFile.objects.get(pk=bank_file["id"]).region == world.regions["town_a"]
    assert client_for(world.staff["bank_clerk"]).get(detail_url(bank_file["id"])).status_code == 200
    assert client_for(world.staff["town_clerk"]).get(detail_url(bank_file["id"])).status_code == 200
    assert client_for(world.staff["other_clerk"]).get(detail_url(bank_file["id"])).status_code == 404


def test_the_uploader_keeps_access_after_moving_to_another_town(world, agent_file):
    agent = world.staff["agent"]
    agent.point = world.points["station_b1"]
    agent.region = world.regions["village_b1"]
    agent.save()

    assert client_for(agent).get(detail_url(agent_file["id"])).status_code == 200


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "%E4%B8%AD", "x" * 300])
def test_an_id_that_is_no_uuid_answers_404_json(world, bad_id):
    client = client_for(world.staff["admin"])

    for url in (f"{UPLOAD_URL}{bad_id}/", f"{UPLOAD_URL}{bad_id}/content/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_an_unknown_uuid_answers_404(world):
    response = client_for(world.staff["admin"]).get(detail_url(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_reading_needs_a_login(world, agent_file):
    assert APIClient().get(detail_url(agent_file["id"])).status_code == 401
    assert APIClient().get(content_url(agent_file["id"])).status_code == 401


def test_another_app_can_widen_visibility(world, agent_file, monkeypatch):
    monkeypatch.setattr(selectors, "_visibility_rules", [])
    other = world.staff["other_clerk"]
    assert not selectors.files_for(other).exists()

    selectors.register_file_visibility(lambda user: Q(name__startswith="张三"))

    assert str(selectors.file_get_for(user=other, file_id=agent_file["id"]).pk) == agent_file["id"]
    assert list(selectors.files_for(other)) == [StoredFile.objects.get()]


# --- Admin and schema --------------------------------------------------------------------------


def test_the_admin_lists_files_read_only(world, agent_file):
    client = Client()
    client.force_login(world.staff["admin"])

    listing = client.get(reverse("admin:files_storedfile_changelist"))
    change = client.get(reverse("admin:files_storedfile_change", args=[agent_file["id"]]))

    assert listing.status_code == 200
    assert "张三 申请表.pdf" in listing.content.decode()
    assert change.status_code == 200
    assert client.get(reverse("admin:files_storedfile_add")).status_code == 403


def test_the_schema_documents_the_file_endpoints():
    text = (Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml").read_text(encoding="utf-8")
    for path in ("/api/v1/files/", "/api/v1/files/{id}/", "/api/v1/files/{id}/content/"):
        assert f"  {path}:" in text, path
