"""Who may apply, and once (issue 16, item 3).

Per-item conditions live in the catalog as rows staff edit (``EligibilityRule``): 高龄津贴 needs 80
full years read from the ID number and a household in the county; an item for people refuses a
company. A refused application says why in Chinese, names the field (422 ``not_eligible``) and
stores nothing. One open case per applicant and item: a second answers 409 naming the open case —
also when two windows submit at the same moment.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from tests.test_cases import act, application, client_for
from yichuang.cases.models import Case, OpenCaseClaim
from yichuang.cases.services.eligibility import age_on
from yichuang.catalog.models import EligibilityKind, EligibilityRule, ServiceItem
from yichuang.common.identity import resident_id_check_char, uscc_check_char

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 12, 7, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def resident(born: str, county: str = "411502") -> str:
    first17 = f"{county}{born}123"
    return first17 + resident_id_check_char(first17)


def elder_allowance_for(client: Any, id_number: str, **applicant: Any) -> Any:
    body = application(client, item="GL", provide=("M001",))
    body["applicant"] = {**body["applicant"], "id_number": id_number, **applicant}
    return client.post("/api/v1/cases/", body, format="json")


@pytest.fixture
def rules(county):
    item = ServiceItem.objects.get(code="GL")
    EligibilityRule.objects.create(item=item, kind=EligibilityKind.MIN_AGE, value="80")
    EligibilityRule.objects.create(item=item, kind=EligibilityKind.REGION, value="411502")
    EligibilityRule.objects.create(item=item, kind=EligibilityKind.APPLICANT_KIND, value="person")
    return item


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(TODAY, tick=False):
        yield


class TestEligibility:
    def test_a_1990_born_applicant_is_refused_the_elder_allowance_with_the_reason(self, rules, clerk):
        response = elder_allowance_for(clerk, resident("19900101"))
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "not_eligible"
        assert "须年满80周岁" in body["detail"] and "现年36周岁" in body["detail"]
        assert body["fields"]["applicant.id_number"] == [
            "“高龄津贴申领”须年满80周岁；按身份证号计算，申请人现年36周岁。"
        ]
        assert Case.objects.count() == 0 and OpenCaseClaim.objects.count() == 0

    def test_an_elder_of_the_county_is_accepted(self, rules, clerk):
        response = elder_allowance_for(clerk, resident("19400101"))
        assert response.status_code == 201, response.content

    def test_the_day_before_the_80th_birthday_is_too_early(self, rules, clerk):
        assert elder_allowance_for(clerk, resident("19461208")).status_code == 422
        assert elder_allowance_for(clerk, resident("19461207")).status_code == 201

    def test_a_household_elsewhere_is_refused_unless_the_stated_region_is_in_the_county(
        self, rules, clerk, county
    ):
        beijing = resident("19400101", county="110101")
        refused = elder_allowance_for(clerk, beijing)
        assert refused.status_code == 422 and "411502" in refused.json()["detail"]
        assert "applicant.id_number" in refused.json()["fields"]
        moved_in = elder_allowance_for(clerk, beijing, region=county.regions["town_a"].code)
        assert moved_in.status_code == 201, moved_in.content

    def test_a_company_is_refused_an_item_for_people(self, rules, clerk):
        first17 = "91411502MA00000001"[:17]
        company = first17 + uscc_check_char(first17)
        response = elder_allowance_for(clerk, company, kind="organization", name="某某公司")
        assert response.status_code == 422
        assert "applicant.kind" in response.json()["fields"] and "自然人" in response.json()["detail"]

    def test_staff_may_word_the_reason_themselves(self, rules, clerk):
        EligibilityRule.objects.filter(item=rules, kind=EligibilityKind.MIN_AGE).update(
            message="高龄津贴发放对象为年满80周岁的本区户籍老年人。"
        )
        response = elder_allowance_for(clerk, resident("19900101"))
        assert response.json()["fields"]["applicant.id_number"] == [
            "高龄津贴发放对象为年满80周岁的本区户籍老年人。"
        ]

    def test_an_inactive_rule_checks_nothing(self, rules, clerk):
        EligibilityRule.objects.filter(item=rules).update(active=False)
        assert elder_allowance_for(clerk, resident("19900101")).status_code == 201

    def test_full_years_turn_on_the_birthday(self):
        assert age_on(dt.date(1946, 12, 7), dt.date(2026, 12, 6)) == 79
        assert age_on(dt.date(1946, 12, 7), dt.date(2026, 12, 7)) == 80
        assert age_on(dt.date(1944, 2, 29), dt.date(2025, 2, 28)) == 80


class TestOneOpenCase:
    def test_a_second_application_names_the_open_case(self, clerk):
        first = elder_allowance_for(clerk, resident("19400101")).json()
        again = elder_allowance_for(clerk, resident("19400101"))
        assert again.status_code == 409
        assert again.json()["code"] == "duplicate_case" and first["number"] in again.json()["detail"]
        assert Case.objects.count() == 1

    def test_another_item_or_another_person_is_no_duplicate(self, clerk):
        assert elder_allowance_for(clerk, resident("19400101")).status_code == 201
        assert elder_allowance_for(clerk, resident("19400102")).status_code == 201
        low_income = application(clerk)
        low_income["applicant"]["id_number"] = resident("19400101")
        assert clerk.post("/api/v1/cases/", low_income, format="json").status_code == 201

    def test_once_the_case_is_closed_the_person_may_apply_again(self, clerk):
        first = elder_allowance_for(clerk, resident("19400101")).json()
        act(clerk, first["number"], "approve")
        act(clerk, first["number"], "deliver", method="pickup")
        assert not OpenCaseClaim.objects.exists()
        assert elder_allowance_for(clerk, resident("19400101")).status_code == 201

    def test_a_withdrawn_application_frees_the_place(self, clerk):
        first = elder_allowance_for(clerk, resident("19400101")).json()
        act(clerk, first["number"], "withdraw")
        assert elder_allowance_for(clerk, resident("19400101")).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_two_windows_submitting_the_same_person_at_once_make_one_case(county):
    """Run on PostgreSQL with DATABASE_URL: the second insert waits on the claim's unique index."""
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def submit(who: str) -> None:
        try:
            client = client_for(county.staff[who])
            body = application(client, item="GL", point="CA", provide=("M001",))
            body["applicant"]["id_number"] = resident("19400101")
            barrier.wait()
            results.append(client.post("/api/v1/cases/", body, format="json"))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(who,)) for who in ("town_clerk", "town_clerk")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409], [r.content for r in results]
    winner = next(r.json() for r in results if r.status_code == 201)
    loser = next(r.json() for r in results if r.status_code == 409)
    assert winner["number"] in loser["detail"]
    assert Case.objects.count() == 1
