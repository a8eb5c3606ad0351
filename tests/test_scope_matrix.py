"""One scope rule per resource, proven by a matrix (issue 15, Deliver 2), across two counties (issue 17).

A town case of the demo county — accepted at the first town's center, decided by the town's approval
center — with its material files, its acceptance notice, its SMS, a rating, a hotline ticket signed for
by the town, a queue number of the town's center: every demo role asks for each of them. The demo is
loaded with its second county (``loaddemo --counties 2``): 平桥区's staff, its administrator and the
city's and province's supervisors ask too, and the ``pq.*`` rows ask for a case and a handover list of
平桥区's first town. ``MATRIX`` below is the one place that says what each role must get; a cell that
changes is a scope change and shows up here.

Cells: ``Y`` the role sees it (in the list; 200 for a detail or content; the action is carried out),
``N`` it does not exist for him (absent from the list, 404), ``F`` he sees it but his role may not do
this (403), ``R`` the request is refused with the field at fault (422: a point outside his scope, a
channel his role may not use), ``A`` he is not signed in as someone the endpoint knows (401). The
``act`` rows: suspending the case, signing for the hotline ticket, cancelling the handover draft and
the queue number; the ``intake.window`` rows: a new applicant's window application (papers to follow)
at each county's first town center.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from yichuang.cases.models import Case
from yichuang.catalog.models import DelegationMode, ItemStatus, ServiceItem
from yichuang.catalog.selectors import handling_unit_for
from yichuang.common.identity import resident_id_check_char
from yichuang.demo.loader import load_demo
from yichuang.documents.models import Document
from yichuang.files.samples import BLANK_PDF
from yichuang.hotline.models import Category
from yichuang.notify.models import SmsMessage
from yichuang.org.models import ServicePoint, Staff
from yichuang.queue import services as queue_services
from yichuang.queue.models import TicketSource
from yichuang.queue.selectors import categories_offered

PDF = BLANK_PDF
TOWN1_CENTER = "411502100-BMZX"
FIRST17 = "41150219800101123"
ID_NUMBER = FIRST17 + resident_id_check_char(FIRST17)
#: 平桥区's first town, where the ``pq.*`` rows' case is accepted, and that case's applicant.
PQ_TOWN1_CENTER = "411503100-BMZX"
PQ_FIRST17 = "41150319800101123"
#: Applicants with no case yet, for the ``intake.window`` rows.
NEW_FIRST17, PQ_NEW_FIRST17 = "41150219750505456", "41150319750505456"

# fmt: off
#: What each role gets for the first town's case and what hangs on it. Columns: the demo accounts
#: (yichuang/demo/data/accounts.py) — county-level staff, the towns, the county bureaus' reviewers, the
#: village agents and the bank — then 浉河区's own administrator, the city's and the province's
#: supervisors, the second county's (平桥区, ``_pq``) administrator and staff, then the applicant signed in
#: online, another citizen, and nobody. ``stats.county`` asks for 浉河区's dashboard, ``stats.other_county``
#: for 平桥区's; the ``pq.*`` rows are about 平桥区's first-town case and handover list.
MATRIX = """
                   admin hall1 hall_manager county_supervisor hotline1 town1 town1_review town2 town2_review county_review mzj_review cl_review agent1 agent2 bank1 county_admin city_supervisor province_supervisor county_admin_pq hall1_pq county_supervisor_pq town1_pq town1_review_pq agent1_pq bank1_pq applicant citizen anonymous
