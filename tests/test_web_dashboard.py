"""数据看板 as a page: the figures of the monthly rollups of real cases in tables, drill-down links one
level at a time, the same scope as the API (out of scope is a 404), Excel exports under the session
login, the hall's queue, and the overdue cases with masked names only."""

from __future__ import annotations

import datetime as dt
import io
import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tests import factories as f
from tests.queue_cast import SHANGHAI
from tests.stats_cast import LATER
from tests.web_cast import ID_NUMBER, NAME, make_case
from yichuang.org.models import Role
from yichuang.stats.services import rollup_all

pytestmark = pytest.mark.django_db

PAGE = "/work/dashboard/"


class Tables(HTMLParser):
    """Every table of a page with an id: its rows as lists of cell texts, and the links in each row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: dict[str, list[list[str]]] = {}
        self._table = ""
        self._row: list[str] | None = None
        self._row_links: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("id"):
            self._table = found["id"] or ""
            self.tables[self._table], self.links[self._table] = [], []
        elif self._table and tag == "tr":
            self._row, self._row_links = [], []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []
        elif self._row is not None and tag == "a":
            self._row_links.append(found.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self.links[self._table].append(self._row_links)
            self._row = None
        elif tag == "table":
            self._table = ""

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read(html: str) -> Tables:
    tables = Tables()
    tables.feed(html)
    return tables


def figures(page: Tables, table: str) -> dict[str, str]:
    return {row[0]: row[1] for row in page.tables[table]}


def row_named(page: Tables, table: str, name: str) -> tuple[list[str], list[str]]:
    for cells, links in zip(page.tables[table], page.links[table], strict=True):
        if cells and cells[0].startswith(name):
            return cells, links
    raise AssertionError(f"no row {name!r} in {table}: {page.tables[table]}")


def session_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_page(client: Client, url: str = PAGE, **query: str) -> tuple[str, Tables]:
    response = client.get(url, query)
    assert response.status_code == 200, response.content[:500]
    html = response.content.decode()
    return html, read(html)


def this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def leader(month_of_work: Any) -> Client:
    """The county's supervisor (督查), logged in through the session like the browser."""
    return session_of(month_of_work.staff["supervisor"])


# —— figures ——


def test_the_county_sees_this_months_figures_from_the_rollups_of_real_cases(leader):
    html, page = open_page(leader)
    cases = figures(page, "figures-cases")
    assert (cases["受理件数"], cases["办结件数"], cases["即办件数"]) == ("4", "2", "1")
    assert cases["即办件占比"] == "25.0%"
    assert cases["按时办结率"] == "100.0%"
    assert cases["平均法定时限（工作日）"] == "21.0"  # (32 + 10) / 2
    assert cases["最多跑一次率"] == "100.0%"
    assert '<span id="unit-name">浉河区</span>' in html
    assert figures(page, "figures-satisfaction")["满意率"] == "—", "no ratings yet: nothing to divide by"
    assert figures(page, "figures-hotline")["登记工单"] == "0"
    month = page.tables["table-months"][1]
    assert month[:3] == [this_month(), "4", "2"]


def test_each_town_is_compared_and_the_county_level_points_are_listed_on_their_own(leader):
    _html, page = open_page(leader)
    town, links = row_named(page, "table-children", "甲镇")
    assert town[1] == "3"  # accepted
    assert parse_qs(urlsplit(links[0]).query) == {
        "from": [this_month()],
        "to": [this_month()],
        "region": ["411502000000"[:6] + "100000"],
    }
    own, own_links = row_named(page, "table-children", "浉河区本级")
    assert own[1] == "1"
    assert [parse_qs(urlsplit(link).query)["point"] for link in own_links] == [["HALL"]]


