"""A case's due dates and the 2027 calendar (issue 16, item 5; contract.md ``warnings``).

In December 2026 the State Council has not yet published 2027's holidays (neither chinesecalendar
1.11 nor ``holidays`` has them): a case accepted now is counted through 2027 with weekends only,
2027-01-01 passing for a working day. The case says so in ``warnings``; when staff enter the year
(command, admin import, admin days + year, package sync), the due dates of open cases are counted
again, the timeline says old → new, and the warning goes.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from tests.test_cases import act, application, client_for
from yichuang.cases.calendar import cases_recount_due_dates
from yichuang.cases.models import Case, CaseEvent
from yichuang.workdays.engine import WorkCalendar
from yichuang.workdays.models import ScheduleYear
from yichuang.workdays.selectors import schedule_reminder
from yichuang.workdays.services import holidays_import

pytestmark = pytest.mark.django_db

CST = ZoneInfo("Asia/Shanghai")
D = dt.date

#: 2027's schedule as a county would type it in from the notice: 元旦 on Friday 1 January, a
#: plausible Spring Festival (5–11 February off, two make-up Saturdays).
SCHEDULE_2027 = [
    ("2027-01-01", "休", "元旦"),
    ("2027-02-05", "休", "春节"),
    ("2027-02-08", "休", "春节"),
    ("2027-02-09", "休", "春节"),
    ("2027-02-10", "休", "春节"),
    ("2027-02-11", "休", "春节"),
    ("2027-02-13", "班", "春节"),
    ("2027-02-20", "班", "春节"),
]


def schedule_csv() -> bytes:
    lines = ["日期,类型,名称"] + [",".join(row) for row in SCHEDULE_2027]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def on(day: str, hour: int = 10) -> Any:
    return time_machine.travel(dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=CST), tick=False)


@pytest.fixture(autouse=True)
def _quiet_uncovered_year_warnings() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def accept_low_income_case(clerk: Any) -> dict[str, Any]:
    """低保 (promised 18, statutory 32 working days) accepted at the town's window, one paper 容缺."""
    response = clerk.post(
        "/api/v1/cases/", application(clerk, tolerated=["M020"], commitments=["M010"]), format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_case_accepted_in_december_warns_that_2027_is_counted_by_weekends_only(clerk):
    with on("2026-12-15"):
        case = accept_low_income_case(clerk)
        # Weekends only: 16–31 December give 12 working days, then Friday 1 January is counted.
        assert case["due_date"] == "2027-01-08"
        assert case["statutory_due_date"] == "2027-01-28"
        assert len(case["warnings"]) == 1 and "2027年" in case["warnings"][0]
        assert "官方节假日安排尚未录入" in case["warnings"][0]
        detail = clerk.get(f"/api/v1/cases/{case['number']}/").json()
        assert detail["warnings"] == case["warnings"]
        listed = clerk.get("/api/v1/cases/").json()["results"][0]
        assert listed["number"] == case["number"] and listed["warnings"] == case["warnings"]


def test_a_case_counted_within_a_known_year_has_no_warning(clerk):
    with on("2026-06-15"):
        case = accept_low_income_case(clerk)
    assert case["warnings"] == []


def test_importing_2027_moves_open_cases_due_dates_writes_the_timeline_and_clears_the_warning(
    county, clerk, reviewer
):
    with on("2026-12-15"):
        open_case = accept_low_income_case(clerk)
        closed = accept_low_income_case(clerk)
        assert act(reviewer, closed["number"], "deny", reason="不符合条件").status_code == 200
    with on("2026-12-20"):
        report = holidays_import(content=schedule_csv(), year=2027)
        assert report.recounted == 1
        after = clerk.get(f"/api/v1/cases/{open_case['number']}/").json()
    # 元旦 is a holiday now: each date moves one working day later.
    assert (after["due_date"], after["statutory_due_date"]) == ("2027-01-11", "2027-01-29")
    assert after["supplement_due_date"] == open_case["supplement_due_date"] == "2026-12-22"
    assert after["warnings"] == []
    line = after["timeline"][-1]
    assert line["action"] == "recount" and line["status"] == "accepted"
    assert "承诺办结日期 2027-01-08 → 2027-01-11" in line["note"]
    assert "法定办结日期 2027-01-28 → 2027-01-29" in line["note"]
    assert after["row_version"] == open_case["row_version"] + 1
    # A decided case keeps the dates it was decided under, and no line.
    denied = Case.objects.get(number=closed["number"])
    assert denied.due_date == D(2027, 1, 8)
    assert not CaseEvent.objects.filter(case=denied, action="recount").exists()


def test_importing_again_without_a_change_writes_nothing(county, clerk):
    with on("2026-12-15"):
        case = accept_low_income_case(clerk)
    holidays_import(content=schedule_csv(), year=2027)
    assert holidays_import(content=schedule_csv(), year=2027).recounted == 0
    assert CaseEvent.objects.filter(case__number=case["number"], action="recount").count() == 1


def test_a_suspension_across_new_year_is_counted_again_too(county, clerk, reviewer):
    with on("2026-12-15"):
        case = accept_low_income_case(clerk)
    with on("2026-12-28"):
        assert (
            act(reviewer, case["number"], "suspend", reason="现场勘验", kind="inspection").status_code == 200
        )
    with on("2027-01-05"):
        resumed = act(reviewer, case["number"], "resume").json()
        # 29, 30, 31 December, 1 (weekends only), 4 and 5 January: six working days suspended.
        assert resumed["suspended_days"] == 6
        assert resumed["due_date"] == "2027-01-18"
        assert resumed["warnings"]
        holidays_import(content=schedule_csv(), year=2027)
        after = clerk.get(f"/api/v1/cases/{case['number']}/").json()
    # With 1 January a holiday: five days suspended, and 18 + 5 working days from 15 December; the
    # statutory 32 + 5 now run past the Spring Festival (5–11 February off).
    assert after["suspended_days"] == 5
    assert after["due_date"] == "2027-01-18"
    assert after["statutory_due_date"] == "2027-02-12"
    assert after["warnings"] == []
    assert Case.objects.get(number=case["number"]).suspensions.get().working_days == 5


def test_the_import_command_counts_open_cases_again(county, clerk, tmp_path):
    with on("2026-12-15"):
        case = accept_low_income_case(clerk)
    path = tmp_path / "2027.csv"
    path.write_bytes(schedule_csv())
    out = io.StringIO()
    call_command("import_holidays", str(path), "--year", "2027", stdout=out)
    assert "1 件在办办件的办结期限已重新计算" in out.getvalue()
    assert Case.objects.get(number=case["number"]).due_date == D(2027, 1, 11)


def test_an_admin_who_types_the_days_then_marks_the_year_moves_the_dates_under_his_name(
    county, clerk, admin_client
):
    with on("2026-12-15"):
        case = accept_low_income_case(clerk)
    response = admin_client.post(
        reverse("admin:workdays_calendarday_add"), {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert response.status_code == 302
    # Half a year typed in counts for nothing yet.
    assert Case.objects.get(number=case["number"]).due_date == D(2027, 1, 8)
    response = admin_client.post(reverse("admin:workdays_scheduleyear_add"), {"year": "2027"})
    assert response.status_code == 302
    moved = Case.objects.get(number=case["number"])
    assert moved.due_date == D(2027, 1, 11)
    line = CaseEvent.objects.get(case=moved, action="recount")
    assert line.actor is not None and line.actor.is_superuser
    # Un-covering the year again counts by weekends again, and the warning returns.
    admin_client.post(
        reverse("admin:workdays_scheduleyear_delete", args=[ScheduleYear.objects.get(year=2027).pk]),
        {"post": "yes"},
    )
    with on("2026-12-20"):
        again = clerk.get(f"/api/v1/cases/{case['number']}/").json()
    assert again["due_date"] == "2027-01-08" and again["warnings"]


def test_the_admin_import_page_says_how_many_cases_moved(county, clerk, admin_client):
    with on("2026-12-15"):
        accept_low_income_case(clerk)
    upload = io.BytesIO(schedule_csv())
    upload.name = "2027.csv"
    response = admin_client.post(
        reverse("admin:workdays_calendarday_import"), {"file": upload, "year": "2027"}, follow=True
    )
    assert "1 件在办办件的办结期限已重新计算" in response.content.decode()


def test_a_package_that_learns_2027_moves_the_dates_on_sync(county, clerk, monkeypatch):
    from yichuang.workdays import package, services

    with on("2026-12-15"):
        case = accept_low_income_case(clerk)
    real_years, real_days = package.package_years, package.package_deviations

    def years() -> list[int]:
        return [*real_years(), 2027]

    def deviations(year: int | None = None) -> list[package.PackageDay]:
        days = real_days(year) if year != 2027 else []
        if year in (None, 2027):
            days.append(package.PackageDay(D(2027, 1, 1), package.HOLIDAY, "元旦"))
        return days

    monkeypatch.setattr(services, "package_years", years)
    monkeypatch.setattr(services, "package_deviations", deviations)
    report = services.holidays_sync_from_package()
    assert report.years_added == [2027] and report.recounted == 1
    assert Case.objects.get(number=case["number"]).due_date == D(2027, 1, 11)


def test_tracking_and_the_citizens_answer_carry_the_warning(county, clerk, api_client):
    from tests.test_cases import PHONE

    with on("2026-12-15"):
        case = accept_low_income_case(clerk)
        tracked = api_client.post(f"/api/v1/track/{case['number']}/", {"phone": PHONE}, format="json")
    assert tracked.status_code == 200
    assert tracked.json()["warnings"] == case["warnings"] != []


def test_the_case_page_and_the_staff_home_show_the_warning(county, clerk):
    from django.test import Client

    with on("2026-12-15"):
        case = accept_low_income_case(clerk)
        browser = Client()
        browser.force_login(county.staff["town_clerk"])
        page = browser.get(reverse("web:case", args=[case["number"]])).content.decode()
        home = browser.get(reverse("web:work")).content.decode()
    assert "官方节假日安排尚未录入" in page
    assert 'id="uncovered-cases"' in home


def test_the_dashboard_counts_cases_with_a_warning_and_reminds_admins_in_december(county, clerk):
    with on("2026-12-15"):
        accept_low_income_case(clerk)
        admin = client_for(county.staff["admin"])
        board = admin.get("/api/v1/stats/dashboard/", {"from": "2026-12", "to": "2026-12"}).json()
        assert board["uncovered_count"] == 1
        assert "2027年官方节假日安排尚未录入" in board["calendar_reminder"]
        mine = clerk.get("/api/v1/stats/dashboard/", {"from": "2026-12", "to": "2026-12"}).json()
        assert mine["uncovered_count"] == 1 and mine["calendar_reminder"] is None
        holidays_import(content=schedule_csv(), year=2027)
        board = admin.get("/api/v1/stats/dashboard/", {"from": "2026-12", "to": "2026-12"}).json()
    assert board["uncovered_count"] == 0 and board["calendar_reminder"] is None


def test_admins_are_reminded_only_in_november_and_december(admin_client):
    assert schedule_reminder(D(2026, 10, 31)) is None
    assert "2027年" in (schedule_reminder(D(2026, 11, 1)) or "")
    with on("2026-11-20"):
        page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="schedule-reminder"' in page
    with on("2026-10-20"):
        page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="schedule-reminder"' not in page


def test_a_recount_for_a_year_no_case_touches_changes_nothing(county, clerk):
    with on("2026-06-15"):
        case = accept_low_income_case(clerk)
    assert cases_recount_due_dates(years=[2027]) == 0
    assert not CaseEvent.objects.filter(case__number=case["number"], action="recount").exists()


#: A calendar known from 2004 to 2026 but for 2021: the count's edges are the year ends around
#: 2004, the gap year and 2027.
GAPPY = WorkCalendar.build(holidays=[], workdays=[], covered_years=[*range(2004, 2021), *range(2022, 2027)])

#: (due, statutory, supplement) of open cases, each counted from the day before its earliest date.
DATES_AROUND_YEAR_ENDS = [
    (D(2003, 12, 31), D(2004, 1, 20), None),
    (D(2004, 1, 1), D(2004, 2, 1), D(2004, 1, 1)),
    (D(2020, 12, 31), D(2020, 12, 31), None),
    (D(2020, 12, 31), D(2021, 1, 1), None),
    (D(2021, 6, 1), D(2021, 7, 1), D(2021, 5, 20)),
    (D(2021, 12, 31), D(2022, 1, 10), None),
    (D(2022, 1, 1), D(2022, 1, 31), D(2022, 1, 1)),
    (D(2026, 12, 20), D(2026, 12, 31), D(2026, 12, 10)),
    (D(2026, 12, 31), D(2027, 1, 1), None),
    (D(2026, 12, 25), D(2026, 12, 30), D(2027, 1, 4)),
    (D(2027, 1, 1), D(2027, 2, 1), None),
    (D(9999, 12, 31), None, None),
]


def test_the_dashboards_count_of_warned_cases_agrees_with_each_cases_warning(clerk, monkeypatch):
    """The dashboards count by date ranges (so an index answers at ten million cases); a case is
    counted exactly when its own page warns, around each year end and in a year left out."""
    from yichuang.cases import calendar

    monkeypatch.setattr(calendar, "current_calendar", lambda: GAPPY)
    with on("2026-06-15"):
        number = accept_low_income_case(clerk)["number"]
    one = Case.objects.filter(number=number)
    for status in ("accepted", "suspended", "delivered"):
        for due, statutory, supplement in DATES_AROUND_YEAR_ENDS:
            earliest = min(d for d in (due, statutory, supplement) if d is not None)
            accepted = dt.datetime.combine(earliest - dt.timedelta(days=1), dt.time(10), tzinfo=CST)
            one.update(
                status=status,
                accepted_at=accepted,
                due_date=due,
                statutory_due_date=statutory,
                supplement_due_date=supplement,
            )
            case = one.get()
            warned = bool(calendar.uncovered_years_of(case.__dict__))
            assert calendar.uncovered_open_cases(one).exists() == warned, (status, due, statutory, supplement)
            assert warned == (status != "delivered" and (due, statutory, supplement) not in _QUIET)


_QUIET = {
    (D(2004, 1, 1), D(2004, 2, 1), D(2004, 1, 1)),
    (D(2020, 12, 31), D(2020, 12, 31), None),
    (D(2022, 1, 1), D(2022, 1, 31), D(2022, 1, 1)),
    (D(2026, 12, 20), D(2026, 12, 31), D(2026, 12, 10)),
}


def test_the_days_outside_the_known_years_are_ranges():
    from yichuang.cases.calendar import uncovered_spans

    assert uncovered_spans([]) == [(None, None)]
    assert uncovered_spans([2026, 2024, 2025]) == [(None, D(2024, 1, 1)), (D(2027, 1, 1), None)]
    assert uncovered_spans(GAPPY.covered) == [
        (None, D(2004, 1, 1)),
        (D(2021, 1, 1), D(2022, 1, 1)),
        (D(2027, 1, 1), None),
    ]


def test_the_open_cases_index_holds_exactly_the_cases_the_count_reads():
    from yichuang.cases.calendar import OPEN

    index = next(i for i in Case._meta.indexes if i.name == "case_open_dates")
    condition = dict(index.condition.children)
    assert set(condition["status__in"]) == set(OPEN) and condition["accepted_at__isnull"] is False
