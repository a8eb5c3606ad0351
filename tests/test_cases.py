"""Cases: one window accepts, the back office decides, one window hands out the result."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from tests import factories as f
from yichuang.cases.models import Case, CaseEvent
from yichuang.catalog.services import item_publish
from yichuang.common.identity import resident_id_check_char
from yichuang.files.samples import BLANK_PDF
from yichuang.workdays.calendar import add_workdays

pytestmark = pytest.mark.django_db

FIRST17 = "41150219800101123"
ID_NUMBER = FIRST17 + resident_id_check_char(FIRST17)
PHONE = "13812345678"
PDF = BLANK_PDF


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def upload(client: APIClient, name: str = "scan.pdf") -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/api/v1/files/", {"file": SimpleUploadedFile(name, PDF)}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def application(
    client: APIClient, *, item="DB", point="CA", channel="window", provide=("M001", "M002"), **extra
):
    body = {
        "item": item,
        "point": point,
        "channel": channel,
        "applicant": {
            "kind": "person",
            "name": "李金文",
            "id_number": f.applicant_id(ID_NUMBER, item),
            "phone": PHONE,
        },
        "materials": [{"requirement": code, "files": [upload(client)]} for code in provide],
    }
    body.update(extra)
    return body


def act(client: APIClient, number: str, action: str, **body: Any):
    return client.post(f"/api/v1/cases/{number}/actions/{action}/", body, format="json")


def accepted_case(clerk, *, tolerate: bool = False) -> dict[str, Any]:
    """低保 accepted at the window with 家庭经济状况说明 promised (告知承诺) and 困难情况证明 given — or,
    with ``tolerate``, owed (容缺: a decision then waits for it)."""
    body = (
        application(clerk, tolerated=["M020"], commitments=["M010"])
        if tolerate
        else application(clerk, provide=("M001", "M002", "M020"), commitments=["M010"])
    )
    response = clerk.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


class TestAcceptance:
    def test_a_complete_application_at_the_window_is_accepted_with_due_dates_in_working_days(self, clerk):
        case = accepted_case(clerk, tolerate=True)
        today = dt.date.today()
        assert case["status"] == "accepted"
        assert case["number"].startswith("411502") and len(case["number"]) == 20
        assert case["due_date"] == add_workdays(today, 18).isoformat()
        assert case["statutory_due_date"] == add_workdays(today, 32).isoformat()
        assert case["supplement_due_date"] == add_workdays(today, 5).isoformat()
        assert case["handling_unit"] == "SPA"
        states = {m["requirement"]: m["state"] for m in case["materials"]}
        assert states == {"M001": "provided", "M002": "provided", "M010": "committed", "M020": "tolerated"}
        assert [e["action"] for e in case["timeline"]] == ["submit", "accept"]

    def test_the_applicants_id_and_phone_are_masked(self, clerk):
        case = accepted_case(clerk)
        assert case["applicant"]["id_number"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
        assert case["applicant"]["phone"] == "138****5678"
        assert ID_NUMBER not in str(clerk.get(f"/api/v1/cases/{case['number']}/").content)

    def test_an_application_missing_a_plain_required_material_waits_and_cannot_be_accepted(self, clerk):
        response = clerk.post("/api/v1/cases/", application(clerk, provide=("M001",)), format="json")
        case = response.json()
        assert case["status"] == "submitted"
        refused = act(clerk, case["number"], "accept")
        assert refused.status_code == 422
        assert "户口簿" in refused.json()["detail"]
        assert Case.objects.get(number=case["number"]).status == "submitted"

    def test_the_one_time_notice_lists_every_missing_material_and_the_supplement_completes_it(self, clerk):
        case = clerk.post("/api/v1/cases/", application(clerk, provide=("M001",)), format="json").json()
        notice = act(clerk, case["number"], "notify", missing=["M002", "M010", "M020"])
        assert notice.status_code == 200
        body = notice.json()
        assert body["status"] == "needs_supplement"
        assert [m["code"] for m in body["notice"]["missing"]] == ["M002", "M010", "M020"]
        assert "户口簿、家庭经济状况说明、困难情况证明" in body["notice"]["text"]
        assert "行政许可法" not in body["notice"]["text"]  # 低保 is a 行政给付, not a licence
        assert act(clerk, case["number"], "notify", missing=["M002"]).status_code == 409
        files = [{"requirement": code, "files": [upload(clerk)]} for code in ("M002", "M010", "M020")]
        assert act(clerk, case["number"], "supplement", materials=files).json()["status"] == "submitted"
        assert act(clerk, case["number"], "accept").json()["status"] == "accepted"

    def test_a_material_that_may_not_be_tolerated_is_refused(self, clerk):
        response = clerk.post("/api/v1/cases/", application(clerk, tolerated=["M002"]), format="json")
        assert response.status_code == 422
        assert "tolerated" in response.json()["fields"]
        assert Case.objects.count() == 0

    def test_an_item_the_point_does_not_offer_names_where_it_can_be_done(self, county, clerk):
        other = f.ItemFactory(code="XX", name="乡村兽医登记许可", department=county.departments["civil"])
        item_publish(item=other)
        f.OfferFactory(point=county.points["center_b"], item=other)
        response = clerk.post("/api/v1/cases/", application(clerk, item="XX", provide=()), format="json")
        assert response.status_code == 422
        assert response.json()["code"] == "item_not_offered"
        assert "乙镇便民服务中心" in response.json()["detail"]

    def test_a_wrong_id_number_or_phone_is_a_400_naming_the_field(self, clerk):
        body = application(clerk)
        body["applicant"]["id_number"] = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
        body["applicant"]["phone"] = "12345"
        response = clerk.post("/api/v1/cases/", body, format="json")
        assert response.status_code == 400
        assert set(response.json()["fields"]) >= {"applicant.id_number", "applicant.phone"}
        assert Case.objects.count() == 0

    def test_a_retry_with_the_same_idempotency_key_returns_the_same_case(self, clerk):
        body = application(clerk)
        first = clerk.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = clerk.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == again.status_code == 201
        assert first.json()["number"] == again.json()["number"]
        assert Case.objects.count() == 1

    def test_the_same_idempotency_key_with_another_applicant_is_refused_and_changes_nothing(self, clerk):
        body = application(clerk)
        first = clerk.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == 201
        other = {**body, "applicant": {**body["applicant"], "name": "王五"}}
        reused = clerk.post("/api/v1/cases/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert reused.status_code == 422
        assert reused.json()["code"] == "idempotency_key_reused"
        assert "Idempotency-Key" in reused.json()["detail"]
        assert Case.objects.count() == 1
        assert Case.objects.get().applicant_name == "李金文"

    def test_a_retry_may_send_the_same_body_with_its_keys_in_another_order(self, clerk):
        body = application(clerk)
        first = clerk.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        shuffled = dict(reversed(list(body.items())))
        again = clerk.post("/api/v1/cases/", shuffled, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert again.status_code == 201
        assert again["Idempotent-Replayed"] == "true"
        assert again.json()["number"] == first.json()["number"]

    def test_a_key_stored_before_fingerprints_still_replays_its_case(self, county, clerk):
        from yichuang.common.models import IdempotencyRecord

        first = clerk.post("/api/v1/cases/", application(clerk), format="json", HTTP_IDEMPOTENCY_KEY="old")
        IdempotencyRecord.objects.filter(key="old").update(fingerprint="")
        again = clerk.post("/api/v1/cases/", application(clerk), format="json", HTTP_IDEMPOTENCY_KEY="old")
        assert again.status_code == 201
        assert again.json()["number"] == first.json()["number"]
        assert Case.objects.count() == 1

    @pytest.mark.parametrize("field", ["tolerated", "commitments"])
    def test_an_unknown_material_code_is_reported_under_the_field_that_named_it(self, clerk, field):
        response = clerk.post("/api/v1/cases/", application(clerk, **{field: ["XX"]}), format="json")
        assert response.status_code == 422
        assert response.json()["fields"] == {field: ["该事项没有材料 XX。"]}
        assert Case.objects.count() == 0

    def test_an_unknown_material_uploaded_is_reported_under_materials(self, clerk):
        body = application(clerk)
        body["materials"].append({"requirement": "XX", "files": [upload(clerk)]})
        response = clerk.post("/api/v1/cases/", body, format="json")
        assert response.json()["fields"] == {"materials": ["该事项没有材料 XX。"]}

    def test_case_numbers_are_unique_and_sequential_per_county_and_day(self, clerk):
        numbers = [
            clerk.post("/api/v1/cases/", application(clerk), format="json").json()["number"] for _ in range(3)
        ]
        assert len(set(numbers)) == 3
        assert [int(n[-6:]) for n in numbers] == [1, 2, 3]

    def test_accepting_sends_the_applicant_a_message(self, clerk):
        from yichuang.notify.models import SmsMessage

        case = accepted_case(clerk)
        message = SmsMessage.objects.get(case_number=case["number"])
        assert message.template == "case_accepted"
        assert message.to == PHONE
        assert case["number"] in message.body


class TestReview:
    def test_the_reviewer_of_the_handling_unit_approves_and_the_window_delivers(self, clerk, reviewer):
        case = accepted_case(clerk, tolerate=True)
        assert "approve" not in case["allowed_actions"]
        assert act(clerk, case["number"], "approve").status_code == 403
        assert act(reviewer, case["number"], "review").json()["status"] == "in_review"
        owed = act(reviewer, case["number"], "approve", note="符合条件")
        assert owed.status_code == 409 and owed.json()["code"] == "materials_owed"  # the 容缺 paper
        supplied = [{"requirement": "M020", "files": [upload(clerk)]}]
        assert act(clerk, case["number"], "supplement", materials=supplied).status_code == 200
        approved = act(reviewer, case["number"], "approve", note="符合条件")
        assert approved.json()["status"] == "approved"
        mail = act(clerk, case["number"], "deliver", method="mail")
        assert mail.status_code == 400
        delivered = act(clerk, case["number"], "deliver", method="mail", tracking_number="EMS1234567890")
        assert delivered.json()["status"] == "delivered"
        assert delivered.json()["tracking_number"] == "EMS1234567890"

    def test_a_denial_needs_a_reason_and_states_the_remedy(self, clerk, reviewer):
        case = accepted_case(clerk)
        assert act(reviewer, case["number"], "deny").status_code == 400
        denied = act(reviewer, case["number"], "deny", reason="家庭人均收入高于当地低保标准")
        assert denied.json()["status"] == "denied"
        event = CaseEvent.objects.get(case__number=case["number"], action="deny")
        assert "六十日内" in event.data["remedy"] and "行政复议" in event.data["remedy"]
        assert "浉河区人民政府" in event.data["remedy"] and "六个月内" in event.data["remedy"]

    def test_an_action_not_allowed_in_the_state_answers_409_and_changes_nothing(self, clerk, reviewer):
        case = accepted_case(clerk)
        before = Case.objects.get(number=case["number"])
        response = act(clerk, case["number"], "deliver", method="pickup")
        assert response.status_code == 409
        after = Case.objects.get(number=case["number"])
        assert (after.status, after.row_version) == (before.status, before.row_version)
        assert CaseEvent.objects.filter(case=after).count() == 2

    @pytest.mark.parametrize(
        ("action", "body"),
        [
            ("supplement", {"materials": []}),
            ("supplement", {"materials": [{"requirement": "M002", "files": []}]}),
            ("deliver", {"method": "fax"}),
            ("deliver", {}),
            ("refuse", {}),
            ("deny", {}),
            ("suspend", {"kind": "nap"}),
            ("extend", {"days": 99}),
            ("notify", {"missing": []}),
        ],
    )
    def test_an_action_the_state_does_not_allow_is_409_even_with_a_bad_body(self, clerk, action, body):
        case = clerk.post("/api/v1/cases/", application(clerk, provide=("M001",)), format="json").json()
        assert act(clerk, case["number"], "refuse", reason="不属于本事项受理范围").status_code == 200
        before = Case.objects.get(number=case["number"])
        response = act(clerk, case["number"], action, **body)
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "not_allowed"
        assert "不予受理" in response.json()["detail"]
        after = Case.objects.get(number=case["number"])
        assert (after.status, after.row_version) == (before.status, before.row_version)

    def test_an_action_the_state_allows_still_checks_its_body(self, clerk):
        case = clerk.post("/api/v1/cases/", application(clerk, provide=("M001",)), format="json").json()
        response = act(clerk, case["number"], "supplement", materials=[])
        assert response.status_code == 400
        assert "materials" in response.json()["fields"]

    def test_a_stale_row_version_answers_409(self, clerk, reviewer):
        case = accepted_case(clerk)
        act(reviewer, case["number"], "review")
        assert act(reviewer, case["number"], "approve", row_version=case["row_version"]).status_code == 409

    def test_suspension_stops_the_clock_and_resume_moves_both_due_dates(self, clerk, reviewer):
        with time_machine.travel(dt.datetime(2025, 3, 3, 9, 0), tick=False):  # a Monday
            case = accepted_case(clerk)
            assert case["due_date"] == "2025-03-27"
            assert act(reviewer, case["number"], "suspend").status_code == 400
            suspended = act(reviewer, case["number"], "suspend", reason="入户核查", kind="inspection")
            assert suspended.json()["status"] == "suspended"
        with time_machine.travel(dt.datetime(2025, 3, 10, 9, 0), tick=False):  # next Monday: 5 working days
            resumed = act(reviewer, case["number"], "resume").json()
        assert resumed["status"] == "in_review"
        assert resumed["suspended_days"] == 5
        assert resumed["due_date"] == add_workdays(dt.date(2025, 3, 27), 5).isoformat()
        assert (
            resumed["statutory_due_date"]
            == add_workdays(add_workdays(dt.date(2025, 3, 3), 32), 5).isoformat()
        )

    def test_one_extension_within_the_legal_limit(self, clerk, reviewer):
        case = accepted_case(clerk)
        assert act(reviewer, case["number"], "extend", reason="情况复杂", days=11).status_code == 400
        extended = act(reviewer, case["number"], "extend", reason="情况复杂", days=10).json()
        assert extended["extended_days"] == 10
        assert act(reviewer, case["number"], "extend", reason="再延", days=1).status_code == 409


class TestImmediateItems:
    def test_the_clerk_accepts_approves_and_hands_out_in_one_sitting(self, clerk):
        case = clerk.post(
            "/api/v1/cases/", application(clerk, item="GL", provide=("M001",)), format="json"
        ).json()
        assert (case["kind"], case["status"]) == ("immediate", "accepted")
        assert case["due_date"] == dt.date.today().isoformat()
        assert act(clerk, case["number"], "approve").json()["status"] == "approved"
        done = act(clerk, case["number"], "deliver", method="pickup", recipient_name="李金文").json()
        assert done["status"] == "delivered"
        assert [e["action"] for e in done["timeline"]] == ["submit", "accept", "approve", "deliver"]


class TestVillageAgents:
    def test_an_agent_submits_for_a_villager_and_the_town_window_accepts(self, county, clerk):
        agent = client_for(county.staff["agent"])
        consent = upload(agent, "委托书.pdf")
        body = application(
            agent,
            point="SA1",
            channel="agent",
            consent_file=consent,
            tolerated=["M020"],
            commitments=["M010"],
        )
        case = agent.post("/api/v1/cases/", body, format="json").json()
        assert (case["status"], case["channel"]) == ("submitted", "agent")
        assert act(clerk, case["number"], "accept").json()["status"] == "accepted"

    def test_an_agent_must_use_the_agent_channel_at_his_own_station(self, county):
        agent = client_for(county.staff["agent"])
        assert agent.post("/api/v1/cases/", application(agent, point="SA1"), format="json").status_code == 422
        other = application(agent, point="CA", channel="agent")
        assert agent.post("/api/v1/cases/", other, format="json").status_code == 422

    def test_each_sees_only_the_cases_of_his_scope(self, county, clerk):
        number = accepted_case(clerk)["number"]
        agent = client_for(county.staff["agent"])
        assert agent.get(f"/api/v1/cases/{number}/").status_code == 404
        assert agent.get("/api/v1/cases/").json()["count"] == 0
        other_town = client_for(county.staff["other_clerk"])
        assert other_town.get(f"/api/v1/cases/{number}/").status_code == 404
        assert act(other_town, number, "withdraw").status_code == 404
        hall = client_for(county.staff["hall_clerk"])
        assert hall.get(f"/api/v1/cases/{number}/").status_code == 200


class TestLists:
    def test_the_list_filters_by_status_and_overdue(self, clerk):
        with time_machine.travel(dt.datetime(2025, 3, 3, 9, 0), tick=False):
            old = accepted_case(clerk)["number"]
        fresh = accepted_case(clerk)["number"]
        overdue = clerk.get("/api/v1/cases/", {"overdue": "true"}).json()
        assert [c["number"] for c in overdue["results"]] == [old]
        assert clerk.get("/api/v1/cases/", {"status": "accepted"}).json()["count"] == 2
        assert fresh
        assert clerk.get("/api/v1/cases/", {"status": "lost"}).status_code == 400

    def test_list_and_detail_take_a_fixed_number_of_queries(self, clerk, django_assert_max_num_queries):
        numbers = [accepted_case(clerk)["number"] for _ in range(2)]
        with django_assert_max_num_queries(8):
            clerk.get("/api/v1/cases/")
        with django_assert_max_num_queries(14):
            clerk.get(f"/api/v1/cases/{numbers[0]}/")
        for _ in range(3):
            accepted_case(clerk)
        with django_assert_max_num_queries(8):
            clerk.get("/api/v1/cases/")


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_exactly_one_wins(county):
    clerk = client_for(county.staff["town_clerk"])
    number = accepted_case(clerk)["number"]
    reviewer = county.staff["reviewer"]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def approve() -> None:
        try:
            client = client_for(reviewer)
            barrier.wait()
            results.append(act(client, number, "approve", override_reason="困难情况已入户核实").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    assert CaseEvent.objects.filter(case__number=number, action="approve").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_body", [True, False])
def test_two_retries_with_one_key_at_once_make_one_case(county, same_body):
    clerk = client_for(county.staff["town_clerk"])
    body = application(clerk)
    bodies = [body, body if same_body else {**body, "applicant": {**body["applicant"], "name": "王五"}}]
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def submit(body: dict[str, Any]) -> None:
        try:
            client = client_for(county.staff["town_clerk"])
            barrier.wait()
            results.append(client.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="twin"))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(body,)) for body in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Case.objects.count() == 1
    if same_body:
        assert [r.status_code for r in results] == [201, 201]
        assert len({r.json()["number"] for r in results}) == 1
    else:
        assert sorted(r.status_code for r in results) == [201, 422]


class TestTracking:
    def test_the_applicant_sees_progress_with_number_and_phone_and_no_staff_names(self, county, clerk):
        case = accepted_case(clerk)
        public = APIClient()
        body = public.post(f"/api/v1/track/{case['number']}/", {"phone": PHONE}, format="json").json()
        assert body["status"] == "accepted"
        assert body["due_date"] == case["due_date"]
        assert [e["action"] for e in body["timeline"]] == ["submit", "accept"]
        text = str(body)
        assert county.staff["town_clerk"].username not in text and "actor" not in text
        assert ID_NUMBER not in text and PHONE not in text

    def test_a_wrong_phone_answers_like_an_unknown_number(self, clerk):
        case = accepted_case(clerk)
        public = APIClient()
        wrong = public.post(f"/api/v1/track/{case['number']}/", {"phone": "13900000000"}, format="json")
        unknown = public.post("/api/v1/track/41150220990101000001/", {"phone": PHONE}, format="json")
        assert wrong.status_code == unknown.status_code == 404
        assert wrong.json() == unknown.json()

    def test_tracking_is_rate_limited(self, clerk, settings):
        from django.core.cache import cache

        cache.clear()
        case = accepted_case(clerk)
        public = APIClient()
        codes = [
            public.post(
                f"/api/v1/track/{case['number']}/", {"phone": "13900000000"}, format="json"
            ).status_code
            for _ in range(21)
        ]
        assert codes[:20] == [404] * 20
        assert codes[20] == 429
        cache.clear()
