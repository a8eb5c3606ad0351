"""The province's systems (issue 17, item 5): the licence library answers for licences this platform
never issued (免证办 across the province), and 好差评 records go to the national system in its shape."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests import factories as f
from tests.test_cases import application
from tests.test_ratings import finished_case, rate
from yichuang.catalog.services import item_publish
from yichuang.integrations.models import ExternalLicense, RatingReport, ReportStatus
from yichuang.integrations.rating_report import MAX_ATTEMPTS, reports_push
from yichuang.licenses.models import License

pytestmark = pytest.mark.django_db


class FakeSystem:
    """A provincial system on this machine: answers ``reply(request body)`` with ``status``."""

    def __init__(self, reply: Any = None) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.status = 200
        self.reply = reply or (lambda body: {})
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                answer = json.dumps(owner.reply(body)).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def business_licence(body: dict[str, Any]) -> dict[str, Any]:
    """The library holds a 营业执照 for whoever is asked about, issued by the market regulator."""
    if "YYZZ" not in body["types"]:
        return {"licenses": []}
    return {
        "licenses": [
            {
                "number": "91411502MA4X0000XY",
                "type": "YYZZ",
                "holder_kind": "person",
                "holder_name": "李金文",
                "issuer": "信阳市浉河区市场监督管理局",
                "issued_at": "2024-03-01T09:00:00+08:00",
                "valid_from": "2024-03-01",
                "valid_until": None,
                "status": "valid",
            }
        ]
    }


@pytest.fixture
def library(settings: Any) -> Iterator[FakeSystem]:
    fake = FakeSystem(business_licence)
    settings.LICENSE_LIBRARY_URL = fake.url
    settings.LICENSE_LIBRARY_TOKEN = "library-token"
    yield fake
    fake.server.shutdown()


@pytest.fixture
def food_permit(county: Any) -> Any:
    """食品经营许可 asks for the business licence, which this platform never issues."""
    licence_type = f.LicenseTypeFactory(code="YYZZ", name="营业执照", issuer="市场监督管理局")
    item = f.ItemFactory(
        code="SPJY", name="食品经营许可", department=county.departments["civil"], promised_days=10
    )
    f.MaterialFactory(item=item, code="M001", name="居民身份证")
    f.MaterialFactory(item=item, code="M040", name="营业执照", license_type=licence_type)
    item_publish(item=item)
    f.OfferFactory(point=county.points["center_a"], item=item)
    return county


def test_a_licence_held_only_in_the_province_library_stands_in_for_the_paper(food_permit, clerk, library):
    case = clerk.post(
        "/api/v1/cases/", application(clerk, item="SPJY", provide=("M001",)), format="json"
    ).json()
    assert case["status"] == "accepted"
    by_licence = next(m for m in case["materials"] if m["requirement"] == "M040")
    assert by_licence["state"] == "license" and by_licence["license"]["number"] == "91411502MA4X0000XY"
    headers, body = library.requests[0]
    assert headers["authorization"] == "Bearer library-token"
    assert body["types"] == ["YYZZ"] and len(body["holder_id_number"]) == 18  # in the body, not a URL
    mirrored = License.objects.get(number="91411502MA4X0000XY")
    assert ExternalLicense.objects.get(license=mirrored).source == "province"
    assert mirrored.holder_name == "李金文"


def test_the_next_application_uses_the_mirror_without_asking_again(food_permit, clerk, library):
    person = None
    for _ in range(2):
        body = application(clerk, item="SPJY", provide=("M001",))
        person = person or body["applicant"]["id_number"]
        body["applicant"]["id_number"] = person  # the same applicant, his first case withdrawn
        answer = clerk.post("/api/v1/cases/", body, format="json")
        assert answer.status_code == 201 and answer.json()["status"] == "accepted"
        withdrawn = clerk.post(
            f"/api/v1/cases/{answer.json()['number']}/actions/withdraw/", {}, format="json"
        )
        assert withdrawn.status_code == 200, withdrawn.content
    assert len(library.requests) == 1


def test_a_revoked_licence_in_the_library_does_not_stand_in(food_permit, clerk, settings):
    def revoked(body: dict[str, Any]) -> dict[str, Any]:
        answer = business_licence(body)
        answer["licenses"][0]["status"] = "revoked"
        return answer

    fake = FakeSystem(revoked)
    settings.LICENSE_LIBRARY_URL = fake.url
    case = clerk.post(
        "/api/v1/cases/", application(clerk, item="SPJY", provide=("M001",)), format="json"
    ).json()
    assert case["status"] == "submitted"
    assert next(m for m in case["materials"] if m["requirement"] == "M040")["state"] == "missing"
    fake.server.shutdown()


def test_a_library_that_does_not_answer_asks_for_the_paper_and_says_why_in_the_log(
    food_permit, clerk, settings, caplog
):
    settings.LICENSE_LIBRARY_URL = "http://127.0.0.1:9/nowhere"
    with caplog.at_level(logging.WARNING):
        answer = clerk.post(
            "/api/v1/cases/", application(clerk, item="SPJY", provide=("M001",)), format="json"
        )
    assert answer.status_code == 201 and answer.json()["status"] == "submitted"
    assert "省电子证照库无应答" in caplog.text


def test_without_a_library_nothing_is_asked(food_permit, clerk, settings):
    settings.LICENSE_LIBRARY_URL = ""
    case = clerk.post(
        "/api/v1/cases/", application(clerk, item="SPJY", provide=("M001",)), format="json"
    ).json()
    assert case["status"] == "submitted"


@pytest.fixture
def national(settings: Any) -> Iterator[FakeSystem]:
    fake = FakeSystem(lambda body: {"code": 0})
    settings.RATING_REPORT_URL = fake.url
    settings.RATING_REPORT_TOKEN = "report-token"
    yield fake
    fake.server.shutdown()


def test_a_rating_is_reported_to_the_national_system_in_its_shape(county, clerk, reviewer, national):
    number = finished_case(clerk, reviewer)
    assert rate(number, 2, comment="等候时间太长").status_code == 201
    assert reports_push() == 1
    headers, body = national.requests[0]
    assert headers["authorization"] == "Bearer report-token"
    (record,) = body["records"]
    assert record["办件编号"] == number and record["评价等级"] == 2 and record["评价内容"] == "等候时间太长"
    assert record["事项实施编码"] == "DB" and record["事项名称"] == "农村最低生活保障审批"
    assert record["行政区划代码"] == county.points["center_a"].region.code
    assert "李金文" not in json.dumps(body, ensure_ascii=False)
    assert RatingReport.objects.get().status == ReportStatus.SENT
    assert reports_push() == 0


def test_a_national_system_that_refuses_is_tried_again_later_and_then_given_up(
    county, clerk, reviewer, national
):
    national.status = 503
    number = finished_case(clerk, reviewer)
    rate(number, 5)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(MAX_ATTEMPTS):
            assert reports_push() == 1
            assert reports_push() == 0  # not before its pause
            clock.shift(dt.timedelta(days=3))
    report = RatingReport.objects.get()
    assert report.status == ReportStatus.FAILED and report.attempts == MAX_ATTEMPTS
    assert report.last_error == "HTTP 503"


def test_without_a_national_system_no_report_is_kept(county, clerk, reviewer, settings):
    settings.RATING_REPORT_URL = ""
    rate(finished_case(clerk, reviewer), 5)
    assert not RatingReport.objects.exists()