def test_the_drill_down_goes_town_point_window_and_staff_and_the_trail_leads_back(leader):
    _html, county = open_page(leader)
    _cells, links = row_named(county, "table-children", "甲镇")
    html, town = open_page(leader, links[0])
    assert '<span id="unit-name">甲镇</span>' in html
    point, point_links = row_named(town, "table-children", "甲镇便民服务中心")
    assert point[1] == "3"
    html, center = open_page(leader, point_links[0])
    assert '<span id="unit-name">甲镇便民服务中心</span>' in html
    clerk, clerk_links = row_named(center, "table-children", "clerk_a")
    assert clerk[1] == "3"
    assert parse_qs(urlsplit(clerk_links[0]).query)["staff"] == ["clerk_a"]
    html, person = open_page(leader, clerk_links[0])
    assert figures(person, "figures-cases")["受理件数"] == "3"
    assert "table-children" not in person.tables, "a member of staff is the last level"
    trail = html.split('class="trail"')[1].split("</nav>")[0]
    assert [name for name in ("浉河区", "甲镇", "甲镇便民服务中心") if f">{name}</a>" in trail] == [
        "浉河区",
        "甲镇",
        "甲镇便民服务中心",
    ]
    assert 'aria-current="page">clerk_a</span>' in trail


def test_the_months_can_be_chosen_and_other_months_are_empty(leader):
    _html, page = open_page(leader, **{"from": "2026-01", "to": "2026-02"})
    assert figures(page, "figures-cases")["受理件数"] == "0"
    assert page.tables["table-months"][1] == ["所选月份还没有办件数据。"]


def test_the_assessment_ranking_is_on_the_page_with_links_down(leader):
    _html, page = open_page(leader)
    first, links = row_named(page, "table-ranking", "1")
    assert first[1] == "甲镇"
    assert "region=411502100000" in links[0]
    header = page.tables["table-ranking"][0]
    assert header[:3] == ["名次", "乡镇（街道）", "得分"]
    assert "按时办结率" in header


def test_the_charts_get_the_same_figures_as_the_tables_and_the_library_from_our_own_static(leader):
    response = leader.get(PAGE)
    html = response.content.decode()
    data = json.loads(html.split('id="dashboard-charts" type="application/json">')[1].split("</script>")[0])
    assert data["months"] == {"names": [this_month()], "accepted": [4], "completed": [2], "on_time": [100.0]}
    assert data["children"]["names"] == ["浉河区本级", "甲镇"]
    assert data["children"]["accepted"] == [1, 3]
    assert data["children"]["links"][0] == "", "本级 leads to its points, listed in the table"
    assert "region=411502100000" in data["children"]["links"][1]
    assert '<script src="/static/vendor/echarts/echarts.min.js" defer></script>' in html
    assert "cdn" not in html.lower()


# —— scope ——


def test_a_town_clerk_sees_his_town_and_nothing_outside_it(month_of_work):
    other = session_of(month_of_work.staff["other_clerk"])
    html, page = open_page(other)
    assert '<span id="unit-name">乙镇</span>' in html
    assert figures(page, "figures-cases")["受理件数"] == "0"
    assert other.get(PAGE, {"point": "CA"}).status_code == 404
    assert other.get(PAGE, {"region": "411502100000"}).status_code == 404
    assert other.get(PAGE, {"staff": "clerk_a"}).status_code == 404
    assert other.get(PAGE, {"region": "411502000000"}).status_code == 404, "not the county above him"


def test_unknown_units_and_staff_without_a_scope_get_a_404(leader, month_of_work):
    assert leader.get(PAGE, {"region": "999999999999"}).status_code == 404
    assert leader.get(PAGE, {"point": "NOPE"}).status_code == 404
    nobody = session_of(f.StaffFactory(username="floating", role=Role.SUPERVISOR))
    assert nobody.get(PAGE).status_code == 404


def test_someone_not_logged_in_is_sent_to_the_login_page(month_of_work):
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_wrong_month_is_a_400_that_says_how_to_write_it(leader):
    response = leader.get(PAGE, {"from": "2026-13"})
    assert response.status_code == 400
    assert "月份格式应为 YYYY-MM" in response.content.decode()
    response = leader.get(PAGE, {"from": "2026-11", "to": "2026-01"})
    assert response.status_code == 400 and "截止月份不能早于起始月份" in response.content.decode()


