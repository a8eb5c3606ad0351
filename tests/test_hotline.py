"""12345 tickets: an operator registers the call, the rules route it, a unit signs, answers, and the
hotline closes and calls back; whoever signed first stays responsible until another unit signs."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from rest_framework.test import APIClient

from tests import factories as f
from tests.conftest import World
from yichuang.hotline import services
from yichuang.hotline.models import (
    CallerContactAccess,
    Category,
    RoutingRule,
    Ticket,
    TicketEvent,
    TimeLimit,
    Unit,
)
from yichuang.hotline.selectors import route_for
from yichuang.hotline.workflow import ACTIONS, TRANSITIONS
from yichuang.org.models import Role
from yichuang.workdays.calendar import add_workdays

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
PHONE = "13812345678"
MASKED = "138****5678"
TICKETS = "/api/v1/hotline/tickets/"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@dataclass
class Hotline:
    """The test county with a small 12345 set-up: a category tree, routing rules, an operator and
    the staff of the units tickets go to."""

    world: World
    categories: dict[str, Category]
    units: dict[str, Unit]
    staff: dict[str, Any]

    def region(self, key: str) -> str:
        return self.world.regions[key].code


def make_operator(username: str, region: Any) -> Any:
    operator = f.StaffFactory(username=username, role=Role.SUPERVISOR, region=region, last_name="田")
    operator.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="hotline", codename__in=["operate_ticket", "add_ticket", "view_ticket"]
        )
    )
    return operator


@pytest.fixture
def hotline(world: World) -> Hotline:
    return build_hotline(world)


def build_hotline(world: World) -> Hotline:
    r, p, d = world.regions, world.points, world.departments
    water = f.DepartmentFactory(code="ZJJ", name="浉河区住房和城乡建设局", region=r["county"])
    tree = [
        ("01", "城乡建设", TimeLimit.ORDINARY, None),
        ("0101", "供水", TimeLimit.UTILITIES, "01"),
        ("0104", "市政道路与设施", "", "01"),
        ("04", "社会保障", TimeLimit.ORDINARY, None),
        ("0403", "低保与社会救助", "", "04"),
        ("0405", "劳动关系与欠薪", TimeLimit.COMPLEX, "04"),
        ("07", "公共安全", TimeLimit.URGENT, None),
        ("0701", "安全生产隐患", "", "07"),
    ]
    categories: dict[str, Category] = {}
    for code, name, limit, parent in tree:
        categories[code] = Category.objects.create(
            code=code, name=name, time_limit=limit, parent=categories.get(parent or "")
        )
    rules = [
        ("01", "county", {"department": water}),
        ("0101", "county", {"department": water}),
        ("04", "county", {"department": d["civil"]}),
        ("0403", "town_a", {"point": p["center_a"]}),
        ("0403", "village_a1", {"point": p["station_a1"]}),
        (None, "town_a", {"point": p["center_a"]}),
        (None, "town_b", {"point": p["center_b"]}),
    ]
    for category, region, unit in rules:
        RoutingRule.objects.create(category=categories.get(category or ""), region=r[region], **unit)
    staff = dict(world.staff)
    staff["operator"] = make_operator("operator", r["county"])
    staff["water"] = f.StaffFactory(
        username="water", role=Role.REVIEWER, point=p["hall"], region=r["county"], department=water
    )
    staff["civil"] = f.StaffFactory(
        username="civil", role=Role.REVIEWER, point=p["hall"], region=r["county"], department=d["civil"]
    )
    staff["town_a_2"] = f.StaffFactory(username="clerk_a2", point=p["center_a"], region=r["town_a"])
    units = {
        "water": Unit(department=water),
        "civil": Unit(department=d["civil"]),
        "center_a": Unit(point=p["center_a"]),
        "center_b": Unit(point=p["center_b"]),
        "station_a1": Unit(point=p["station_a1"]),
    }
    return Hotline(world=world, categories=categories, units=units, staff=staff)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def operator(hotline: Hotline) -> APIClient:
    return client_for(hotline.staff["operator"])


def call(hotline: Hotline, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "help",
        "category": "0403",
        "region": hotline.region("village_a2"),
        "title": "申请低保无人答复",
        "content": "家中老人生病无收入，上月到村里申请低保，至今没有答复，请帮忙查询。",
        "caller_name": "李金文",
        "caller_phone": PHONE,
        "address": "甲镇2村3组",
        "dispatch": True,
    }
    body.update(overrides)
    return body


def register(client: APIClient, hotline: Hotline, **overrides: Any) -> dict[str, Any]:
    response = client.post(TICKETS, call(hotline, **overrides), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def act(client: APIClient, number: str, action: str, HTTP_ACCEPT_LANGUAGE: str = "", **body: Any) -> Any:
    headers = {"HTTP_ACCEPT_LANGUAGE": HTTP_ACCEPT_LANGUAGE} if HTTP_ACCEPT_LANGUAGE else {}
    return client.post(f"{TICKETS}{number}/actions/{action}/", body, format="json", **headers)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    return response.json()


# ——————————————————————————————————————————————————————————————————————————————— intake


class TestIntake:
    def test_an_operator_registers_a_call_and_it_is_routed_to_the_town_at_once(self, hotline, operator):
        ticket = register(operator, hotline)
        today = dt.datetime.now(TZ).date()
        assert ticket["number"].startswith(f"RX{today:%Y%m%d}-") and len(ticket["number"]) == 15
        assert ticket["status"] == "dispatched"
        assert ticket["assigned_unit"] == {"kind": "point", "code": "CA", "name": "甲镇便民服务中心"}
        assert ticket["responsible_unit"] is None, "the hotline holds it until a unit signs"
        assert ticket["time_limit"] == "ordinary", "inherited from 社会保障"
        assert [(e["action"], e["from_status"], e["status"]) for e in ticket["timeline"]] == [
            ("register", "", "registered"),
            ("dispatch", "registered", "dispatched"),
        ]
        assert ticket["timeline"][0]["actor"] == "田"
        assert ticket["timeline"][1]["details"]["to_unit"]["code"] == "CA"

    def test_numbers_count_up_within_the_day(self, hotline, operator):
        first = register(operator, hotline)["number"]
        second = register(operator, hotline)["number"]
        assert int(second[-4:]) == int(first[-4:]) + 1

    def test_without_dispatch_the_ticket_waits_for_the_operator(self, hotline, operator):
        ticket = register(operator, hotline, dispatch=False)
        assert ticket["status"] == "registered"
        assert ticket["assigned_unit"] is None
        assert "dispatch" in ticket["allowed_actions"] and "answer" in ticket["allowed_actions"]

    def test_the_operator_may_name_the_unit_instead_of_the_rules(self, hotline, operator):
        ticket = register(operator, hotline, department="MZJ")
        assert ticket["assigned_unit"]["code"] == "MZJ"
        named = register(operator, hotline, point="CB", dispatch=False)
        assert named["status"] == "dispatched", "naming a unit sends the ticket there"
        assert named["assigned_unit"]["code"] == "CB"

    def test_only_hotline_operators_may_register(self, hotline):
        clerk = client_for(hotline.staff["town_clerk"])
        response = clerk.post(TICKETS, call(hotline), format="json")
        assert response.status_code == 403
        assert response.json()["detail"] == "只有12345热线坐席可以登记工单。"
        assert not Ticket.objects.exists()

    @pytest.mark.parametrize(
        ("overrides", "field", "status"),
        [
            ({"caller_phone": "12345"}, "caller_phone", 400),
            ({"content": "  "}, "content", 400),
            ({"type": "gossip"}, "type", 400),
            ({"category": "9999"}, "category", 422),
            ({"region": "999999999999"}, "region", 422),
            ({"department": "NOPE"}, "department", 422),
            ({"department": "MZJ", "point": "CA"}, "department", 400),
        ],
    )
    def test_bad_input_is_refused_in_chinese_and_nothing_is_stored(
        self, hotline, operator, overrides, field, status
    ):
        response = operator.post(TICKETS, call(hotline, **overrides), format="json")
        assert response.status_code == status, response.content
        body = response.json()
        assert set(body) == {"code", "detail", "fields"}
        assert field in body["fields"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])
        assert not Ticket.objects.exists() and not TicketEvent.objects.exists()

    def test_an_operator_cannot_register_a_ticket_outside_his_region(self, hotline):
        town_operator = client_for(make_operator("op_b", hotline.world.regions["town_b"]))
        response = town_operator.post(TICKETS, call(hotline), format="json")
        assert response.status_code == 400
        assert response.json()["fields"]["region"] == ["事发地不在您的受理范围内。"]

    def test_a_ticket_no_rule_covers_is_refused_whole_when_dispatch_is_asked(self, hotline, operator):
        response = operator.post(
            TICKETS, call(hotline, category="0701", region=hotline.region("county")), format="json"
        )
        assert response.status_code == 422
        assert response.json()["code"] == "no_route"
        assert "请指定承办单位" in response.json()["detail"]
        assert not Ticket.objects.exists()

    def test_landlines_with_an_area_code_are_accepted(self, hotline, operator):
        ticket = register(operator, hotline, caller_phone="0376-6288001")
        assert ticket["caller_phone"] == "037****8001"
        assert Ticket.objects.get().caller_phone == "03766288001"

    def test_a_report_keeps_the_caller_confidential_unless_the_operator_says_otherwise(
        self, hotline, operator
    ):
        report = register(operator, hotline, type="report", category="0104", title="举报违规占道")
        assert report["confidential"] is True
        complaint = register(operator, hotline, type="complaint", category="0104")
        assert complaint["confidential"] is False
        open_report = register(operator, hotline, type="report", category="0104", confidential=False)
        assert open_report["confidential"] is False

    def test_a_retried_registration_with_the_same_key_makes_one_ticket(self, hotline, operator):
        first = operator.post(TICKETS, call(hotline), format="json", HTTP_IDEMPOTENCY_KEY="call-0001")
        again = operator.post(TICKETS, call(hotline), format="json", HTTP_IDEMPOTENCY_KEY="call-0001")
        assert first.status_code == again.status_code == 201
        assert first.json()["number"] == again.json()["number"]
        assert Ticket.objects.count() == 1


# ——————————————————————————————————————————————————————————————————————————————— deadlines


class TestDeadlines:
    def register_at(self, when: dt.datetime, hotline: Hotline, **overrides: Any) -> Ticket:
        with time_machine.travel(when, tick=False):
            number = register(client_for(hotline.staff["operator"]), hotline, **overrides)["number"]
        return Ticket.objects.get(number=number)

    def test_urgent_tickets_have_two_hours_on_the_clock_even_at_night(self, hotline):
        ticket = self.register_at(at(2025, 11, 8, 23, 30), hotline, category="0701")  # a Saturday night
        assert ticket.time_limit == TimeLimit.URGENT
        assert ticket.due_at == at(2025, 11, 9, 1, 30)

    def test_water_power_and_gas_have_24_hours_on_the_clock_over_a_weekend(self, hotline):
        ticket = self.register_at(at(2025, 11, 7, 16, 0), hotline, category="0101")  # a Friday
        assert ticket.time_limit == TimeLimit.UTILITIES
        assert ticket.due_at == at(2025, 11, 8, 16, 0)

    def test_ordinary_tickets_have_seven_working_days_ending_at_midnight(self, hotline):
        ticket = self.register_at(at(2025, 11, 7, 15, 0), hotline)  # a Friday afternoon
        assert ticket.time_limit == TimeLimit.ORDINARY
        due = dt.datetime.combine(dt.date(2025, 11, 18), dt.time.max, tzinfo=TZ)  # Tuesday after next
        assert ticket.due_at == due

    def test_working_days_skip_the_national_day_holiday_and_count_the_make_up_saturday(self, hotline):
        ticket = self.register_at(at(2025, 9, 30, 10, 0), hotline)
        # 10月1–8日放假; 9 Thu, 10 Fri, 11 Sat (调休上班), 13, 14, 15, 16
        assert timezone_date(ticket.due_at) == dt.date(2025, 10, 16)
        assert timezone_date(ticket.due_at) == add_workdays(dt.date(2025, 9, 30), 7)

    def test_complex_tickets_have_fifteen_working_days(self, hotline):
        ticket = self.register_at(at(2025, 1, 27, 9, 0), hotline, category="0405")  # before Spring Festival
        assert ticket.time_limit == TimeLimit.COMPLEX
        assert timezone_date(ticket.due_at) == add_workdays(dt.date(2025, 1, 27), 15) == dt.date(2025, 2, 24)

    def test_the_operator_may_mark_any_call_urgent(self, hotline):
        ticket = self.register_at(at(2025, 11, 10, 9, 0), hotline, urgent=True)
        assert ticket.time_limit == TimeLimit.URGENT
        assert ticket.due_at == at(2025, 11, 10, 11, 0)

    def test_returns_and_reassignments_do_not_restart_the_clock(self, hotline):
        ticket = self.register_at(at(2025, 11, 10, 9, 0), hotline)
        due = ticket.due_at
        with time_machine.travel(at(2025, 11, 12, 9, 0), tick=False):
            ok(
                act(
                    client_for(hotline.staff["town_clerk"]),
                    ticket.number,
                    "return",
                    reason="不属于本中心职责",
                )
            )
            ok(
                act(
                    client_for(hotline.staff["operator"]),
                    ticket.number,
                    "reassign",
                    reason="民政局负责",
                    department="MZJ",
                )
            )
        ticket.refresh_from_db()
        assert ticket.due_at == due


def timezone_date(value: dt.datetime) -> dt.date:
    return value.astimezone(TZ).date()


# ——————————————————————————————————————————————————————————————————————————————— routing


class TestRouting:
    def rule(self, hotline: Hotline, category: str, region: str) -> RoutingRule | None:
        return route_for(category=hotline.categories[category], region=hotline.world.regions[region])

    def test_the_deepest_category_wins_over_the_towns_catch_all(self, hotline):
        water = self.rule(hotline, "0101", "village_a2")
        assert water is not None and water.unit == hotline.units["water"]
        road = self.rule(hotline, "0104", "village_a2")  # 城乡建设 at county level beats "anything in 甲镇"
        assert road is not None and road.unit == hotline.units["water"]

    def test_for_the_same_category_the_smaller_region_wins(self, hotline):
        assert self.rule(hotline, "0403", "village_a2").unit == hotline.units["center_a"]
        assert self.rule(hotline, "0403", "village_a1").unit == hotline.units["station_a1"]
        assert self.rule(hotline, "0403", "village_b1").unit == hotline.units["civil"], (
            "乙镇 has no 低保 rule"
        )

    def test_the_towns_catch_all_takes_what_no_bureau_rule_covers(self, hotline):
        assert self.rule(hotline, "0701", "village_b2").unit == hotline.units["center_b"]
        assert self.rule(hotline, "0701", "county") is None

    def test_priority_overrides_specificity_and_inactive_rules_are_ignored(self, hotline):
        w = hotline.world
        RoutingRule.objects.create(
            region=w.regions["county"], department=w.departments["approval"], priority=5
        )
        assert self.rule(hotline, "0403", "village_a1").unit.code == "SPJ"
        RoutingRule.objects.filter(priority=5).update(active=False)
        assert self.rule(hotline, "0403", "village_a1").unit == hotline.units["station_a1"]


# ——————————————————————————————————————————————————————————————————————————————— the flow


class TestFlow:
    def test_a_ticket_is_routed_signed_answered_closed_and_revisited(self, hotline, operator):
        clerk = client_for(hotline.staff["town_clerk"])
        number = register(operator, hotline)["number"]

        signed = ok(act(clerk, number, "accept", note="已安排民政专干核实"))
        assert signed["status"] == "processing"
        assert signed["responsible_unit"]["code"] == "CA" and signed["assigned_unit"] is None
        assert signed["allowed_actions"] == ["transfer", "reply"]

        replied = ok(act(clerk, number, "reply", reply="已入户核实，符合条件，已纳入低保并电话告知来电人。"))
        assert replied["status"] == "replied" and replied["replied_at"]
        closed = ok(act(operator, number, "close"))
        assert closed["status"] == "closed" and closed["closed_at"]
        revisited = ok(act(operator, number, "revisit", satisfaction="satisfied", note="来电人表示满意"))
        assert revisited["status"] == "revisited"
        assert revisited["satisfaction"] == "satisfied" and revisited["revisit_note"] == "来电人表示满意"

        events = list(TicketEvent.objects.filter(ticket__number=number).order_by("at", "id"))
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            ("register", "", "registered"),
            ("dispatch", "registered", "dispatched"),
            ("accept", "dispatched", "processing"),
            ("reply", "processing", "replied"),
            ("close", "replied", "closed"),
            ("revisit", "closed", "revisited"),
        ]
        assert [e.actor.username for e in events] == [
            "operator",
            "operator",
            "clerk_a",
            "clerk_a",
            "operator",
            "operator",
        ]
        assert all(e.at for e in events)

    def test_a_unit_returns_a_ticket_with_a_reason_and_the_hotline_reassigns_it(self, hotline, operator):
        clerk = client_for(hotline.staff["town_clerk"])
        number = register(operator, hotline)["number"]
        no_reason = act(clerk, number, "return")
        assert no_reason.status_code == 400
        assert no_reason.json()["fields"]["reason"] == ["退回须说明理由。"]

        returned = ok(act(clerk, number, "return", reason="来电人户籍在乙镇，应由乙镇办理"))
        assert returned["status"] == "returned" and returned["assigned_unit"] is None
        assert returned["responsible_unit"] is None, "nobody signed: the hotline holds it again"

        assert act(operator, number, "reassign", point="CB").status_code == 400, "a reason is needed"
        reassigned = ok(act(operator, number, "reassign", point="CB", reason="按来电人户籍地改派乙镇"))
        assert reassigned["status"] == "dispatched" and reassigned["assigned_unit"]["code"] == "CB"
        event = TicketEvent.objects.filter(ticket__number=number, action="reassign").get()
        assert event.note == "按来电人户籍地改派乙镇"
        ok(act(client_for(hotline.staff["other_clerk"]), number, "accept"))

    def test_the_hotline_may_reassign_before_anyone_signs(self, hotline, operator):
        number = register(operator, hotline)["number"]
        again = ok(act(operator, number, "reassign", department="MZJ", reason="涉及区级政策解释"))
        assert again["assigned_unit"]["code"] == "MZJ"
        same = act(operator, number, "reassign", department="MZJ", reason="重复")
        assert same.status_code == 422

    def test_the_first_unit_to_sign_stays_responsible_until_another_unit_signs(self, hotline, operator):
        town = client_for(hotline.staff["town_clerk"])
        civil = client_for(hotline.staff["civil"])
        number = register(operator, hotline)["number"]
        ok(act(town, number, "accept"))

        moving = ok(act(town, number, "transfer", department="MZJ", reason="涉及低保政策，需区民政局答复"))
        assert moving["status"] == "transferring"
        assert moving["responsible_unit"]["code"] == "CA", "甲镇 answers for it while 民政局 has not signed"
        assert moving["assigned_unit"]["code"] == "MZJ"

        back = ok(act(civil, number, "return", reason="村级核实尚未完成，请乡镇先行核实"))
        assert back["status"] == "processing"
        assert back["responsible_unit"]["code"] == "CA" and back["assigned_unit"] is None

        ok(act(town, number, "transfer", department="MZJ", reason="核实完毕，请民政局审批"))
        assert act(town, number, "accept").status_code == 403, "only the unit it waits with may sign"
        signed = ok(act(civil, number, "accept"))
        assert signed["responsible_unit"]["code"] == "MZJ"
        assert act(town, number, "reply", reply="已办").status_code == 403, "甲镇 no longer answers for it"
        ok(act(civil, number, "reply", reply="已审批纳入低保"))

    def test_a_unit_cannot_transfer_to_itself_or_without_naming_a_unit(self, hotline, operator):
        town = client_for(hotline.staff["town_clerk"])
        number = register(operator, hotline)["number"]
        ok(act(town, number, "accept"))
        assert act(town, number, "transfer", point="CA", reason="x").status_code == 422
        missing = act(town, number, "transfer", reason="不归我们")
        assert missing.status_code == 400 and "department" in missing.json()["fields"]

    def test_a_move_the_table_does_not_allow_answers_409_and_changes_nothing(self, hotline, operator):
        number = register(operator, hotline)["number"]
        before = Ticket.objects.get(number=number)
        response = act(operator, number, "close")
        assert response.status_code == 409
        assert response.json() == {
            "code": "not_allowed",
            "detail": "工单当前状态为“待签收”，不能办结。",
            "fields": {},
        }
        after = Ticket.objects.get(number=number)
        assert (after.status, after.row_version) == (before.status, before.row_version)
        assert TicketEvent.objects.filter(ticket=after).count() == 2

    def test_staff_of_another_unit_may_not_act_and_operators_do_not_sign_for_units(self, hotline, operator):
        number = register(operator, hotline)["number"]
        assert act(client_for(hotline.staff["water"]), number, "accept").status_code == 404, (
            "not even visible"
        )
        assert act(operator, number, "accept").status_code == 403
        assert act(client_for(hotline.staff["town_clerk"]), number, "close").status_code == 409

    def test_a_stale_row_version_answers_409(self, hotline, operator):
        ticket = register(operator, hotline)
        clerk = client_for(hotline.staff["town_clerk"])
        ok(act(clerk, ticket["number"], "accept", row_version=ticket["row_version"]))
        stale = act(clerk, ticket["number"], "reply", reply="已办", row_version=ticket["row_version"])
        assert stale.status_code == 409 and stale.json()["code"] == "stale"

    def test_an_unsatisfying_reply_is_sent_back_and_the_next_reply_counts(self, hotline, operator):
        clerk = client_for(hotline.staff["town_clerk"])
        number = register(operator, hotline)["number"]
        ok(act(clerk, number, "accept"))
        ok(act(clerk, number, "reply", reply="已转告村委"))
        assert act(operator, number, "redo").status_code == 400
        redo = ok(act(operator, number, "redo", reason="未答复是否符合低保条件"))
        assert redo["status"] == "processing" and redo["replied_at"] is None
        final = ok(act(clerk, number, "reply", reply="经核实符合条件，已纳入低保"))
        assert final["reply"] == "经核实符合条件，已纳入低保"

    def test_a_consultation_answered_on_the_phone_is_closed_by_the_operator(self, hotline, operator):
        number = register(operator, hotline, type="consult", dispatch=False)["number"]
        answered = ok(act(operator, number, "answer", reply="低保申请到户籍所在地乡镇便民服务中心办理。"))
        assert answered["status"] == "closed"
        assert answered["replied_at"] == answered["closed_at"]
        assert answered["responsible_unit"] is None

    def test_a_duplicate_call_is_cancelled_with_a_reason(self, hotline, operator):
        number = register(operator, hotline, dispatch=False)["number"]
        assert act(operator, number, "cancel").status_code == 400
        cancelled = ok(act(operator, number, "cancel", reason="重复来电，已并入前一工单"))
        assert cancelled["status"] == "cancelled" and cancelled["allowed_actions"] == []

    def test_revisit_needs_a_satisfaction_level(self, hotline, operator):
        number = register(operator, hotline, dispatch=False)["number"]
        ok(act(operator, number, "answer", reply="已解答"))
        missing = act(operator, number, "revisit")
        assert missing.status_code == 400 and missing.json()["fields"]["satisfaction"]
        wrong = act(operator, number, "revisit", satisfaction="meh")
        assert wrong.status_code == 400

    def test_an_unknown_action_or_ticket_answers_404(self, hotline, operator):
        number = register(operator, hotline)["number"]
        assert act(operator, number, "approve").status_code == 404
        missing = act(operator, "RX20991231-0001", "close")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"

    def test_errors_speak_english_when_asked(self, hotline, operator):
        number = register(operator, hotline)["number"]
        response = act(operator, number, "close", HTTP_ACCEPT_LANGUAGE="en")
        assert response.json()["detail"] == "The ticket is “Awaiting acceptance”; it cannot be closed now."
        response = act(client_for(hotline.staff["town_clerk"]), number, "return", HTTP_ACCEPT_LANGUAGE="en")
        assert response.json()["fields"]["reason"] == ["A return must state a reason."]

    def test_every_action_of_the_table_is_documented(self):
        assert {action for (_status, action) in TRANSITIONS} == set(ACTIONS)


@pytest.mark.django_db(transaction=True)
def test_two_staff_signing_at_once_exactly_one_wins(hotline):
    number = register(client_for(hotline.staff["operator"]), hotline)["number"]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def sign(user: Any) -> None:
        try:
            client = client_for(user)
            barrier.wait()
            results.append(act(client, number, "accept").status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=sign, args=(hotline.staff[key],)) for key in ("town_clerk", "town_a_2")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    assert TicketEvent.objects.filter(ticket__number=number, action="accept").count() == 1


@pytest.mark.django_db(transaction=True)
def test_operators_registering_at_once_get_distinct_numbers(hotline):
    operators = [hotline.staff["operator"], make_operator("operator2", hotline.world.regions["county"])]
    numbers: list[str] = []
    errors: list[Any] = []
    barrier = threading.Barrier(len(operators) * 2)

    def take_calls(user: Any) -> None:
        try:
            client = client_for(user)
            barrier.wait()
            for _ in range(3):
                response = client.post(TICKETS, call(hotline, dispatch=False), format="json")
                if response.status_code == 201:
                    numbers.append(response.json()["number"])
                else:
                    errors.append(response.content)
        finally:
            connection.close()

    threads = [threading.Thread(target=take_calls, args=(user,)) for user in operators * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(numbers) == 12 and len(set(numbers)) == 12
    assert sorted(int(n[-4:]) for n in numbers) == list(range(1, 13))


# ——————————————————————————————————————————————————————————————————————————————— scope


class TestScope:
    def test_a_towns_staff_see_the_towns_tickets_and_not_the_other_towns(self, hotline, operator):
        in_a = register(operator, hotline)["number"]
        in_b = register(operator, hotline, region=hotline.region("village_b1"), category="0701")["number"]
        town_a = client_for(hotline.staff["town_clerk"])
        town_b = client_for(hotline.staff["other_clerk"])
        assert [t["number"] for t in town_a.get(TICKETS).json()["results"]] == [in_a]
        assert [t["number"] for t in town_b.get(TICKETS).json()["results"]] == [in_b]
        assert town_a.get(f"{TICKETS}{in_b}/").status_code == 404
        assert act(town_a, in_b, "accept").status_code == 404
        assert {t["number"] for t in operator.get(TICKETS).json()["results"]} == {in_a, in_b}

    def test_a_bureau_sees_only_the_tickets_sent_to_it(self, hotline, operator):
        to_civil = register(operator, hotline, region=hotline.region("village_b1"))["number"]
        register(operator, hotline)  # 甲镇 takes its own 低保 calls
        civil = client_for(hotline.staff["civil"])
        assert [t["number"] for t in civil.get(TICKETS).json()["results"]] == [to_civil]
        assert client_for(hotline.staff["water"]).get(TICKETS).json()["count"] == 0

    def test_a_unit_outside_the_region_sees_what_was_transferred_to_it(self, hotline, operator):
        number = register(operator, hotline)["number"]
        town_a = client_for(hotline.staff["town_clerk"])
        ok(act(town_a, number, "accept"))
        ok(act(town_a, number, "transfer", point="CB", reason="来电人实际居住在乙镇"))
        town_b = client_for(hotline.staff["other_clerk"])
        assert town_b.get(f"{TICKETS}{number}/").status_code == 200
        mine = town_b.get(TICKETS, {"mine": "true"}).json()["results"]
        assert [t["number"] for t in mine] == [number]

    def test_lists_filter_by_status_type_category_and_overdue(self, hotline, operator):
        with time_machine.travel(at(2025, 11, 3, 9, 0), tick=False):
            old = register(operator, hotline, category="0701")["number"]
        fresh = register(operator, hotline, type="complaint")["number"]

        def numbers(**params: Any) -> list[str]:
            response = operator.get(TICKETS, params)
            assert response.status_code == 200, response.content
            return [t["number"] for t in response.json()["results"]]

        assert numbers(overdue="true") == [old]
        assert numbers(type="complaint") == [fresh]
        assert numbers(category="04") == [fresh]
        assert numbers(status="dispatched") == [fresh, old]
        assert operator.get(TICKETS, {"status": "nonsense"}).status_code == 400

    def test_the_list_takes_a_fixed_number_of_queries(self, hotline, operator, django_assert_max_num_queries):
        for _ in range(2):
            register(operator, hotline)
        with django_assert_max_num_queries(8):
            operator.get(TICKETS)
        for _ in range(4):
            register(operator, hotline, region=hotline.region("village_b1"))
        with django_assert_max_num_queries(8):
            operator.get(TICKETS)


# ——————————————————————————————————————————————————————————————————————————————— the caller's number


class TestCallerPrivacy:
    def test_lists_and_answers_show_the_number_masked(self, hotline, operator):
        number = register(operator, hotline)["number"]
        clerk = client_for(hotline.staff["town_clerk"])
        for client in (operator, clerk):
            listed = client.get(TICKETS)
            detail = client.get(f"{TICKETS}{number}/")
            assert PHONE not in listed.content.decode() and PHONE not in detail.content.decode()
            assert listed.json()["results"][0]["caller_phone"] == MASKED
            assert detail.json()["caller_phone"] == MASKED
        assert listed.json()["results"][0]["caller_name"] == "李*文"

    def test_the_handling_unit_reads_the_full_number_to_call_back_and_the_read_is_recorded(
        self, hotline, operator
    ):
        number = register(operator, hotline)["number"]
        clerk = client_for(hotline.staff["town_clerk"])
        url = f"{TICKETS}{number}/contact/"
        assert clerk.post(url, {}, format="json").status_code == 403, "not before it signed"
        ok(act(clerk, number, "accept"))
        detail = clerk.get(f"{TICKETS}{number}/").json()
        assert detail["may_contact"] is True and detail["caller_name"] == "李金文"
        response = clerk.post(url, {"purpose": "回电核实家庭情况"}, format="json")
        assert response.status_code == 200
        assert response.json() == {"number": number, "caller_name": "李金文", "caller_phone": PHONE}
        assert response["Cache-Control"] == "no-store"
        access = CallerContactAccess.objects.get()
        assert (access.actor.username, access.purpose) == ("clerk_a", "回电核实家庭情况")
        assert clerk.get(url).status_code == 405, "never a GET: the number stays out of URLs and logs"

    def test_other_staff_may_not_read_it_and_the_hotline_always_may(self, hotline, operator):
        number = register(operator, hotline)["number"]
        ok(act(client_for(hotline.staff["town_clerk"]), number, "accept"))
        colleague_elsewhere = client_for(hotline.staff["agent"])  # sees his village's tickets only
        assert colleague_elsewhere.post(f"{TICKETS}{number}/contact/", {}, format="json").status_code == 404
        assert ok(operator.post(f"{TICKETS}{number}/contact/", {}, format="json"))["caller_phone"] == PHONE

    def test_a_confidential_callers_name_and_number_are_hidden_from_the_unit(self, hotline, operator):
        number = register(
            operator, hotline, type="report", category="0104", region=hotline.region("village_a2")
        )["number"]
        water = client_for(hotline.staff["water"])
        ok(act(water, number, "accept"))
        detail = water.get(f"{TICKETS}{number}/").json()
        assert detail["caller_name"] == detail["caller_phone"] == "（保密）"
        assert detail["may_contact"] is False
        assert water.post(f"{TICKETS}{number}/contact/", {}, format="json").status_code == 403
        assert operator.get(f"{TICKETS}{number}/").json()["caller_phone"] == MASKED


# ——————————————————————————————————————————————————————————————————————————————— categories


def test_categories_list_their_effective_time_limits(hotline, operator):
    rows = {row["code"]: row for row in ok(operator.get("/api/v1/hotline/categories/"))}
    assert rows["0101"]["time_limit"] == "utilities"
    assert (rows["0101"]["limit_amount"], rows["0101"]["limit_unit"]) == (24, "hours")
    assert rows["0104"]["time_limit"] == "ordinary" and rows["0104"]["parent"] == "01"
    assert (rows["0405"]["limit_amount"], rows["0405"]["limit_unit"]) == (15, "workdays")
    assert rows["0701"]["time_limit_display"] == "紧急（2小时）"
    assert rows["01"]["parent"] is None


def test_the_api_needs_a_login(hotline):
    assert APIClient().get(TICKETS).status_code == 401


def test_services_refuse_a_category_turned_off(hotline):
    hotline.categories["0403"].active = False
    hotline.categories["0403"].save()
    with pytest.raises(Exception, match="停用"):
        services.ticket_create(
            actor=hotline.staff["operator"],
            type="help",
            category=hotline.categories["0403"],
            region=hotline.world.regions["village_a2"],
            title="t",
            content="c",
            caller_phone=PHONE,
        )


def test_a_ticket_registered_and_dispatched_at_once_comes_back_dispatched(hotline):
    """The service answers with the row as it is now, so the caller can go on from it (the simulator
    signed for nothing while it read the registered object)."""
    ticket = services.ticket_create(
        actor=hotline.staff["operator"],
        type="help",
        category=hotline.categories["0403"],
        region=hotline.world.regions["village_a2"],
        title="申请低保无人答复",
        content="上月到村里申请低保，至今没有答复。",
        caller_phone=PHONE,
        dispatch=True,
    )
    assert ticket.status == "dispatched"
    assert ticket.assigned_unit == hotline.units["center_a"]
    signed = services.ticket_accept(
        ticket=ticket, actor=hotline.staff["town_clerk"], row_version=ticket.row_version
    )
    assert signed.responsible_unit == hotline.units["center_a"]


def test_a_call_with_the_longest_address_allowed_is_kept_whole(hotline, operator):
    """The address is sealed at rest (decision 106): 200 Chinese characters become about 850 of
    ciphertext, which a column sized for the plain text cut off on PostgreSQL (a 500)."""
    address = "河南省信阳市某县甲镇二村三组" * 14 + "村委会东侧"
    assert len(address) == 201
    refused = operator.post(TICKETS, call(hotline, address=address), format="json")
    assert refused.status_code == 400 and "address" in refused.json()["fields"]
    ticket = register(operator, hotline, address=address[:200])
    assert Ticket.objects.get(number=ticket["number"]).address == address[:200]