case.list          Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
case.detail        Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
case.page          Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
case.act           Y     F     F            F                 F        F     Y            N     N            N             N          N         N      N      N     Y            F               F                   N               N        N                    N        N               N         N        A         A       A
timeline           Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
document.detail    Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
document.content   Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
file.detail        Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
file.content       Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
notification.list  Y     F     F            F                 F        F     F            F     F            F             F          F         F      F      F     F            F               F                   F               F        F                    F        F               F         F        A         A       A
handover.list      Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
handover.detail    Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
citizen.cases      F     F     F            F                 F        F     F            F     F            F             F          F         F      F      F     F            F               F                   F               F        F                    F        F               F         F        N         N       A
citizen.case       F     F     F            F                 F        F     F            F     F            F             F          F         F      F      F     F            F               F                   F               F        F                    F        F               F         F        N         N       A
rating.list        Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
hotline.list       Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
hotline.detail     Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
queue.list         Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
hotline.act        Y     F     F            F                 F        Y     Y            N     N            N             N          N         N      N      N     Y            F               F                   N               N        N                    N        N               N         N        A         A       A
handover.act       Y     F     F            F                 F        Y     F            N     N            N             N          N         N      N      N     Y            F               F                   N               N        N                    N        N               N         N        A         A       A
queue.act          Y     F     F            F                 F        Y     F            N     N            N             N          N         N      N      N     Y            F               F                   N               N        N                    N        N               N         N        A         A       A
queue.detail       Y     Y     Y            Y                 Y        Y     Y            N     N            N             N          N         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
stats.town         Y     Y     Y            Y                 Y        Y     Y            N     N            Y             Y          Y         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
license.lookup     Y     Y     Y            Y                 Y        Y     Y            Y     Y            Y             Y          Y         Y      Y      Y     Y            Y               Y                   Y               Y        Y                    Y        Y               Y         Y        A         A       A
stats.county       Y     Y     Y            Y                 Y        N     N            N     N            Y             Y          Y         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
stats.other_county Y     N     N            N                 N        N     N            N     N            N             N          N         N      N      N     N            Y               Y                   Y               Y        Y                    N        N               N         N        A         A       A
export.town        Y     Y     Y            Y                 Y        Y     Y            N     N            Y             Y          Y         N      N      N     Y            Y               Y                   N               N        N                    N        N               N         N        A         A       A
pq.case.list       Y     N     N            N                 N        N     N            N     N            N             N          N         N      N      N     N            Y               Y                   Y               Y        Y                    Y        Y               N         N        A         A       A
pq.case.detail     Y     N     N            N                 N        N     N            N     N            N             N          N         N      N      N     N            Y               Y                   Y               Y        Y                    Y        Y               N         N        A         A       A
pq.case.act        Y     N     N            N                 N        N     N            N     N            N             N          N         N      N      N     N            F               F                   Y               F        F                    F        Y               N         N        A         A       A
pq.document.detail Y     N     N            N                 N        N     N            N     N            N             N          N         N      N      N     N            Y               Y                   Y               Y        Y                    Y        Y               N         N        A         A       A
pq.file.detail     Y     N     N            N                 N        N     N            N     N            N             N          N         N      N      N     N            Y               Y                   Y               Y        Y                    Y        Y               N         N        A         A       A
pq.handover.list   Y     N     N            N                 N        N     N            N     N            N             N          N         N      N      N     N            Y               Y                   Y               Y        Y                    Y        Y               N         N        A         A       A
intake.window      Y     Y     Y            F                 F        Y     Y            R     R            Y             Y          Y         R      R      R     Y            F               F                   R               R        R                    R        R               R         R        A         A       A
pq.intake.window   Y     R     R            R                 R        R     R            R     R            R             R          R         R      R      R     R            F               F                   Y               Y        F                    Y        Y               R         R        A         A       A
"""
# fmt: on


def _table() -> tuple[list[str], dict[str, dict[str, str]]]:
    header, *rows = [line.split() for line in MATRIX.strip().splitlines()]
    table = {}
    for name, *cells in rows:
        assert len(cells) == len(header), name
        table[name] = dict(zip(header, cells, strict=True))
    return header, table


ROLES, EXPECTED = _table()


#: Principals that are not staff: the citizen who applied (signed in online with the case's ID number),
#: another citizen, and nobody signed in.
APPLICANT_PHONE, OTHER_PHONE = "13912345678", "13987654321"


def principal(name: str) -> Any:
    from yichuang.citizens.models import Citizen

    if name == "anonymous":
        return None
    if name == "applicant":
        return Citizen.objects.get(phone=APPLICANT_PHONE)
    if name == "citizen":
        return Citizen.objects.get(phone=OTHER_PHONE)
    return Staff.objects.get(username=name)


#: The keys of the citizens' sign-ins (made once with the county).
CITIZEN_KEYS: dict[str, str] = {}


def api_for(name: str) -> APIClient:
    """A client as the role would be: staff by their session, citizens by their own Bearer token."""
    client = APIClient()
    if name in CITIZEN_KEYS:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {CITIZEN_KEYS[name]}")
    elif (user := principal(name)) is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("matrix_files")


@pytest.fixture(scope="module")
def county(django_db_setup: Any, django_db_blocker: Any, media_root: Path) -> Iterator[dict[str, Any]]:
    """The demo's two counties and the first town's case with everything that hangs on it (and a case
    and a handover list of 平桥区's first town), made once for the module inside a transaction rolled
    back at the end (each test runs in a savepoint of its own)."""
    # A Tuesday morning, when the town's center takes numbers (and nothing depends on today's date).
    morning = dt.datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with (
        time_machine.travel(morning, tick=False),
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media_root),
        transaction.atomic(),
    ):
        load_demo(counties=2)
        yield {**_town_case(), **_other_county_case()}
        transaction.set_rollback(True)


def _accept(clerk: str, center_code: str, applicant: dict[str, str]) -> tuple[str, str, Document]:
    """A window case of an entrusted item at a town's center: its number, a file and its notice."""
    center = ServicePoint.objects.get(code=center_code)
    item = next(
        i
        for i in ServiceItem.objects.filter(offers__point=center, status=ItemStatus.PUBLISHED).order_by(
            "code"
        )
        if handling_unit_for(item=i, point=center).mode == DelegationMode.ENTRUSTED
    )
    town1 = api_for(clerk)
    materials = [
        {
            "requirement": m.code,
            "files": [
                town1.post("/api/v1/files/", {"file": SimpleUploadedFile("身份证.pdf", PDF)}).json()["id"]
            ],
        }
        for m in item.materials.all()
    ]
    body = {
        "item": item.code,
        "point": center.code,
        "channel": "window",
        "applicant": applicant,
        "materials": materials,
    }
    created = town1.post("/api/v1/cases/", body, format="json")
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    document = Document.objects.filter(case__number=number).first()
    assert document is not None and SmsMessage.objects.filter(case_number=number).exists()
    return number, materials[0]["files"][0], document


def _other_county_case() -> dict[str, Any]:
    """平桥区's first town: a case accepted by ``town1_pq`` and a handover list of his center."""
    from yichuang.handover import services as handover_services
    from yichuang.org.models import Department
    from yichuang.org.units import Unit

    applicant = {
        "name": "宋德明",
        "id_number": PQ_FIRST17 + resident_id_check_char(PQ_FIRST17),
        "phone": "13912345670",
    }
    number, file, document = _accept("town1_pq", PQ_TOWN1_CENTER, applicant)
    handover = handover_services.handover_create(
        actor=Staff.objects.get(username="town1_pq"),
        target=Unit(department=Department.objects.get(code="411503100-SPZX")),
    )
    return {
        "pq.case": number,
        "pq.file": file,
        "pq.document": str(document.pk),
        "pq.handover": handover.number,
    }


def _town_case() -> dict[str, Any]:
    center = ServicePoint.objects.get(code=TOWN1_CENTER)
    applicant = {"name": "王秀英", "id_number": ID_NUMBER, "phone": "13912345678"}
    number, file, document = _accept("town1", TOWN1_CENTER, applicant)
    case = Case.objects.get(number=number)
    from yichuang.ratings.models import Rating

    rating = Rating.objects.create(
        case=case, channel="window", score=5, point=center, staff=Staff.objects.get(username="town1")
    )
    ticket = api_for("hotline1").post(
        "/api/v1/hotline/tickets/",
        {
            "type": "help",
            "category": Category.objects.get(name="低保与社会救助").code,
            "region": "411502100202",
            "title": "低保申请进度",
            "content": "上月申请低保，想了解办理进度。",
            "caller_name": "黄德明",
            "caller_phone": "13912345679",
            "dispatch": True,
        },
        format="json",
    )
    assert ticket.status_code == 201, ticket.content
    category = categories_offered(center).first()
    queued = queue_services.ticket_take(point=center, category=category, source=TicketSource.KIOSK)
    from yichuang.citizens import secrets
    from yichuang.citizens.models import Citizen, CitizenToken
    from yichuang.handover import services as handover_services
    from yichuang.org.models import Department
    from yichuang.org.units import Unit

    citizens = {
        "applicant": Citizen.objects.create(
            phone=APPLICANT_PHONE, name="王秀英", id_number=ID_NUMBER, verified_at=timezone.now()
        ),
        "citizen": Citizen.objects.create(phone=OTHER_PHONE),
    }
    for name, citizen in citizens.items():
        CITIZEN_KEYS[name] = secrets.new_token()
        CitizenToken.objects.create(
            citizen=citizen,
            digest=secrets.digest("token", CITIZEN_KEYS[name]),
            expires_at=timezone.now() + dt.timedelta(days=1),
        )
    handover = handover_services.handover_create(
        actor=Staff.objects.get(username="town1"),
        target=Unit(department=Department.objects.get(code="411502100-SPZX")),
    )
    return {
        "handover": handover.number,
        "case": number,
        "file": file,
        "document": str(document.pk),
        "rating": rating.pk,
        "hotline": ticket.json()["number"],
        "queue": queued.pk,
    }


@pytest.fixture
def town_case(county: dict[str, Any], db: Any, settings: Any, media_root: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = media_root
    return county


def _listed(response: Any, key: str, value: Any) -> str:
    if response.status_code in (401, 403):
        return _status(response)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return "Y" if any(row.get(key) == value for row in rows) else "N"


def _window_case(center_code: str, first17: str) -> dict[str, Any]:
    """A new applicant's window application (papers to follow) for the first item the center offers."""
    item = (
        ServiceItem.objects.filter(offers__point__code=center_code, status=ItemStatus.PUBLISHED)
        .order_by("code")
        .first()
    )
    assert item is not None
    return {
        "item": item.code,
        "point": center_code,
        "channel": "window",
        "applicant": {
            "name": "刘春生",
            "id_number": first17 + resident_id_check_char(first17),
            "phone": "13912345671",
        },
    }


def _status(response: Any) -> str:
    return {200: "Y", 201: "Y", 404: "N", 403: "F", 401: "A", 422: "R"}.get(
        response.status_code, str(response.status_code)
    )


def _page(name: str, url: str) -> str:
    client = Client()
    user = principal(name)
    if isinstance(user, Staff):
        client.force_login(user)
    response = client.get(url)
    return "A" if response.status_code == 302 else _status(response)


PROBES: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "case.list": lambda u, t: _listed(api_for(u).get("/api/v1/cases/"), "number", t["case"]),
    "case.detail": lambda u, t: _status(api_for(u).get(f"/api/v1/cases/{t['case']}/")),
    "case.page": lambda u, t: _page(u, f"/work/cases/{t['case']}/"),
    "case.act": lambda u, t: _status(
        api_for(u).post(f"/api/v1/cases/{t['case']}/actions/suspend/", {"reason": "等待鉴定"}, format="json")
    ),
    "timeline": lambda u, t: (
        "Y"
        if (r := api_for(u).get(f"/api/v1/cases/{t['case']}/")).status_code == 200 and r.json()["timeline"]
        else _status(r)
    ),
    "document.detail": lambda u, t: _status(api_for(u).get(f"/api/v1/documents/{t['document']}/")),
    "document.content": lambda u, t: _status(api_for(u).get(f"/api/v1/documents/{t['document']}/content/")),
    "file.detail": lambda u, t: _status(api_for(u).get(f"/api/v1/files/{t['file']}/")),
    "file.content": lambda u, t: _status(api_for(u).get(f"/api/v1/files/{t['file']}/content/")),
    "notification.list": lambda u, t: (
        _status(r)
        if (r := api_for(u).get("/api/v1/notifications/", {"case": t["case"]})).status_code != 200
        else ("Y" if r.json()["results"] else "N")
    ),
    "handover.list": lambda u, t: _listed(api_for(u).get("/api/v1/handovers/"), "number", t["handover"]),
    "handover.detail": lambda u, t: _status(api_for(u).get(f"/api/v1/handovers/{t['handover']}/")),
    "citizen.cases": lambda u, t: _listed(api_for(u).get("/api/v1/citizen/cases/"), "number", t["case"]),
    "citizen.case": lambda u, t: _status(api_for(u).get(f"/api/v1/citizen/cases/{t['case']}/")),
    "rating.list": lambda u, t: _listed(api_for(u).get("/api/v1/ratings/"), "id", t["rating"]),
    "hotline.list": lambda u, t: _listed(api_for(u).get("/api/v1/hotline/tickets/"), "number", t["hotline"]),
    "hotline.detail": lambda u, t: _status(api_for(u).get(f"/api/v1/hotline/tickets/{t['hotline']}/")),
    "hotline.act": lambda u, t: _status(
        api_for(u).post(f"/api/v1/hotline/tickets/{t['hotline']}/actions/accept/", {}, format="json")
    ),
    "handover.act": lambda u, t: _status(
        api_for(u).post(f"/api/v1/handovers/{t['handover']}/actions/cancel/", {}, format="json")
    ),
    "queue.act": lambda u, t: _status(
        api_for(u).post(f"/api/v1/queue/tickets/{t['queue']}/actions/cancel/", {}, format="json")
    ),
    "queue.list": lambda u, t: _listed(api_for(u).get("/api/v1/queue/tickets/"), "id", t["queue"]),
    "queue.detail": lambda u, t: _status(api_for(u).get(f"/api/v1/queue/tickets/{t['queue']}/")),
    "stats.town": lambda u, t: _status(
        api_for(u).get("/api/v1/stats/dashboard/", {"region": "411502100000"})
    ),
    "stats.county": lambda u, t: _status(
        api_for(u).get("/api/v1/stats/dashboard/", {"region": "411502000000"})
    ),
    "stats.other_county": lambda u, t: _status(
        api_for(u).get("/api/v1/stats/dashboard/", {"region": "411503000000"})
    ),
    "export.town": lambda u, t: _status(
        api_for(u).get("/api/v1/stats/dashboard/export/", {"region": "411502100000"})
    ),
    "pq.case.list": lambda u, t: _listed(api_for(u).get("/api/v1/cases/"), "number", t["pq.case"]),
    "pq.case.detail": lambda u, t: _status(api_for(u).get(f"/api/v1/cases/{t['pq.case']}/")),
    "pq.case.act": lambda u, t: _status(
        api_for(u).post(
            f"/api/v1/cases/{t['pq.case']}/actions/suspend/", {"reason": "等待鉴定"}, format="json"
        )
    ),
    "pq.document.detail": lambda u, t: _status(api_for(u).get(f"/api/v1/documents/{t['pq.document']}/")),
    "pq.file.detail": lambda u, t: _status(api_for(u).get(f"/api/v1/files/{t['pq.file']}/")),
    "pq.handover.list": lambda u, t: _listed(
        api_for(u).get("/api/v1/handovers/"), "number", t["pq.handover"]
    ),
    "intake.window": lambda u, t: _status(
        api_for(u).post("/api/v1/cases/", _window_case(TOWN1_CENTER, NEW_FIRST17), format="json")
    ),
    "pq.intake.window": lambda u, t: _status(
        api_for(u).post("/api/v1/cases/", _window_case(PQ_TOWN1_CENTER, PQ_NEW_FIRST17), format="json")
    ),
    "license.lookup": lambda u, t: _status(
        api_for(u).post("/api/v1/licenses/lookup/", {"id_number": ID_NUMBER}, format="json")
    ),
}


def test_every_row_of_the_matrix_has_a_probe():
    assert set(EXPECTED) == set(PROBES)


@pytest.mark.parametrize(
    ("resource", "role"),
    [pytest.param(resource, role, id=f"{resource}-{role}") for resource in EXPECTED for role in ROLES],
)
def test_each_role_gets_what_the_matrix_says(town_case, resource, role):
    assert PROBES[resource](role, town_case) == EXPECTED[resource][role]


def test_a_county_bureau_reviewer_reads_the_files_of_the_cases_his_department_handles(town_case):
    """The other side of the file rule: a file follows its case, so whoever the case moves to reads it."""
    case = Case.objects.get(number=town_case["case"])
    case.handling_department = Staff.objects.get(username="mzj_review").department
    case.save(update_fields=["handling_department"])

    assert PROBES["file.content"]("mzj_review", town_case) == "Y"
    assert PROBES["file.content"]("county_review", town_case) == "N"


def test_an_unattached_upload_stays_in_the_uploaders_region_scope(town_case):
    upload = api_for("town1").post("/api/v1/files/", {"file": SimpleUploadedFile("户口簿.pdf", PDF)}).json()

    assert _status(api_for("hall1").get(f"/api/v1/files/{upload['id']}/")) == "Y"
    assert _status(api_for("town2").get(f"/api/v1/files/{upload['id']}/")) == "N"
