"""`yichuang simulate` runs a month of the demo county through the real services."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from yichuang.cases.models import Case, CaseEvent
from yichuang.demo.loader import load_demo
from yichuang.hotline.models import Ticket
from yichuang.org.models import Staff
from yichuang.queue.models import Appointment, AppointmentStatus, QueueTicket
from yichuang.ratings.models import Rating
from yichuang.stats.models import MonthlyFigure
from yichuang.workdays.selectors import current_calendar

pytestmark = pytest.mark.django_db


def test_a_simulated_month_leaves_cases_timelines_ratings_and_figures():
    load_demo()
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate", "--cases", "40", "--month", "2026-10", stdout=out, stderr=err)
    assert Case.objects.count() == 40
    assert Case.objects.filter(created_at__month=10).count() == 40
    assert Case.objects.filter(status="delivered").exists()
    assert CaseEvent.objects.filter(action="approve").exists()
    assert Rating.objects.exists()
    accepted = sum(MonthlyFigure.objects.filter(month__month=10).values_list("accepted", flat=True))
    assert 0 < accepted <= 40
    assert "/api/v1/stats/dashboard/?from=2026-10" in out.getvalue()
    assert Ticket.objects.count() == 10  # a quarter of the applications
    assert Ticket.objects.filter(status__in=["closed", "revisited"]).exists()
    served = QueueTicket.objects.filter(status="served", day__month=10)
    assert served.filter(cases__isnull=False).exists(), "window visits came with a number that links the case"
    assert all(t.wait_seconds is not None and t.service_seconds for t in served)
    assert "模拟" in err.getvalue()  # the progress bar
    # Each year without an official holiday schedule that a due date reached is said once, after the bar.
    latest = max(d for d in Case.objects.values_list("statutory_due_date", flat=True) if d is not None)
    uncovered = current_calendar().uncovered_years(2026, latest.year)
    for year in uncovered:
        assert err.getvalue().count(f"{year}年尚未录入官方节假日安排") == 1
    assert err.getvalue().count("尚未录入官方节假日安排") == len(uncovered)


def test_after_a_simulated_month_the_dashboard_shows_the_halls_queue_and_appointments():
    load_demo()
    call_command(
        "simulate", "--cases", "60", "--month", "2026-10", stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert Appointment.objects.filter(status=AppointmentStatus.CHECKED_IN, ticket__status="served").exists()
    assert Appointment.objects.filter(status=AppointmentStatus.MISSED).exists()
    assert not Appointment.objects.filter(status=AppointmentStatus.BOOKED, day__month=10).exists()
    client = APIClient()
    client.force_authenticate(Staff.objects.get(username="county_supervisor"))
    queue = client.get("/api/v1/stats/dashboard/", {"from": "2026-10"}).json()["queue"]
    assert queue["taken"] > 0 and queue["served"] > 0
    assert queue["average_wait_minutes"] is not None and queue["average_service_minutes"] is not None
    assert queue["from_appointments"] > 0
    assert 0 < queue["appointments"]["show_rate"] < 1


def test_a_future_month_or_a_bad_month_is_refused():
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("simulate", "--month", "2026/10", stdout=io.StringIO())
    with pytest.raises(CommandError, match="未来"):
        call_command("simulate", "--month", "2099-01", stdout=io.StringIO())


def test_the_simulated_hotline_signs_answers_closes_and_revisits_its_tickets():
    load_demo()
    out = io.StringIO()
    call_command(
        "simulate", "--cases", "4", "--tickets", "16", "--month", "2026-10", stdout=out, stderr=io.StringIO()
    )
    refused = [line for line in out.getvalue().splitlines() if "ticket" in line and "_refused" in line]
    assert refused == [], "every ticket step went through the real services"
    tickets = Ticket.objects.filter(created_at__month=10)
    dispatched = tickets.filter(events__action="dispatch").distinct()
    assert tickets.count() == 16 and dispatched.count() >= 8
    assert dispatched.filter(events__action="accept").distinct().count() == dispatched.count()
    assert dispatched.filter(events__action="reply").distinct().count() == dispatched.count()
    # Tickets registered at the end of the month are worked on after it, as they would be.
    assert not tickets.exclude(status__in=["closed", "revisited"]).exists()
    assert tickets.filter(status="revisited").count() >= dispatched.count() // 2

    client = APIClient()
    client.force_authenticate(Staff.objects.get(username="county_supervisor"))
    hotline = client.get("/api/v1/stats/dashboard/", {"from": "2026-10"}).json()["hotline"]
    assert (hotline["received"], hotline["closed"]) == (16, 16)
    assert hotline["on_time_rate"] >= 0.9
    assert hotline["revisit_rate"] >= 0.5


def test_with_two_counties_each_countys_cases_are_taken_by_its_own_staff_for_its_own_people():
    load_demo(counties=2)
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate", "--cases", "60", "--month", "2026-10", stdout=out, stderr=err)

    cases = Case.objects.select_related("point__region", "created_by__point__region", "created_by__region")
    counties = {case.point.region.code[:6] for case in cases}
    assert counties == {"411502", "411503"}
    for case in cases:
        county = case.point.region.code[:6]
        creator = case.created_by
        place = creator.point.region if creator.point else creator.region
        assert place is not None and place.code.startswith(county), case.number
        assert case.applicant_id_number.startswith(county), case.number
        assert case.handling_department is None or case.handling_department.region.code.startswith(county)
    for event in CaseEvent.objects.exclude(actor=None).select_related("case__point__region", "actor"):
        assert event.actor.region_id is None or event.actor.region.code.startswith(
            event.case.point.region.code[:6]
        ), event.case.number
    assert "12345工单登记（被拒绝）" not in out.getvalue()
