"""Across towns (跨乡镇通办) and village agents bringing results home (送证上门)."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.test_cases import act, application, client_for, upload
from yichuang.cases.models import Case
from yichuang.notify.models import SmsMessage
from yichuang.org.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer_b(county):
    staff = f.StaffFactory(
        username="review_b",
        role=Role.REVIEWER,
        point=county.points["center_b"],
        region=county.regions["town_b"],
        department=county.departments["center_b"],
    )
    return client_for(staff)


def complete(client, **extra):
    """An application the window can accept at once: 困难情况证明 tolerated, 家庭经济状况说明 promised."""
    return application(client, provide=("M001", "M002", "M020"), commitments=["M010"], **extra)


def from_town_b(client, county):
    body = complete(client)
    body["applicant"]["region"] = county.regions["village_b1"].code
    return body


class TestAcrossTowns:
    def test_a_case_accepted_in_town_a_for_a_villager_of_town_b_goes_to_town_bs_approval_center(
        self,
        county,
        clerk,
        reviewer,
        reviewer_b,
    ):
        created = clerk.post("/api/v1/cases/", from_town_b(clerk, county), format="json")
        assert created.status_code == 201, created.content
        case = created.json()
        assert (case["point"], case["handling_unit"]) == ("CA", "SPB")
        assert case["applicant_region"] == county.regions["village_b1"].code
        # Town A's reviewer does not decide it; town B's does.
        assert act(reviewer, case["number"], "approve").status_code == 404
        assert act(reviewer_b, case["number"], "approve").json()["status"] == "approved"

    def test_the_result_is_handed_out_where_it_was_accepted(self, county, clerk, reviewer_b):
        number = clerk.post("/api/v1/cases/", from_town_b(clerk, county), format="json").json()["number"]
        act(reviewer_b, number, "approve")
        town_b_window = client_for(county.staff["other_clerk"])
        assert act(town_b_window, number, "deliver", method="pickup").status_code == 404
        handed = act(clerk, number, "deliver", method="pickup", recipient_name="李金文")
        assert handed.json()["status"] == "delivered"

    def test_without_the_applicants_town_the_accepting_towns_power_applies(self, clerk):
        case = clerk.post("/api/v1/cases/", complete(clerk), format="json").json()
        assert case["handling_unit"] == "SPA"
        assert case["applicant_region"] is None

    def test_an_unknown_region_code_is_a_422_naming_the_field_and_stores_nothing(self, clerk):
        body = complete(clerk)
        body["applicant"]["region"] = "999999999999"
        response = clerk.post("/api/v1/cases/", body, format="json")
        assert response.status_code == 422
        assert "applicant.region" in response.json()["fields"]
        assert Case.objects.count() == 0


def agent_case(county, clerk, reviewer) -> str:
    agent = client_for(county.staff["agent"])
    body = complete(agent, point="SA1", channel="agent", consent_file=upload(agent, "委托书.pdf"))
    number = agent.post("/api/v1/cases/", body, format="json").json()["number"]
    assert act(clerk, number, "accept").json()["status"] == "accepted"
    assert act(reviewer, number, "approve").json()["status"] == "approved"
    return number


class TestAgentsBringResultsHome:
    def test_the_agent_sees_his_approved_results_to_bring_home(self, county, clerk, reviewer):
        number = agent_case(county, clerk, reviewer)
        window_case = clerk.post("/api/v1/cases/", complete(clerk), format="json").json()["number"]
        act(reviewer, window_case, "approve")
        agent = client_for(county.staff["agent"])
        listed = agent.get("/api/v1/cases/?bring_home=true").json()
        assert [c["number"] for c in listed["results"]] == [number]
        # The window of the town sees the same list for its agents.
        assert [c["number"] for c in clerk.get("/api/v1/cases/?bring_home=true").json()["results"]] == [
            number
        ]

    def test_the_agent_hands_over_at_home_with_the_villagers_signature(self, county, clerk, reviewer):
        number = agent_case(county, clerk, reviewer)
        agent = client_for(county.staff["agent"])
        unsigned = act(agent, number, "deliver", method="agent")
        assert unsigned.status_code == 400
        assert "recipient_name" in unsigned.json()["fields"]
        done = act(agent, number, "deliver", method="agent", recipient_name="李金文")
        case = done.json()
        assert (case["status"], case["delivery_method"]) == ("delivered", "agent")
        assert case["timeline"][-1]["action"] == "deliver"
        assert agent.get("/api/v1/cases/?bring_home=true").json()["count"] == 0
        message = SmsMessage.objects.filter(case_number=number).order_by("-id").first()
        assert message is not None and message.template == "case_delivered_home"
        assert "李金文" in message.body

    def test_a_case_not_from_an_agent_cannot_be_delivered_home(self, clerk, reviewer):
        number = clerk.post("/api/v1/cases/", complete(clerk), format="json").json()["number"]
        act(reviewer, number, "approve")
        response = act(clerk, number, "deliver", method="agent", recipient_name="李金文")
        assert response.status_code == 422
        assert Case.objects.get(number=number).status == "approved"

    def test_pickup_at_the_window_records_the_signature_and_tells_the_applicant(self, clerk, reviewer):
        number = clerk.post("/api/v1/cases/", complete(clerk), format="json").json()["number"]
        act(reviewer, number, "approve")
        act(clerk, number, "deliver", method="pickup", recipient_name="李小文")
        assert Case.objects.get(number=number).recipient_name == "李小文"
        message = SmsMessage.objects.filter(case_number=number).order_by("-id").first()
        assert message is not None and message.template == "case_picked_up"
        assert "李小文" in message.body
