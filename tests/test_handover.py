"""Handover lists (移交清单): paper files go from the town window to the county department and the
results come back, with a contact, the times, the receiver's confirmation and each file's state."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests import factories as f
from tests.test_documents import needs_poppler
from yichuang.cases import services as case_services
from yichuang.cases.models import Case, CaseEvent
from yichuang.catalog.models import DelegationMode, ExerciseLevel
from yichuang.catalog.services import item_publish
from yichuang.common.identity import resident_id_check_char
from yichuang.handover.models import Handover, HandoverEntry
from yichuang.handover.selectors import handover_sheet, with_details
from yichuang.org.models import Role

pytestmark = pytest.mark.django_db

CONTACT_PHONE = "13907654321"
TO_CIVIL = {"kind": "department", "code": "MZJ"}
CIVIL = "department:MZJ"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def id_number(n: int) -> str:
    first17 = f"41150219800101{n:03d}"
    return first17 + resident_id_check_char(first17)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def county(world):
    """The world plus the county civil-affairs bureau's reviewers, an item the town only accepts
    (服务前移: the bureau decides) and one the town decides itself."""
    civil = world.departments["civil"]
    world.staff["county_reviewer"] = f.StaffFactory(
        username="review_mzj",
        last_name="张",
        first_name="伟",
        phone="13600000000",
        role=Role.REVIEWER,
        region=world.regions["county"],
        department=civil,
    )
    world.staff["county_reviewer_2"] = f.StaffFactory(
        username="review_mzj2", role=Role.REVIEWER, region=world.regions["county"], department=civil
    )
    clerk = world.staff["town_clerk"]
    clerk.last_name, clerk.first_name, clerk.phone = "王", "芳", "13812340000"
    clerk.save()
    subsidy = f.ItemFactory(
        code="CJ",
        name="困难残疾人生活补贴申请",
        department=civil,
        exercise_level=ExerciseLevel.COUNTY,
    )
    f.DelegationFactory(
        item=subsidy,
        from_department=civil,
        to_region=world.regions["town_a"],
        mode=DelegationMode.FRONT_DESK_ONLY,
    )
    own = f.ItemFactory(code="GL", name="高龄津贴申领", department=civil, exercise_level=ExerciseLevel.TOWN)
    for item in (subsidy, own):
        f.MaterialFactory(item=item, code="M001", name="居民身份证", required=False)
        item_publish(item=item)
        for point in ("center_a", "station_a1", "center_b", "hall"):
            f.OfferFactory(point=world.points[point], item=item)
    world.items = {"subsidy": subsidy, "own": own}  # type: ignore[attr-defined]
    return world


_serial = iter(range(1, 1000))


def accepted(
    county: Any,
    item: str = "subsidy",
    point: str = "center_a",
    clerk: str = "town_clerk",
    home: str = "",
    channel: str = "window",
) -> Case:
    """A case accepted at the window; ``home`` is the applicant's village when it is not the point's town.
    (With another ``channel`` it starts ``submitted``, waiting to be accepted.)"""
    n = next(_serial)
    return case_services.case_create(
        actor=county.staff[clerk],
        item=county.items[item],
        point=county.points[point],
        channel=channel,
        applicant=case_services.ApplicantInput(
            kind="person",
            name=f"李金{n}",
            id_number=id_number(n),
            phone="13812345678",
            region=county.regions[home] if home else None,
        ),
    )


@pytest.fixture
def clerk(county) -> APIClient:
    return client_for(county.staff["town_clerk"])


@pytest.fixture
def bureau(county) -> APIClient:
    return client_for(county.staff["county_reviewer"])


def make_list(client: APIClient, cases: list[Case], to: dict[str, str] = TO_CIVIL, **extra: Any):
    body = {"to_unit": to, "entries": [{"case": c.number, "note": "原件1份"} for c in cases], **extra}
    return client.post("/api/v1/handovers/", body, format="json")


def act(client: APIClient, number: str, action: str, **body: Any):
    return client.post(f"/api/v1/handovers/{number}/actions/{action}/", body, format="json")


def timeline(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("at", "id").values_list("action", flat=True))


def sent_list(clerk: APIClient, cases: list[Case]) -> dict[str, Any]:
    number = make_list(clerk, cases).json()["number"]
    response = act(clerk, number, "send")
    assert response.status_code == 200, response.content
    return response.json()


class TestTheTownSendsABatchToTheCounty:
    def test_the_town_clerk_sees_which_cases_paper_must_go_to_the_county_department(self, county, clerk):
        first, second = accepted(county), accepted(county)
        accepted(county, item="own")  # decided by the town's own approval center: stays in town
        response = clerk.get("/api/v1/handovers/candidates/", {"to_unit": CIVIL})
        assert response.status_code == 200
        assert [c["number"] for c in response.json()["results"]] == [first.number, second.number]

    def test_the_list_has_a_readable_number_a_contact_with_a_masked_phone_and_starts_as_a_draft(
        self, county, clerk
    ):
        case = accepted(county)
        body = make_list(clerk, [case], contact_name="王芳", contact_phone=CONTACT_PHONE).json()
        assert body["number"] == f"YJ411502{dt.date.today():%Y%m%d}0001"
        assert body["status"] == "draft"
        assert body["from_unit"] == {"kind": "point", "code": "CA", "name": "甲镇便民服务中心"}
        assert body["to_unit"] == {"kind": "department", "code": "MZJ", "name": "浉河区民政局"}
        assert body["contact_name"] == "王芳"
        assert body["contact_phone"] == "139****4321"
        assert CONTACT_PHONE not in str(body)
        assert [(e["case"], e["state"], e["note"]) for e in body["entries"]] == [
            (case.number, "pending", "原件1份")
        ]
        assert body["allowed_actions"] == ["send", "cancel"]
        assert make_list(clerk, [accepted(county)]).json()["number"].endswith("0002")

    def test_the_contact_defaults_to_the_clerk_who_makes_the_list(self, county, clerk):
        body = make_list(clerk, [accepted(county)]).json()
        assert (body["contact_name"], body["contact_phone"]) == ("王芳", "138****0000")
        assert body["created_by"] == "王芳"

    def test_sending_puts_every_file_on_its_way_and_each_case_timeline_says_where(self, county, clerk):
        cases = [accepted(county), accepted(county)]
        body = sent_list(clerk, cases)
        assert body["status"] == "sent" and body["sent_at"] and body["sent_by"] == "王芳"
        assert {e["state"] for e in body["entries"]} == {"sent"}
        for case in cases:
            assert timeline(case) == ["submit", "accept", "handover_sent"]
            event = CaseEvent.objects.get(case=case, action="handover_sent")
            assert event.from_status == event.to_status == "accepted"
            assert f"移交清单 {body['number']}：甲镇便民服务中心 → 浉河区民政局" in event.note
        detail = clerk.get(f"/api/v1/cases/{cases[0].number}/").json()
        assert detail["status"] == "accepted"
        assert detail["timeline"][-1]["action"] == "handover_sent"

    def test_the_applicant_tracking_his_case_sees_the_paper_move_without_staff_names(self, county, clerk):
        case = accepted(county)
        sent_list(clerk, [case])
        public = APIClient().post(f"/api/v1/track/{case.number}/", {"phone": "13812345678"}, format="json")
        assert [e["action"] for e in public.json()["timeline"]] == ["submit", "accept", "handover_sent"]
        assert "王芳" not in public.content.decode()

    def test_the_applicant_sees_no_paper_move_before_his_case_is_accepted_and_the_lines_in_order(
        self, county, clerk
    ):
        case = accepted(county, point="station_a1", clerk="agent", channel="agent")
        agent = client_for(county.staff["agent"])
        to_center = make_list(agent, [case], to={"kind": "point", "code": "CA"}, contact_phone=CONTACT_PHONE)
        act(agent, to_center.json()["number"], "send")
        act(clerk, to_center.json()["number"], "confirm")
        case_services.case_accept(case=Case.objects.get(pk=case.pk), actor=county.staff["town_clerk"])
        sent_list(clerk, [case])
        assert timeline(case) == ["submit", "handover_sent", "handover_received", "accept", "handover_sent"]
        public = APIClient().post(f"/api/v1/track/{case.number}/", {"phone": "13812345678"}, format="json")
        assert [e["action"] for e in public.json()["timeline"]] == ["submit", "accept", "handover_sent"]
        page = Client().post("/track/", {"number": case.number, "phone": "13812345678"}).content.decode()
        lines = re.findall(r"</time>(\S+) →", page.split('<ol class="timeline">')[-1])
        assert lines == ["提交申请", "受理", "移交寄出"]

    def test_the_county_reviewer_confirms_at_once_with_one_file_missing(self, county, clerk, bureau):
        present, lost = accepted(county), accepted(county)
        number = sent_list(clerk, [present, lost])["number"]
        assert "confirm" in bureau.get(f"/api/v1/handovers/{number}/").json()["allowed_actions"]
        response = act(
            bureau,
            number,
            "confirm",
            note="已清点",
            entries=[{"case": lost.number, "state": "missing", "note": "未见户口簿原件"}],
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "partly_received"
        assert body["received_by"] == "张伟" and body["received_at"]
        assert body["receipt_note"] == "已清点"
        states = {e["case"]: (e["state"], e["receipt_note"]) for e in body["entries"]}
        assert states == {present.number: ("received", ""), lost.number: ("missing", "未见户口簿原件")}
        assert body["allowed_actions"] == []

    def test_the_timelines_show_where_each_paper_file_is(self, county, clerk, bureau):
        present, lost = accepted(county), accepted(county)
        number = sent_list(clerk, [present, lost])["number"]
        act(
            bureau, number, "confirm", entries=[{"case": lost.number, "state": "missing", "note": "未见原件"}]
        )
        assert timeline(present) == ["submit", "accept", "handover_sent", "handover_received"]
        arrived = CaseEvent.objects.get(case=present, action="handover_received")
        assert arrived.actor_name == "张伟"
        assert arrived.from_status == arrived.to_status == "accepted"
        assert "浉河区民政局确认接收，纸质材料已接收" in arrived.note
        missing = CaseEvent.objects.get(case=lost, action="handover_received")
        assert missing.note.endswith("纸质材料缺失：未见原件")
        assert missing.data["state"] == "missing" and missing.data["handover"] == number

    def test_files_the_receiver_does_not_mention_arrived_and_the_list_is_received(
        self, county, clerk, bureau
    ):
        number = sent_list(clerk, [accepted(county), accepted(county)])["number"]
        body = act(bureau, number, "confirm").json()
        assert body["status"] == "received"
        assert {e["state"] for e in body["entries"]} == {"received"}

    def test_a_missing_file_must_move_again_an_arrived_one_need_not(self, county, clerk, bureau):
        present, lost = accepted(county), accepted(county)
        number = sent_list(clerk, [present, lost])["number"]
        act(bureau, number, "confirm", entries=[{"case": lost.number, "state": "missing"}])
        again = clerk.get("/api/v1/handovers/candidates/", {"to_unit": CIVIL}).json()
        assert [c["number"] for c in again["results"]] == [lost.number]
        assert make_list(clerk, [lost]).status_code == 201

    def test_a_village_stations_case_goes_to_the_county_through_its_town_center(self, county, clerk):
        at_station = accepted(county, point="station_a1")
        candidates = clerk.get("/api/v1/handovers/candidates/", {"to_unit": CIVIL}).json()
        assert [c["number"] for c in candidates["results"]] == [at_station.number]
        assert make_list(clerk, [at_station]).status_code == 201


class TestResultsComeBack:
    def test_the_county_department_returns_the_results_and_the_town_window_confirms(
        self, county, clerk, bureau
    ):
        case = accepted(county)
        reviewer = county.staff["county_reviewer"]
        case_services.case_approve(case=case, actor=reviewer)
        candidates = bureau.get("/api/v1/handovers/candidates/", {"to_unit": "point:CA"}).json()
        assert [c["number"] for c in candidates["results"]] == [case.number]
        created = make_list(bureau, [case], to={"kind": "point", "code": "CA"}, contact_phone="0376-6221234")
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["from_unit"]["code"] == "MZJ" and body["contact_phone"] == "037****1234"
        assert act(bureau, body["number"], "send").status_code == 200
        assert act(bureau, body["number"], "confirm").status_code == 403
        confirmed = act(clerk, body["number"], "confirm")
        assert confirmed.status_code == 200
        assert confirmed.json()["status"] == "received"
        assert timeline(case)[-3:] == ["approve", "handover_sent", "handover_received"]
        assert CaseEvent.objects.filter(case=case, action="handover_received").get().to_status == "approved"

    def test_across_towns_the_result_goes_back_to_the_point_that_accepted(self, county):
        """跨乡镇通办: accepted at town A's center, decided by town B's approval center."""
        case = accepted(county, item="own", home="village_b1")
        assert case.handling_department == county.departments["center_b"]
        town_b_reviewer = f.StaffFactory(
            username="review_b",
            role=Role.REVIEWER,
            point=county.points["center_b"],
            region=county.regions["town_b"],
            department=county.departments["center_b"],
            phone="13700000000",
        )
        clerk = client_for(county.staff["town_clerk"])
        to_b = {"kind": "department", "code": "SPB"}
        outward = make_list(clerk, [case], to=to_b).json()["number"]
        act(clerk, outward, "send")
        town_b = client_for(town_b_reviewer)
        assert act(town_b, outward, "confirm").json()["status"] == "received"
        case.refresh_from_db()
        case_services.case_approve(case=case, actor=town_b_reviewer)
        back = make_list(town_b, [case], to={"kind": "point", "code": "CA"}).json()["number"]
        act(town_b, back, "send")
        assert act(clerk, back, "confirm").json()["status"] == "received"
        assert timeline(case).count("handover_received") == 2


class TestOnlyThePaperAUnitHoldsIsOffered:
    def test_an_online_application_not_yet_accepted_is_on_nobodys_list(self, county, clerk):
        agent = client_for(county.staff["agent"])
        brought = accepted(county, point="station_a1", clerk="agent", channel="agent")
        online = accepted(county, point="station_a1", channel="online")
        assert online.status == "submitted" and online.accepted_at is None
        to_center = agent.get("/api/v1/handovers/candidates/", {"to_unit": "point:CA"}).json()
        assert [c["number"] for c in to_center["results"]] == [brought.number]
        refused = make_list(agent, [online], to={"kind": "point", "code": "CA"}, contact_phone=CONTACT_PHONE)
        assert refused.status_code == 422 and "尚未受理" in refused.json()["detail"]
        assert Handover.objects.count() == 0

    def test_a_village_agent_is_offered_his_town_center_not_the_county_bureau(self, county, clerk):
        at_station = accepted(county, point="station_a1")
        accepted(county, point="station_a1", clerk="agent", channel="agent")
        agent = client_for(county.staff["agent"])
        to_bureau = agent.get("/api/v1/handovers/candidates/", {"to_unit": CIVIL}).json()
        assert to_bureau["results"] == []
        page = Client()
        page.force_login(county.staff["agent"])
        home = page.get("/work/handovers/").content.decode()
        assert "移交给 甲镇便民服务中心（2 件待移交）" in home and "移交给 浉河区民政局" not in home
        # the town center sends the station's file on to the bureau
        assert at_station.number in [
            c["number"]
            for c in clerk.get("/api/v1/handovers/candidates/", {"to_unit": CIVIL}).json()["results"]
        ]


class TestRules:
    def test_a_case_cannot_sit_on_two_open_lists_of_the_same_route(self, county, clerk):
        case = accepted(county)
        first = make_list(clerk, [case]).json()["number"]
        twice = make_list(clerk, [case])
        assert twice.status_code == 409
        assert twice.json()["code"] == "already_listed"
        assert first in twice.json()["detail"]
        assert Handover.objects.count() == 1
        assert act(clerk, first, "cancel").json()["status"] == "cancelled"
        assert make_list(clerk, [case]).status_code == 201

    def test_the_same_case_may_go_the_other_way_while_its_file_is_still_on_the_road(
        self, county, clerk, bureau
    ):
        case = accepted(county)
        sent_list(clerk, [case])
        case_services.case_approve(case=case, actor=county.staff["county_reviewer"])
        back = make_list(bureau, [case], to={"kind": "point", "code": "CA"})
        assert back.status_code == 201

    def test_a_draft_can_be_edited_a_sent_list_cannot(self, county, clerk):
        first, second = accepted(county), accepted(county)
        number = make_list(clerk, [first]).json()["number"]
        edited = clerk.patch(
            f"/api/v1/handovers/{number}/",
            {
                "entries": [{"case": second.number}, {"case": first.number, "note": "复印件"}],
                "note": "第一批",
            },
            format="json",
        ).json()
        assert [(e["position"], e["case"], e["note"]) for e in edited["entries"]] == [
            (1, second.number, ""),
            (2, first.number, "复印件"),
        ]
        assert edited["note"] == "第一批"
        act(clerk, number, "send")
        refused = clerk.patch(f"/api/v1/handovers/{number}/", {"note": "改"}, format="json")
        assert refused.status_code == 409
        assert "已移交待接收" in refused.json()["detail"]

    def test_an_action_not_allowed_in_the_state_answers_409_and_changes_nothing(self, county, clerk, bureau):
        number = make_list(clerk, [accepted(county)]).json()["number"]
        assert act(bureau, number, "confirm").status_code == 409
        act(clerk, number, "send")
        assert act(clerk, number, "cancel").status_code == 409
        assert act(clerk, number, "send").status_code == 409
        handover = Handover.objects.get(number=number)
        assert handover.status == "sent" and handover.cancelled_at is None
        assert CaseEvent.objects.filter(action="handover_sent").count() == 1

    def test_an_empty_list_cannot_be_sent(self, county, clerk):
        number = make_list(clerk, []).json()["number"]
        response = act(clerk, number, "send")
        assert response.status_code == 422
        assert response.json()["code"] == "empty"
        assert Handover.objects.get(number=number).status == "draft"

    def test_only_the_receiving_units_staff_confirm_and_only_the_senders_send(self, county, clerk, bureau):
        number = make_list(clerk, [accepted(county)]).json()["number"]
        assert act(bureau, number, "send").status_code == 403
        act(clerk, number, "send")
        assert act(clerk, number, "confirm").status_code == 403
        hall = client_for(county.staff["hall_clerk"])
        assert hall.get(f"/api/v1/handovers/{number}/").json()["allowed_actions"] == []
        assert act(hall, number, "confirm").status_code == 403
        admin = client_for(county.staff["admin"])
        assert act(admin, number, "confirm").status_code == 200

    def test_a_clerk_cannot_send_in_another_units_name(self, county):
        hall = client_for(county.staff["hall_clerk"])
        response = make_list(hall, [accepted(county)], from_unit={"kind": "point", "code": "CA"})
        assert response.status_code == 403
        assert Handover.objects.count() == 0

    def test_a_case_whose_paper_does_not_belong_on_the_route_is_refused(self, county, clerk):
        own = accepted(county, item="own")  # decided in town: its paper does not go to the bureau
        response = make_list(clerk, [own])
        assert response.status_code == 422
        assert response.json()["code"] == "not_on_route"
        assert own.number in response.json()["detail"]
        assert Handover.objects.count() == 0

    def test_a_case_outside_the_clerks_scope_is_not_found(self, county, clerk):
        elsewhere = accepted(county, point="center_b", clerk="other_clerk")
        response = make_list(clerk, [elsewhere])
        assert response.status_code == 422
        assert response.json()["code"] == "case_not_found"
        assert Handover.objects.count() == 0

    def test_a_retry_with_the_same_idempotency_key_returns_the_same_list(self, county, clerk):
        body = {"to_unit": TO_CIVIL, "entries": [{"case": accepted(county).number}]}
        first = clerk.post("/api/v1/handovers/", body, format="json", HTTP_IDEMPOTENCY_KEY="yj-1")
        again = clerk.post("/api/v1/handovers/", body, format="json", HTTP_IDEMPOTENCY_KEY="yj-1")
        assert first.status_code == again.status_code == 201
        assert first.json()["number"] == again.json()["number"]
        assert Handover.objects.count() == 1


class TestScope:
    def test_the_sending_and_receiving_sides_see_the_list_and_others_get_404(self, county, clerk, bureau):
        number = sent_list(clerk, [accepted(county)])["number"]
        for viewer in (clerk, bureau, client_for(county.staff["hall_clerk"])):
            assert viewer.get(f"/api/v1/handovers/{number}/").status_code == 200
        for name in ("other_clerk", "agent", "reviewer", "bank_clerk"):
            other = client_for(county.staff[name])
            assert other.get(f"/api/v1/handovers/{number}/").status_code == 404, name
            assert other.get("/api/v1/handovers/").json()["count"] == 0, name
            assert act(other, number, "confirm").status_code == 404, name
            assert other.get(f"/api/v1/handovers/{number}/xlsx/").status_code == 404, name

    def test_a_stranger_out_of_scope_gets_404_in_chinese(self, county, clerk):
        number = make_list(clerk, [accepted(county)]).json()["number"]
        response = client_for(county.staff["other_clerk"]).get(f"/api/v1/handovers/{number}/")
        assert response.json()["code"] == "not_found"
        assert response.json()["detail"] == "未找到。"

    def test_nobody_logged_out_sees_anything(self, county, clerk):
        make_list(clerk, [accepted(county)])
        assert APIClient().get("/api/v1/handovers/").status_code in (401, 403)


class TestLists:
    def test_the_list_filters_by_direction_status_unit_and_case(self, county, clerk, bureau):
        first, second = accepted(county), accepted(county)
        sent = sent_list(clerk, [first])["number"]
        draft = make_list(clerk, [second]).json()["number"]
        incoming = bureau.get("/api/v1/handovers/", {"direction": "incoming"}).json()
        assert [h["number"] for h in incoming["results"]] == [draft, sent]
        assert bureau.get("/api/v1/handovers/", {"direction": "outgoing"}).json()["count"] == 0
        assert [
            h["number"] for h in clerk.get("/api/v1/handovers/", {"status": "sent"}).json()["results"]
        ] == [sent]
        by_case = clerk.get("/api/v1/handovers/", {"case": second.number}).json()
        assert [h["number"] for h in by_case["results"]] == [draft]
        by_unit = clerk.get("/api/v1/handovers/", {"from_unit": "point:CA", "to_unit": CIVIL}).json()
        assert by_unit["count"] == 2
        row = by_unit["results"][0]
        assert row["entry_count"] == 1 and row["contact_phone"] == "138****0000"

    def test_list_and_detail_take_a_fixed_number_of_queries(
        self, county, clerk, django_assert_max_num_queries
    ):
        number = make_list(clerk, [accepted(county), accepted(county)]).json()["number"]
        with django_assert_max_num_queries(4):
            clerk.get("/api/v1/handovers/")
        with django_assert_max_num_queries(4):
            clerk.get(f"/api/v1/handovers/{number}/")
        make_list(clerk, [accepted(county) for _ in range(3)])
        with django_assert_max_num_queries(4):
            clerk.get("/api/v1/handovers/")


class TestBadInput:
    def test_an_unknown_receiving_unit_is_a_400_naming_the_field(self, county, clerk):
        response = make_list(clerk, [accepted(county)], to={"kind": "department", "code": "NOPE"})
        assert response.status_code == 400
        assert response.json()["fields"]["to_unit"] == ["没有编码为 NOPE 的部门。"]
        wrong_kind = make_list(clerk, [], to={"kind": "bureau", "code": "MZJ"})
        assert wrong_kind.status_code == 400 and "to_unit" in wrong_kind.json()["fields"]
        assert clerk.post("/api/v1/handovers/", {"entries": []}, format="json").status_code == 400
        assert Handover.objects.count() == 0

    def test_a_list_to_its_own_unit_is_refused(self, county, clerk):
        response = make_list(clerk, [], to={"kind": "point", "code": "CA"})
        assert response.status_code == 400
        assert "to_unit" in response.json()["fields"]

    def test_a_wrong_contact_phone_or_a_repeated_case_is_a_400(self, county, clerk):
        case = accepted(county)
        bad_phone = make_list(clerk, [case], contact_phone="12345")
        assert bad_phone.status_code == 400
        assert "contact_phone" in bad_phone.json()["fields"]
        twice = clerk.post(
            "/api/v1/handovers/",
            {"to_unit": TO_CIVIL, "entries": [{"case": case.number}, {"case": case.number}]},
            format="json",
        )
        assert twice.status_code == 400 and "entries" in twice.json()["fields"]
        assert Handover.objects.count() == 0 and HandoverEntry.objects.count() == 0

    def test_a_confirmation_with_a_wrong_state_or_a_stranger_case_changes_nothing(
        self, county, clerk, bureau
    ):
        case = accepted(county)
        number = sent_list(clerk, [case])["number"]
        wrong_state = act(bureau, number, "confirm", entries=[{"case": case.number, "state": "lost"}])
        assert wrong_state.status_code == 400
        stranger = act(
            bureau, number, "confirm", entries=[{"case": "41150299990101000001", "state": "missing"}]
        )
        assert stranger.status_code == 400
        assert "41150299990101000001" in stranger.json()["detail"] + str(stranger.json()["fields"])
        assert Handover.objects.get(number=number).status == "sent"
        assert not CaseEvent.objects.filter(action="handover_received").exists()

    def test_candidates_need_a_well_formed_receiving_unit(self, county, clerk):
        assert clerk.get("/api/v1/handovers/candidates/").status_code == 400
        malformed = clerk.get("/api/v1/handovers/candidates/", {"to_unit": "MZJ"})
        assert malformed.status_code == 400
        assert "department:MZJ" in malformed.json()["fields"]["to_unit"][0]

    def test_an_unknown_action_or_list_is_a_404(self, county, clerk):
        number = make_list(clerk, [accepted(county)]).json()["number"]
        assert act(clerk, number, "burn").status_code == 404
        assert clerk.get("/api/v1/handovers/YJ000000000000000000/").status_code == 404


class TestPrinting:
    def test_the_rows_for_printing_mask_personal_data(self, county, clerk, bureau):
        case = accepted(county)
        number = sent_list(clerk, [case])["number"]
        act(bureau, number, "confirm", entries=[{"case": case.number, "state": "damaged", "note": "水渍"}])
        sheet = handover_sheet(with_details(Handover.objects.filter(number=number)).get())
        assert sheet.from_unit == "甲镇便民服务中心" and sheet.to_unit == "浉河区民政局"
        assert sheet.receiver == "张伟" and sheet.contact_phone == "138****0000"
        [row] = sheet.rows
        assert (row.case_number, row.state, row.receipt_note) == (case.number, "破损", "水渍")
        assert row.applicant.startswith("李") and "*" in row.applicant
        assert dict(sheet.header)["清单编号"] == number

    def test_a_list_exports_to_excel_to_be_printed_and_signed(self, county, clerk):
        case = accepted(county)
        number = sent_list(clerk, [case])["number"]
        response = clerk.get(f"/api/v1/handovers/{number}/xlsx/", HTTP_ACCEPT=XLSX)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        values = [
            str(v) for row in workbook[number].iter_rows(values_only=True) for v in row if v is not None
        ]
        assert "移交清单" in values and number in values and case.number in values
        assert "在途" in values and "138****0000" in values
        assert "13812340000" not in values and "移交人（签字）：" in values

    @needs_poppler
    def test_a_list_prints_as_a_chinese_pdf_to_sign(self, county, clerk, tmp_path):
        from tests.test_documents import pdf_text

        case = accepted(county)
        number = sent_list(clerk, [case])["number"]
        response = clerk.get(f"/api/v1/handovers/{number}/pdf/", HTTP_ACCEPT="application/pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        content = b"".join(response.streaming_content)
        assert content.startswith(b"%PDF")
        text = pdf_text(content, tmp_path)
        assert "移交清单" in text and number in text and case.number in text
        assert "138****0000" in text and "13812340000" not in text
        other = client_for(county.staff["other_clerk"])
        assert other.get(f"/api/v1/handovers/{number}/pdf/").status_code == 404

    def test_the_admin_shows_the_lists_in_chinese_and_exports_them(self, county, clerk):
        number = sent_list(clerk, [accepted(county)])["number"]
        admin = Client()
        admin.force_login(county.staff["admin"])
        page = admin.get("/admin/handover/handover/").content.decode()
        assert "移交清单" in page and number in page and "138****0000" in page
        handover = Handover.objects.get(number=number)
        detail = admin.get(f"/admin/handover/handover/{handover.pk}/change/")
        assert detail.status_code == 200 and "13812340000" not in detail.content.decode()
        exported = admin.post(
            "/admin/handover/handover/", {"action": "export_xlsx", "_selected_action": [handover.pk]}
        )
        assert exported.status_code == 200
        workbook = openpyxl.load_workbook(io.BytesIO(b"".join(exported.streaming_content)))
        assert workbook.sheetnames == [number]


def _at_once(calls: list[Any]) -> list[Any]:
    """Run the calls in threads released together; their results in the order they finished."""
    results: list[Any] = []
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> None:
        try:
            barrier.wait()
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_receivers_confirming_at_once_exactly_one_wins(county):
    clerk = client_for(county.staff["town_clerk"])
    number = sent_list(clerk, [accepted(county), accepted(county)])["number"]
    receivers = [client_for(county.staff["county_reviewer"]), client_for(county.staff["county_reviewer_2"])]
    codes = _at_once([lambda r=r: act(r, number, "confirm").status_code for r in receivers])
    assert sorted(codes) == [200, 409]
    assert CaseEvent.objects.filter(action="handover_received").count() == 2  # one per case, not four
    assert Handover.objects.get(number=number).status == "received"


@pytest.mark.django_db(transaction=True)
def test_two_clerks_listing_the_same_case_at_once_only_one_list_holds_it(county):
    second_clerk = f.StaffFactory(
        username="clerk_a2",
        point=county.points["center_a"],
        region=county.regions["town_a"],
        phone="13811112222",
    )
    case = accepted(county)
    clients = [client_for(county.staff["town_clerk"]), client_for(second_clerk)]
    codes = _at_once([lambda c=c: make_list(c, [case]).status_code for c in clients])
    assert sorted(codes) == [201, 409]
    assert HandoverEntry.objects.filter(case=case).count() == 1


@pytest.mark.django_db(transaction=True)
def test_lists_made_at_once_get_distinct_numbers(county):
    second_clerk = f.StaffFactory(
        username="clerk_a2",
        point=county.points["center_a"],
        region=county.regions["town_a"],
        phone="13811112222",
    )
    cases = [accepted(county), accepted(county)]
    pairs = zip([client_for(county.staff["town_clerk"]), client_for(second_clerk)], cases, strict=True)
    answers = _at_once([lambda c=c, case=case: make_list(c, [case]) for c, case in pairs])
    assert [a.status_code for a in answers] == [201, 201]
    numbers = sorted(a.json()["number"] for a in answers)
    assert [n[-4:] for n in numbers] == ["0001", "0002"]
