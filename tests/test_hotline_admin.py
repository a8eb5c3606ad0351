"""The 12345 hotline in the Chinese admin: categories and routing rules are edited there, operators
register calls with its form until the staff pages exist, and tickets are only looked at."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.conftest import World
from tests.test_hotline import PHONE, Hotline, build_hotline, call
from yichuang.hotline import services
from yichuang.hotline.models import CallerContactAccess, RoutingRule, Ticket, TicketEvent
from yichuang.org.models import Role, Staff

pytestmark = pytest.mark.django_db

HOTLINE_MODELS = [model for model in admin.site._registry if model._meta.app_label == "hotline"]


@pytest.fixture
def hotline(world: World) -> Hotline:
    return build_hotline(world)


@pytest.fixture
def root(hotline: Hotline) -> Client:
    client = Client()
    client.force_login(hotline.staff["admin"])
    return client


def url(model: type[Model], page: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def intake(hotline: Hotline, **overrides: Any) -> dict[str, Any]:
    body = call(hotline)
    w = hotline.world
    data = {
        "type": body["type"],
        "category": hotline.categories[body["category"]].pk,
        "region": w.regions["village_a2"].pk,
        "channel": "phone",
        "caller_name": body["caller_name"],
        "caller_phone": body["caller_phone"],
        "title": body["title"],
        "content": body["content"],
        "address": body["address"],
        "confidential": "unknown",
        "dispatch_now": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def a_ticket(hotline: Hotline) -> Ticket:
    return services.ticket_create(
        actor=hotline.staff["operator"],
        type="complaint",
        category=hotline.categories["0403"],
        region=hotline.world.regions["village_a2"],
        title="投诉",
        content="内容",
        caller_name="李金文",
        caller_phone=PHONE,
        dispatch=True,
    )


@pytest.mark.parametrize("model", HOTLINE_MODELS, ids=lambda model: model.__name__)
def test_every_hotline_page_opens_in_chinese(root: Client, hotline: Hotline, model: type[Model]) -> None:
    ticket = a_ticket(hotline)
    ticket = services.ticket_accept(ticket=ticket, actor=hotline.staff["town_clerk"])
    services.ticket_contact(ticket=ticket, actor=hotline.staff["town_clerk"], purpose="回电")
    listing = root.get(url(model, "changelist"), {"q": "1"})
    assert listing.status_code == 200
    assert "12345热线" in listing.content.decode()
    obj = model._default_manager.first()
    assert obj is not None
    assert root.get(url(model, "change", obj.pk)).status_code == 200


def test_a_ticket_page_is_read_only_with_its_timeline_and_the_number_masked(
    root: Client, hotline: Hotline
) -> None:
    ticket = a_ticket(hotline)
    page = root.get(url(Ticket, "change", ticket.pk)).content.decode()
    assert ticket.number in page and "138****5678" in page
    assert PHONE not in page
    assert "派单" in page or "dispatch" in page
    assert 'name="_save"' not in page
    listing = root.get(url(Ticket, "changelist")).content.decode()
    assert "138****5678" in listing and PHONE not in listing


def test_the_intake_form_registers_and_dispatches_by_the_rules(root: Client, hotline: Hotline) -> None:
    assert root.get(url(Ticket, "add")).status_code == 200
    response = root.post(url(Ticket, "add"), intake(hotline))
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket = Ticket.objects.get()
    assert ticket.status == "dispatched" and ticket.assigned_point == hotline.world.points["center_a"]
    assert ticket.created_by == hotline.staff["admin"]
    assert list(TicketEvent.objects.values_list("action", flat=True)) == ["register", "dispatch"]
    assert response["Location"] == url(Ticket, "changelist")


def test_the_intake_form_may_name_the_unit_and_mark_the_call_urgent(root: Client, hotline: Hotline) -> None:
    data = intake(hotline, urgent="on", department=hotline.world.departments["civil"].pk)
    assert root.post(url(Ticket, "add"), data).status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.time_limit == "urgent" and ticket.assigned_department == hotline.world.departments["civil"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"caller_phone": "12345"}, "请输入有效的手机号码或带区号的固定电话。"),
        ({"region": None}, "必填项"),
        ({"category": None}, "必填项"),
    ],
)
def test_bad_intake_shows_the_problem_in_chinese_and_stores_nothing(
    root: Client, hotline: Hotline, overrides: dict[str, Any], message: str
) -> None:
    response = root.post(url(Ticket, "add"), intake(hotline, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_call_no_rule_covers_cannot_be_dispatched_from_the_form(root: Client, hotline: Hotline) -> None:
    data = intake(hotline, category=hotline.categories["0701"].pk, region=hotline.world.regions["county"].pk)
    response = root.post(url(Ticket, "add"), data)
    assert response.status_code == 200
    assert "请指定承办单位" in response.content.decode()
    assert not Ticket.objects.exists()
    data.pop("dispatch_now")
    assert root.post(url(Ticket, "add"), data).status_code == 302
    assert Ticket.objects.get().status == "registered"


def test_an_operator_with_the_hotline_permissions_uses_the_form_and_a_clerk_cannot(hotline: Hotline) -> None:
    operator = hotline.staff["operator"]
    operator.is_staff = True
    operator.save()
    client = Client()
    client.force_login(operator)
    assert client.post(url(Ticket, "add"), intake(hotline)).status_code == 302
    clerk = f.StaffFactory(
        username="desk", role=Role.WINDOW_CLERK, is_staff=True, region=hotline.world.regions["town_a"]
    )
    clerk.user_permissions.add(Permission.objects.get(codename="add_ticket"))
    other = Client()
    other.force_login(clerk)
    response = other.post(url(Ticket, "add"), intake(hotline))
    assert response.status_code == 200
    assert "只有12345热线坐席可以登记工单。" in response.content.decode()
    assert Ticket.objects.count() == 1


def test_the_dispatch_action_sends_waiting_tickets_by_the_rules(root: Client, hotline: Hotline) -> None:
    waiting = [
        services.ticket_create(
            actor=hotline.staff["operator"],
            type="help",
            category=hotline.categories[category],
            region=hotline.world.regions[region],
            title="求助",
            content="内容",
            caller_phone=PHONE,
        )
        for category, region in (("0403", "village_a2"), ("0701", "county"))
    ]
    response = root.post(
        url(Ticket, "changelist"),
        {"action": "dispatch_by_rules", "_selected_action": [t.pk for t in waiting]},
        follow=True,
    )
    text = response.content.decode()
    assert "已派单 1 件。" in text
    assert waiting[1].number in text
    statuses = dict(Ticket.objects.values_list("number", "status"))
    assert statuses == {waiting[0].number: "dispatched", waiting[1].number: "registered"}


def test_a_rule_names_one_unit(root: Client, hotline: Hotline) -> None:
    w = hotline.world
    data = {
        "region": w.regions["town_b"].pk,
        "category": hotline.categories["0403"].pk,
        "department": w.departments["civil"].pk,
        "point": w.points["center_b"].pk,
        "priority": "0",
        "active": "on",
    }
    response = root.post(url(RoutingRule, "add"), data)
    assert response.status_code == 200
    assert "请选择承办部门或承办服务点（二选一）。" in response.content.decode()
    data.pop("department")
    assert root.post(url(RoutingRule, "add"), data).status_code == 302
    rule = RoutingRule.objects.get(region=w.regions["town_b"], category=hotline.categories["0403"])
    assert rule.unit.code == "CB"


def test_contact_reads_are_listed_for_audit_and_cannot_be_edited(root: Client, hotline: Hotline) -> None:
    ticket = a_ticket(hotline)
    services.ticket_contact(ticket=ticket, actor=hotline.staff["operator"], purpose="回访")
    access = CallerContactAccess.objects.get()
    assert root.get(url(CallerContactAccess, "add")).status_code == 403
    assert root.post(url(CallerContactAccess, "delete", access.pk), {"post": "yes"}).status_code == 403
    assert Staff.objects.filter(username="operator").exists()
