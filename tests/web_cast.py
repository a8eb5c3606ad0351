"""What the page tests and the browser tests share: the applicant, a scan, cases made through the services."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories as f
from yichuang.cases import services
from yichuang.cases.models import Case
from yichuang.cases.services import ApplicantInput, MaterialInput
from yichuang.catalog.models import ServiceItem
from yichuang.common.identity import resident_id_check_char
from yichuang.files.samples import BLANK_PDF
from yichuang.files.services import file_store

FIRST17 = "41150219480302102"
ID_NUMBER = FIRST17 + resident_id_check_char(FIRST17)
WRONG_ID = FIRST17 + ("0" if ID_NUMBER[-1] != "0" else "1")
PHONE = "13907761234"
NAME = "王秀兰"
PDF = BLANK_PDF
# A real 1×1 white PNG (checksums right: the upload check verifies every chunk), for a screenshot
# of a "photographed" page.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8ffffff7f0009fb03fd2a86e38a0000000049454e44ae426082"
)


def scan(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def make_case(
    world: Any,
    *,
    item: str = "DB",
    actor: str = "town_clerk",
    point: str = "center_a",
    channel: str = "window",
    provide: tuple[str, ...] = ("M001", "M002", "M020"),
    tolerated: tuple[str, ...] = (),
    commitments: tuple[str, ...] = ("M010",),
    phone: str = PHONE,
) -> Case:
    """A case made the way the window makes it (accepted at once when complete)."""
    staff = world.staff[actor]
    materials = [
        MaterialInput(requirement=code, files=[file_store(upload=scan(), actor=staff)]) for code in provide
    ]
    return services.case_create(
        actor=staff,
        item=ServiceItem.objects.get(code=item),
        point=world.points[point],
        channel=channel,
        applicant=ApplicantInput(
            kind="person", name=NAME, id_number=f.applicant_id(ID_NUMBER, item), phone=phone
        ),
        materials=materials,
        tolerated=tolerated,
        commitments=commitments,
    )
