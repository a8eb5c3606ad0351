"""移交清单 on the pages (issue 16 item 10): the town window picks the accepted cases whose paper goes to
the county bureau, makes the list, prints it, sends it; the bureau's reviewer confirms each file as it
arrived. The pages go through the handover services, so the timeline, the sealed documents and the
scope are the API's."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.test_handover import accepted
from tests.test_handover import county as _handover_county  # noqa: F401  (registers "_handover_county")
from yichuang.audit.models import SecurityEvent
from yichuang.cases.models import CaseEvent
from yichuang.handover.models import Handover

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(request: pytest.FixtureRequest):
    """test_handover's county: the town window, the county civil-affairs bureau's reviewers."""
    return request.getfixturevalue("_handover_county")


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_window_sees_which_unit_waits_for_paper_and_makes_a_list_of_the_cases_it_ticks(county):
    first, second, third = accepted(county), accepted(county), accepted(county)
    window = page_client(county.staff["town_clerk"])
    home = window.get("/work/handovers/").content.decode()
    assert "浉河区民政局（3 件待移交）" in home
    form = window.get("/work/handovers/new/?to=department:MZJ").content.decode()
    assert first.number in form and third.number in form
    assert first.applicant_name not in form, "names are masked on the list"
    made = window.post(
        "/work/handovers/new/?to=department:MZJ",
        {"to": "department:MZJ", "case": [first.number, second.number], f"note_{first.number}": "原件3份"},
    )
    assert made.status_code == 302
    handover = Handover.objects.get()
    assert handover.status == "draft" and handover.contact_phone == "13812340000"
    assert [e.case.number for e in handover.entries.all()] == [first.number, second.number]
    assert handover.entries.get(case=first).note == "原件3份"
    detail = window.get(made["Location"]).content.decode()
    assert "移交清单（草稿，未盖章）" in detail and "原件3份" in detail
    assert f"/api/v1/handovers/{handover.number}/pdf/" in detail
    printed = window.get(f"/api/v1/handovers/{handover.number}/pdf/")
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    # the third case still waits: it is offered again
    assert "浉河区民政局（1 件待移交）" in window.get("/work/handovers/").content.decode()


def test_a_wrong_contact_phone_is_said_beside_the_field_and_no_list_is_made(county):
    case = accepted(county)
    window = page_client(county.staff["town_clerk"])
    answer = window.post(
        "/work/handovers/new/?to=department:MZJ",
        {"to": "department:MZJ", "case": [case.number], "contact_phone": "12345"},
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    field = page[page.index('id="id_contact_phone"') :]
    assert "请输入有效的手机号码或带区号的固定电话" in field[:600]
    assert Handover.objects.count() == 0


def test_ticking_nothing_is_a_chinese_error_and_makes_nothing(county):
    accepted(county)
    window = page_client(county.staff["town_clerk"])
    answer = window.post("/work/handovers/new/?to=department:MZJ", {"to": "department:MZJ"})
    assert answer.status_code == 400 and "请至少勾选一件要移交的办件" in answer.content.decode()
    assert Handover.objects.count() == 0


def test_sent_lists_wait_for_the_bureau_which_confirms_each_file_as_it_arrived(county):
    present, lost = accepted(county), accepted(county)
    window = page_client(county.staff["town_clerk"])
    window.post(
        "/work/handovers/new/?to=department:MZJ",
        {"to": "department:MZJ", "case": [present.number, lost.number]},
    )
    number = Handover.objects.get().number
    assert window.post(f"/work/handovers/{number}/act/send/").status_code == 302
    sent = window.get(f"/work/handovers/{number}/").content.decode()
    assert "已移交待接收" in sent and "act/send/" not in sent, "a sent list is sent once"
    assert 'id="confirm-form"' not in sent, "the sender does not confirm his own list"
    assert CaseEvent.objects.filter(case=present, action="handover_sent").exists()

    bureau = page_client(county.staff["county_reviewer"])
    incoming = bureau.get("/work/handovers/").content.decode()
    assert number in incoming.split('id="incoming"')[1].split("</section>")[0]
    form = bureau.get(f"/work/handovers/{number}/").content.decode()
    assert f'name="state_{lost.number}"' in form
    confirmed = bureau.post(
        f"/work/handovers/{number}/act/confirm/",
        {f"state_{lost.number}": "missing", f"receipt_{lost.number}": "未见原件", "note": "已清点"},
        follow=True,
    )
    page = confirmed.content.decode()
    assert "已确认接收（部分接收），回执已出具" in page and "未见原件" in page
    handover = Handover.objects.get()
    assert handover.status == "partly_received"
    assert {e.case.number: e.state for e in handover.entries.all()} == {
        present.number: "received",
        lost.number: "missing",
    }
    assert CaseEvent.objects.get(case=lost, action="handover_received").data["state"] == "missing"


def test_only_the_receiving_unit_confirms_and_others_do_not_find_the_list(county):
    case = accepted(county)
    window = page_client(county.staff["town_clerk"])
    window.post("/work/handovers/new/?to=department:MZJ", {"to": "department:MZJ", "case": [case.number]})
    number = Handover.objects.get().number
    window.post(f"/work/handovers/{number}/act/send/")
    refused = window.post(f"/work/handovers/{number}/act/confirm/", follow=True).content.decode()
    assert "只有接收单位的工作人员可以确认接收" in refused
    assert Handover.objects.get().status == "sent"
    stranger = page_client(county.staff["other_clerk"])
    assert stranger.get(f"/work/handovers/{number}/").status_code == 404
    assert stranger.post(f"/work/handovers/{number}/act/cancel/").status_code == 404


def test_the_receiving_bureau_reveals_the_contacts_full_number_to_call_and_the_reveal_is_recorded(county):
    case = accepted(county)
    window = page_client(county.staff["town_clerk"])
    window.post("/work/handovers/new/?to=department:MZJ", {"to": "department:MZJ", "case": [case.number]})
    number = Handover.objects.get().number
    window.post(f"/work/handovers/{number}/act/send/")
    bureau = page_client(county.staff["county_reviewer"])
    page = bureau.get(f"/work/handovers/{number}/").content.decode()
    assert "138****0000" in page and "13812340000" not in page and "显示号码" in page
    shown = bureau.post(f"/work/handovers/{number}/contact/")
    assert shown.status_code == 302 and "13812340000" not in shown["Location"]
    page = bureau.get(shown["Location"]).content.decode()
    assert 'href="tel:13812340000"' in page
    reveal = SecurityEvent.objects.get(kind="contact_reveal")
    assert reveal.actor == county.staff["county_reviewer"] and reveal.subject == f"handover:{number}"
    again = bureau.get(f"/work/handovers/{number}/").content.decode()
    assert "13812340000" not in again, "a later visit masks the number again"
    assert "13812340000" not in bureau.get("/work/handovers/").content.decode()


def test_only_the_receiving_units_staff_may_reveal_the_contacts_number(county):
    case = accepted(county)
    window = page_client(county.staff["town_clerk"])
    window.post("/work/handovers/new/?to=department:MZJ", {"to": "department:MZJ", "case": [case.number]})
    number = Handover.objects.get().number
    assert "显示号码" not in window.get(f"/work/handovers/{number}/").content.decode()
    refused = window.post(f"/work/handovers/{number}/contact/", follow=True).content.decode()
    assert "只有接收单位的工作人员可以查看" in refused and "13812340000" not in refused
    assert not SecurityEvent.objects.filter(kind="contact_reveal").exists()
