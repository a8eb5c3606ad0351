"""到期预警 and 超期督办: handlers are warned two working days ahead, supervisors after the date, once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.test_cases import act, application, client_for
from yichuang.cases.deadlines import sweep_deadlines
from yichuang.cases.models import Case
from yichuang.notify.models import SmsMessage, StaffNotice
from yichuang.workdays.calendar import add_workdays, workdays_between

pytestmark = pytest.mark.django_db


def before(due: dt.date, workdays: int) -> dt.date:
    """The latest day from which ``due`` is ``workdays`` working days away."""
    day = due
    while workdays_between(day, due) < workdays:
        day -= dt.timedelta(days=1)
    return day


@pytest.fixture
def running_case(county, clerk):
    county.staff["reviewer"].phone = "13700000001"
    county.staff["reviewer"].save()
    body = application(clerk, tolerated=["M020"], commitments=["M010"])
    return Case.objects.get(number=clerk.post("/api/v1/cases/", body, format="json").json()["number"])


def test_nothing_is_said_while_the_due_date_is_far(running_case):
    result = sweep_deadlines(today=running_case.accepted_at.date())
    assert (result.warned, result.escalated) == (0, 0)
    assert StaffNotice.objects.count() == 0


def test_the_reviewer_is_warned_two_working_days_ahead_once(county, running_case):
    two_before = before(running_case.due_date, 2)
    first = sweep_deadlines(today=two_before)
    again = sweep_deadlines(today=two_before)
    assert (first.warned, again.warned) == (1, 0)
    notice = StaffNotice.objects.get()
    assert notice.recipient == county.staff["reviewer"] and notice.kind == "deadline_soon"
    sms = SmsMessage.objects.get(template="deadline_soon")
    assert sms.to == "13700000001" and running_case.number in sms.body
    reviewer = client_for(county.staff["reviewer"])
    listed = reviewer.get("/api/v1/notices/?unread=true").json()["results"]
    assert [n["case"] for n in listed] == [running_case.number]
    assert reviewer.post(f"/api/v1/notices/{listed[0]['id']}/read/").json()["read_at"] is not None
    assert reviewer.get("/api/v1/notices/?unread=true").json()["count"] == 0


def test_an_overdue_case_goes_to_the_supervisor_of_its_county(county, running_case):
    result = sweep_deadlines(today=running_case.due_date + dt.timedelta(days=1))
    assert result.escalated == 1
    assert StaffNotice.objects.get(kind="case_overdue").recipient == county.staff["supervisor"]


def test_a_suspended_case_is_not_chased_and_a_moved_date_warns_again(county, running_case, reviewer):
    act(reviewer, running_case.number, "suspend", reason="现场勘验", kind="inspection")
    assert sweep_deadlines(today=running_case.due_date + dt.timedelta(days=3)).escalated == 0
    with time_machine.travel(dt.datetime.combine(add_workdays(dt.date.today(), 3), dt.time(10))):
        act(reviewer, running_case.number, "resume")
    moved = Case.objects.get(pk=running_case.pk).due_date
    assert moved > running_case.due_date
    sweep_deadlines(today=before(running_case.due_date, 1))
    assert sweep_deadlines(today=before(moved, 1)).warned == 1


def test_notices_are_private_to_their_recipient(county, running_case):
    sweep_deadlines(today=before(running_case.due_date, 1))
    notice = StaffNotice.objects.get()
    other = client_for(county.staff["town_clerk"])
    assert other.get("/api/v1/notices/").json()["count"] == 0
    assert other.post(f"/api/v1/notices/{notice.pk}/read/").status_code == 404
