"""Who may decide (issue 16, item 2).

Only the handling unit's reviewers decide; a window clerk decides an immediate item (即办件) only when
its power sits at his own point. A bank outlet or a village station accepts, collects fees and hands
out — it never decides an item of administrative power, and is told so in words (403). Approval
while a paper accepted with a gap (容缺) is still owed waits for the paper (409), unless the decider
records why it may not wait: the reason stands on the timeline.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests import factories as f
from tests.test_cases import accepted_case, act, application, client_for, upload
from yichuang.cases.models import Case, CaseEvent
from yichuang.catalog.models import ServiceItem

pytestmark = pytest.mark.django_db


def immediate_case(client: Any, point: str, channel: str = "window", region: str = "") -> dict[str, Any]:
    """高龄津贴 (GL), an immediate item of the town's approval center, accepted at ``point``."""
    body = application(client, item="GL", point=point, channel=channel, provide=("M001",))
    if region:
        body["applicant"]["region"] = region
    response = client.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


class TestWhoDecides:
    def test_a_bank_clerk_accepts_and_hands_out_but_never_decides(self, county, reviewer):
        f.OfferFactory(point=county.points["bank"], item=ServiceItem.objects.get(code="GL"))
        bank = client_for(county.staff["bank_clerk"])
        case = immediate_case(bank, "BANK", channel="bank")
        assert case["status"] == "accepted"
        assert "approve" not in case["allowed_actions"]
        refused = act(bank, case["number"], "approve")
        assert refused.status_code == 403
        assert "银行网点" in refused.json()["detail"] and "不能作出行政决定" in refused.json()["detail"]
        assert "甲镇行政审批服务中心" in refused.json()["detail"]
        assert Case.objects.get(number=case["number"]).status == "accepted"
        assert act(reviewer, case["number"], "approve").json()["status"] == "approved"
        handed = act(bank, case["number"], "deliver", method="pickup")
        assert handed.json()["status"] == "delivered"

    def test_a_town_clerk_decides_an_immediate_item_whose_power_is_at_his_center(self, clerk):
        case = immediate_case(clerk, "CA")
        assert "approve" in case["allowed_actions"]
        assert act(clerk, case["number"], "approve").json()["status"] == "approved"

    def test_the_hall_clerk_may_not_decide_an_immediate_item_whose_power_is_the_towns(self, county):
        hall = client_for(county.staff["hall_clerk"])
        case = immediate_case(hall, "HALL", region=county.regions["town_a"].code)
        # 高龄津贴 of a villager of the first town, accepted at the county hall: the town decides.
        assert Case.objects.get(number=case["number"]).handling_department.code == "SPA"
        refused = act(hall, case["number"], "approve")
        assert refused.status_code == 403 and "办理权限不在本服务点" in refused.json()["detail"]

    def test_a_village_agent_is_told_he_cannot_decide(self, county, clerk):
        agent = client_for(county.staff["agent"])
        body = application(agent, item="GL", point="SA1", channel="agent", provide=("M001",))
        case = agent.post("/api/v1/cases/", body, format="json").json()
        act(clerk, case["number"], "accept")
        refused = act(agent, case["number"], "approve")
        assert refused.status_code == 403 and "不能作出行政决定" in refused.json()["detail"]

    def test_a_window_clerk_never_denies_even_an_immediate_item(self, clerk):
        case = immediate_case(clerk, "CA")
        assert act(clerk, case["number"], "deny", reason="不符合条件").status_code == 403


class TestApprovalWhileAPaperIsOwed:
    def test_approval_waits_for_the_tolerated_paper_and_names_it(self, clerk, reviewer):
        case = accepted_case(clerk, tolerate=True)  # 困难情况证明 (M020) accepted with a gap
        refused = act(reviewer, case["number"], "approve")
        assert refused.status_code == 409
        body = refused.json()
        assert body["code"] == "materials_owed" and "困难情况证明" in body["detail"]
        assert case["supplement_due_date"] in body["detail"]
        assert Case.objects.get(number=case["number"]).status == "accepted"

    def test_a_recorded_reason_lets_it_through_and_stands_on_the_timeline(self, clerk, reviewer):
        case = accepted_case(clerk, tolerate=True)
        approved = act(reviewer, case["number"], "approve", override_reason="申请人住院，困难情况已入户核实")
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        line = approved.json()["timeline"][-1]
        assert line["action"] == "approve"
        assert "困难情况证明" in line["note"] and "申请人住院，困难情况已入户核实" in line["note"]
        event = CaseEvent.objects.get(case__number=case["number"], action="approve")
        assert event.data["override_reason"] == "申请人住院，困难情况已入户核实"
        assert event.data["owed"] == ["困难情况证明"]

    def test_once_the_paper_arrives_approval_needs_no_reason(self, clerk, reviewer):
        case = accepted_case(clerk, tolerate=True)
        supplied = [{"requirement": "M020", "files": [upload(clerk)]}]
        act(clerk, case["number"], "supplement", materials=supplied)
        approved = act(reviewer, case["number"], "approve")
        assert approved.status_code == 200
        assert "未补齐" not in approved.json()["timeline"][-1]["note"]

    def test_the_case_page_asks_for_the_reason_and_drops_the_reminder_once_closed(
        self, county, clerk, reviewer
    ):
        case = accepted_case(clerk, tolerate=True)
        page = Client()
        page.force_login(county.staff["reviewer"])
        shown = page.get(f"/work/cases/{case['number']}/").content.decode()
        assert 'id="owed-warning"' in shown and "approve-override_reason" in shown
        assert "容缺材料须在" in shown
        act(reviewer, case["number"], "deny", reason="家庭收入高于低保标准")
        closed = page.get(f"/work/cases/{case['number']}/").content.decode()
        assert "容缺材料须在" not in closed and 'id="owed-warning"' not in closed

    def test_the_case_page_approves_with_the_reason(self, county, clerk):
        case = accepted_case(clerk, tolerate=True)
        page = Client()
        page.force_login(county.staff["reviewer"])
        number = case["number"]
        row_version = Case.objects.get(number=number).row_version
        refused = page.post(f"/work/cases/{number}/act/approve/", {"row_version": row_version}, follow=True)
        assert "困难情况证明" in refused.content.decode()
        done = page.post(
            f"/work/cases/{number}/act/approve/",
            {"row_version": row_version, "approve-override_reason": "已电话核实"},
        )
        assert done.status_code == 302
        assert Case.objects.get(number=number).status == "approved"