def test_the_menu_has_the_dashboard_for_staff_with_a_scope_but_not_for_village_agents(month_of_work):
    staff = month_of_work.staff
    assert 'href="/work/dashboard/"' in session_of(staff["supervisor"]).get("/work/").content.decode()
    assert 'href="/work/dashboard/"' in session_of(staff["town_clerk"]).get("/work/").content.decode()
    assert 'href="/work/dashboard/"' not in session_of(staff["agent"]).get("/work/").content.decode()


# —— exports ——


def test_the_excel_exports_of_the_same_unit_and_months_download_with_the_session_login(leader):
    _html, county = open_page(leader)
    _cells, links = row_named(county, "table-children", "甲镇")
    html, _town = open_page(leader, links[0])
    export = html.split('id="export-dashboard" href="')[1].split('"')[0].replace("&amp;", "&")
    assert urlsplit(export).path == "/api/v1/stats/dashboard/export/"
    assert parse_qs(urlsplit(export).query) == {
        "from": [this_month()],
        "to": [this_month()],
        "region": ["411502100000"],
    }
    response = leader.get(export)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    summary = list(load_workbook(io.BytesIO(response.content))["汇总"].iter_rows(values_only=True))
    assert summary[2][:2] == ("甲镇", 3)
    ranking = html.split('id="export-assessment" href="')[1].split('"')[0].replace("&amp;", "&")
    assert urlsplit(ranking).path == "/api/v1/stats/assessment/export/"
    book = load_workbook(io.BytesIO(leader.get(ranking).content))
    assert book["考核排名"]["B2"].value == "甲镇便民服务中心"


def test_an_export_out_of_scope_is_a_404_under_the_session_login_too(month_of_work):
    other = session_of(month_of_work.staff["other_clerk"])
    assert other.get("/api/v1/stats/dashboard/export/", {"point": "CA"}).status_code == 404


# —— overdue and the queue ——


def test_overdue_cases_are_listed_with_the_applicants_name_masked(county, time_machine):
    time_machine.move_to(dt.datetime(2026, 9, 1, 9, 0, tzinfo=SHANGHAI), tick=False)
    late = make_case(county)
    time_machine.move_to(dt.datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI), tick=False)
    rollup_all(now=timezone.now() + LATER)
    html, page = open_page(session_of(county.staff["supervisor"]), **{"from": "2026-09", "to": "2026-11"})
    row, links = row_named(page, "cases-overdue", late.number)
    assert row[1:3] == ["农村最低生活保障审批", "王*兰"]
    assert links == [f"/work/cases/{late.number}/"]
    assert NAME not in html and ID_NUMBER not in html


def test_the_halls_queue_is_shown_for_the_unit_with_a_row_per_point(morning):
    client = session_of(morning.world.staff["supervisor"])
    _html, page = open_page(client, **{"from": "2026-10"})
    queue = figures(page, "figures-queue")
    assert (queue["取号"], queue["叫号"], queue["办结"], queue["过号"]) == ("5", "4", "3", "1")
    assert queue["平均等候（分钟）"] == "9.5"
    assert queue["10分钟内叫号率"] == "50.0%"
    assert queue["平均办理时长（分钟）"] == "6.3"
    assert queue["预约到场率"] == "50.0%"
    hall, _links = row_named(page, "table-queue", "区政务服务中心")
    assert hall[1:3] == ["4", "3"]
    _html, person = open_page(client, **{"from": "2026-10", "staff": "hall"})
    mine = figures(person, "figures-queue")
    assert (mine["取号"], mine["平均等候（分钟）"]) == ("2", "12.0")
    assert "预约到场率" not in mine, "appointments are made with a point, not with a clerk"
