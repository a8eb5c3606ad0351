"""The reads compiled once per process (decision 148) run exactly the SQL the ORM compiles for the same
case, and give the rows the ORM gives — on whichever database the suite runs (SQLite, and PostgreSQL
with ``DATABASE_URL``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tests.test_cases import accepted_case, act
from tests.test_cases_queries import clerk, reviewer  # noqa: F401 (fixtures)
from yichuang.cases import documents as case_documents_module
from yichuang.cases import selectors
from yichuang.cases.models import Case
from yichuang.common.compiled import MARKER, CompiledRead

pytestmark = pytest.mark.django_db

READS = {
    "timeline": (selectors._TIMELINE, selectors._timeline_query),
    "materials": (selectors._MATERIALS, selectors._materials_query),
    "documents": (case_documents_module._DOCUMENTS, case_documents_module._documents_query),
}


@pytest.fixture
def decided_case(clerk, reviewer) -> Case:  # noqa: F811
    number = accepted_case(clerk)["number"]
    for action in ("review", "approve"):
        assert act(reviewer, number, action).status_code == 200
    return Case.objects.get(number=number)


@pytest.mark.parametrize("name", sorted(READS))
def test_a_compiled_read_runs_the_sql_the_orm_compiles_and_gives_its_rows(name: str, decided_case: Case):
    compiled, build = READS[name]
    for case_id in (decided_case.pk, decided_case.pk + 1000):  # a case with rows, an id with none
        orm = build(case_id)
        sql, params = orm.query.get_compiler(using=orm.db).as_sql()
        assert compiled.sql_for(case_id) == (sql, tuple(params))
        got = compiled.dicts(case_id) if name == "timeline" else compiled.rows(case_id)
        assert got == list(orm)
    assert list(build(decided_case.pk)), f"the case has {name}"


def test_what_the_case_answer_shows_is_unchanged(decided_case: Case, clerk):  # noqa: F811
    """The answer's timeline, materials and documents read through the compiled reads."""
    answer = clerk.get(f"/api/v1/cases/{decided_case.number}/").json()
    assert [e["action"] for e in answer["timeline"]] == list(
        decided_case.events.order_by("at", "id").values_list("action", flat=True)
    )
    assert [d["id"] for d in answer["documents"]] == [
        str(pk) for pk in decided_case.documents.order_by("issued_at", "id").values_list("id", flat=True)
    ]
    assert all(d["url"] == f"/api/v1/documents/{d['id']}/content/" for d in answer["documents"])
    assert sorted(m["requirement"] for m in answer["materials"]) == sorted(
        decided_case.materials.values_list("requirement", flat=True)
    )


def test_a_read_is_compiled_for_each_database_it_runs_on(decided_case: Case):
    compiled = CompiledRead(Case, lambda pk: Case.objects.filter(pk=pk).values_list("number"))
    assert compiled.rows(decided_case.pk) == [(decided_case.number,)]
    assert list(compiled._plans) == [("default", connection.vendor)]


def test_a_query_whose_key_is_no_parameter_is_refused():
    def build(pk: Any) -> Any:
        return Case.objects.filter(pk__gt=0).values_list("number")

    with pytest.raises(ValueError, match="not a parameter"):
        CompiledRead(Case, build).rows(1)
    assert MARKER < 0
