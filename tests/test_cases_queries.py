"""How many queries the case endpoints make: a fixed number, however many cases, materials, files
and events there are — an N+1 (a query per row) fails here before it reaches a county with a
million cases. The counts are exact so that a new query is a decision someone makes on purpose.

The requests authenticate with a real token (``Authorization: Bearer``), as clients do: the token
query is part of every request.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import pytest
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.test_cases import accepted_case, act, application
from yichuang.cases.api import CaseListOutputSerializer, CaseOutputSerializer, case_list_row, case_output
from yichuang.cases.models import Case
from yichuang.cases.selectors import LIST_COLUMNS, case_list, with_details
from yichuang.org.tokens import token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _calendar_checked_once(settings: Any) -> None:
    """The holiday calendar is compiled once per process and rechecked at most once a second (a
    cheap marker query, see yichuang.workdays.selectors): not per request, and not counted here."""
    settings.WORKDAYS_RECHECK_SECONDS = 3600


#: The token (with the user, his region and point) is read on a client's first request and then kept
#: in memory (common.auth), as are the catalog, the offers, delegations, seals and SMS templates
#: (common.memo): the counts below are those of every later request.
#: the regions of his scope · count (up to a cap) · the page with the related codes and names (a
#: reviewer's scope is his department: no regions to read)
LIST_QUERIES = 3
#: the case with its relations · materials with their file ids · timeline · documents
DETAIL_QUERIES = 4
#: files · (the transaction, a savepoint in a test:) begin · case number · the case, inserted once in
#: the status it ends in · materials · file links · both timeline lines · SMS · (受理通知书:) the
#: materials it lists · the documents · commit; and (issue 16) the applicant's open case of the item · the
#: claim on it (a savepoint, the insert, its release). The item's conditions are kept in memory. The
#: answer is built from the rows in hand. And (issue 16, item 4) the applicant's breach of a commitment
#: (违诺记录), looked up by the index of his ID number.
CREATE_QUERIES = 16
#: (transaction:) begin · the case found in the actor's scope, locked, with its relations (the only
#: read of it) · update · event · commit · (the answer:) materials · timeline · documents
REVIEW_QUERIES = 8
#: REVIEW_QUERIES and the materials (what is missing, what is tolerated), the SMS row, the 受理通知书 (the materials it
#: lists, its row)
ACCEPT_QUERIES = REVIEW_QUERIES + 4
#: REVIEW_QUERIES and the SMS row, the 送达回证 (the decision it refers to, its row)
DELIVER_QUERIES = REVIEW_QUERIES + 3
#: REVIEW_QUERIES and the SMS row (sent after commit, not in the request) and the decision's
#: document row (rendered and signed after commit); the papers still owed (容缺) and the release of the
#: applicant's claim on the item (issue 16); for a case decided on a promise (告知承诺), the item's
#: post-check period and the post-check's row (issue 16, item 4)
APPROVE_QUERIES = REVIEW_QUERIES + 6


def with_token(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)[1]}")
    return client


@pytest.fixture
def clerk(county):
    return with_token(county.staff["town_clerk"])


@pytest.fixture
def reviewer(county):
    return with_token(county.staff["reviewer"])


def many_cases(clerk: APIClient, reviewer: APIClient, n: int) -> list[str]:
    numbers = []
    for i in range(n):
        number = accepted_case(clerk)["number"]
        if i % 2:
            assert act(reviewer, number, "review").status_code == 200
        numbers.append(number)
    return numbers


def test_the_case_list_makes_the_same_few_queries_for_one_case_or_many(
    clerk, reviewer, django_assert_num_queries, django_assert_max_num_queries
):
    many_cases(clerk, reviewer, 1)
    with django_assert_num_queries(LIST_QUERIES):
        assert clerk.get("/api/v1/cases/").json()["count"] == 1
    many_cases(clerk, reviewer, 6)
    with django_assert_num_queries(LIST_QUERIES):
        page = clerk.get("/api/v1/cases/").json()
    assert page["count"] == 7 and len(page["results"]) == 7
    with django_assert_num_queries(LIST_QUERIES):
        assert clerk.get("/api/v1/cases/", {"status": "in_review"}).json()["count"] == 3
    with django_assert_max_num_queries(LIST_QUERIES - 1):  # nothing found: no page to read
        assert reviewer.get("/api/v1/cases/", {"overdue": "true"}).json()["count"] == 0


def test_the_case_detail_makes_the_same_few_queries_whatever_the_case_holds(
    clerk, reviewer, django_assert_num_queries
):
    small = accepted_case(clerk)["number"]
    with django_assert_num_queries(DETAIL_QUERIES):
        assert clerk.get(f"/api/v1/cases/{small}/").status_code == 200
    big = accepted_case(clerk)["number"]
    for action in ("review", "approve"):
        assert act(reviewer, big, action).status_code == 200
    with django_assert_num_queries(DETAIL_QUERIES):
        answer = clerk.get(f"/api/v1/cases/{big}/").json()
    assert len(answer["timeline"]) == 4 and sum(len(m["files"]) for m in answer["materials"]) == 3


def test_creating_a_case_makes_a_fixed_number_of_queries(clerk, django_assert_num_queries):
    accepted_case(clerk)  # the calendar is compiled once
    small = application(clerk, tolerated=["M020"], commitments=["M010"])
    with django_assert_num_queries(CREATE_QUERIES):
        assert clerk.post("/api/v1/cases/", small, format="json").status_code == 201
    body = application(clerk, tolerated=["M020"], commitments=["M010"])
    extra = application(clerk)["materials"]
    for row, more in zip(body["materials"], extra, strict=True):
        row["files"] += more["files"]  # two files for each material
    with django_assert_num_queries(CREATE_QUERIES):
        created = clerk.post("/api/v1/cases/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "accepted"


def test_an_action_makes_a_fixed_number_of_queries(clerk, reviewer, django_assert_num_queries):
    first = accepted_case(clerk)["number"]
    for action in ("review", "approve"):  # the reviewer's token, the SMS template: read once
        assert act(reviewer, first, action).status_code == 200
    number = accepted_case(clerk)["number"]
    with django_assert_num_queries(REVIEW_QUERIES):
        assert act(reviewer, number, "review").status_code == 200
    with django_assert_num_queries(APPROVE_QUERIES):
        assert act(reviewer, number, "approve").status_code == 200


def test_accepting_and_delivering_make_a_fixed_number_of_queries(clerk, reviewer, django_assert_num_queries):
    for _warm_up in range(2):  # tokens and SMS templates are read once per process
        body = application(clerk, channel="online", provide=("M001", "M002", "M020"), commitments=["M010"])
        number = clerk.post("/api/v1/cases/", body, format="json").json()["number"]
        with django_assert_num_queries(ACCEPT_QUERIES) if _warm_up else nullcontext():
            assert act(clerk, number, "accept").status_code == 200
        assert act(reviewer, number, "approve").status_code == 200
        with django_assert_num_queries(DELIVER_QUERIES) if _warm_up else nullcontext():
            assert act(clerk, number, "deliver", method="pickup").status_code == 200


def test_the_answers_built_directly_are_what_the_serializers_give(clerk, reviewer):
    numbers = many_cases(clerk, reviewer, 2)
    assert act(reviewer, numbers[1], "approve").status_code == 200
    user = AuthToken.objects.get(
        digest=hash_token(reviewer._credentials["HTTP_AUTHORIZATION"].split()[1])
    ).user
    for number in numbers:
        case = with_details(Case.objects.filter(number=number)).get()
        row = case_list(user=user, filters={}).values(*LIST_COLUMNS).get(number=number)
        assert case_list_row(row) == CaseListOutputSerializer(case).data
        assert case_output(case, user=user) == CaseOutputSerializer(case, context={"user": user}).data
        assert (
            clerk.get(f"/api/v1/cases/{number}/").json()["timeline"]
            == case_output(case, user=user)["timeline"]
        )


def test_a_large_list_is_counted_up_to_a_cap_and_estimated_beyond(clerk, reviewer, monkeypatch):
    from django.db import connection

    from yichuang.common.pagination import CappedCountPaginator

    many_cases(clerk, reviewer, 7)
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    first = clerk.get("/api/v1/cases/", {"page_size": 5}).json()
    assert [len(first["results"]), first["previous"]] == [5, None] and "page=2" in first["next"]
    second = clerk.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None and second["previous"]
    assert {r["number"] for r in first["results"]}.isdisjoint(r["number"] for r in second["results"])
    if connection.vendor == "postgresql":
        assert first["count"] >= 4  # the planner's estimate, never below the cap
    else:
        assert first["count"] == 7  # SQLite counts exactly
    monkeypatch.setattr(CappedCountPaginator, "cap", 5000)
    assert clerk.get("/api/v1/cases/").json()["count"] == 7
