"""The public calendar API: anyone may ask when N working days from a date fall."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from yichuang.workdays.services import holidays_import
from yichuang.workdays.testing import fresh_calendar  # noqa: F401

pytestmark = pytest.mark.django_db

ADD = reverse("v1:workdays-add")
BETWEEN = reverse("v1:workdays-between")
DAYS = reverse("v1:calendar-days")


def test_the_routes_are_where_the_contract_says() -> None:
    assert ADD == "/api/v1/calendar/workdays/add/"
    assert BETWEEN == "/api/v1/calendar/workdays/between/"
    assert DAYS == "/api/v1/calendar/days/"


def test_an_anonymous_caller_gets_the_date_and_no_warnings(api_client: APIClient) -> None:
    response = api_client.get(ADD, {"start": "2025-01-24", "days": "3"})
    assert response.status_code == 200
    assert response.json() == {"date": "2025-02-05", "warnings": []}


def test_zero_days_answers_the_start(api_client: APIClient) -> None:
    assert api_client.get(ADD, {"start": "2025-10-01", "days": "0"}).json()["date"] == "2025-10-01"


def test_a_year_without_a_schedule_is_flagged_until_it_is_imported(api_client: APIClient) -> None:
    before = api_client.get(ADD, {"start": "2027-02-04", "days": "1"}).json()
    assert before == {"date": "2027-02-05", "warnings": ["2027年尚未录入官方节假日安排，仅按周末计算。"]}

    holidays_import(content="日期,类型,名称\n2027-02-05,休,春节\n".encode(), year=2027)

    after = api_client.get(ADD, {"start": "2027-02-04", "days": "1"}).json()
    assert after == {"date": "2027-02-08", "warnings": []}


def test_a_far_future_start_answers_with_a_warning_not_an_error(api_client: APIClient) -> None:
    body = api_client.get(ADD, {"start": "2100-12-30", "days": "3650"}).json()
    assert body["date"].startswith("2114")
    assert len(body["warnings"]) == 15 and body["warnings"][0].startswith("2100年")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"days": "3"}, "start", "请提供日期。"),
        ({"start": "2025-02-30", "days": "3"}, "start", "日期格式应为 YYYY-MM-DD。"),
        ({"start": "yesterday", "days": "3"}, "start", "日期格式应为 YYYY-MM-DD。"),
        ({"start": "2025-01-01"}, "days", "请提供天数。"),
        ({"start": "2025-01-01", "days": "3.5"}, "days", "天数应为整数。"),
        ({"start": "2025-01-01", "days": "-1"}, "days", "天数不能为负数。"),
        ({"start": "2025-01-01", "days": "3651"}, "days", "天数不能超过 3650。"),
        ({"start": "9999-12-30", "days": "10"}, "days", "结果超出可计算的日期范围。"),
    ],
)
def test_bad_parameters_answer_400_in_the_projects_error_shape(
    api_client: APIClient, params: dict[str, str], field: str, message: str
) -> None:
    response = api_client.get(ADD, params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}
    assert body["code"] == "invalid"
    assert body["fields"][field] == [message]


def test_between_counts_working_days_after_start_up_to_end(api_client: APIClient) -> None:
    body = api_client.get(BETWEEN, {"start": "2025-01-24", "end": "2025-02-05"}).json()
    assert body == {"days": 3, "warnings": []}
    assert api_client.get(BETWEEN, {"start": "2025-02-05", "end": "2025-01-24"}).json()["days"] == 0


def test_between_needs_both_dates(api_client: APIClient) -> None:
    response = api_client.get(BETWEEN, {"start": "2025-01-24"})
    assert response.status_code == 400
    assert "end" in response.json()["fields"]


def test_the_days_of_a_year_list_holidays_and_make_up_days(api_client: APIClient) -> None:
    body = api_client.get(DAYS, {"year": "2025"}).json()
    assert body["covered"] is True and body["source"] == "chinesecalendar" and body["warnings"] == []
    sunday = next(d for d in body["days"] if d["date"] == "2025-01-26")
    assert sunday == {
        "date": "2025-01-26",
        "kind": "workday",
        "kind_display": "班",
        "weekday": "周日",
        "name": "春节",
    }


def test_an_uncovered_year_lists_nothing_and_says_why(api_client: APIClient) -> None:
    body = api_client.get(DAYS, {"year": "2027"}).json()
    assert (body["covered"], body["days"]) == (False, [])
    assert body["warnings"] == ["2027年尚未录入官方节假日安排，仅按周末计算。"]


@pytest.mark.parametrize("year", ["", "abc", "0", "10000"])
def test_a_bad_year_answers_400(api_client: APIClient, year: str) -> None:
    assert api_client.get(DAYS, {"year": year}).status_code == 400


def test_the_openapi_schema_documents_the_calendar(api_client: APIClient) -> None:
    response = api_client.get(reverse("schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    operation = paths["/api/v1/calendar/workdays/add/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"start", "days"}
    assert operation["security"] == [{}]  # open to anonymous callers
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/WorkdaysAdd"
    )
    assert "/api/v1/calendar/workdays/between/" in paths and "/api/v1/calendar/days/" in paths
