"""Cases, case events and SMS partitioned by year on PostgreSQL (decision 146): the migration converts
a populated database, the rows land in their year's partition, integrity holds as with foreign keys,
next year's partitions are made ahead, and a query filtered by date reads only its year."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from tests.test_cases import accepted_case
from yichuang.audit.verify import audit_verify
from yichuang.cases.models import Case, CaseEvent, CaseMaterial
from yichuang.common.partitions import partitions_ahead, partitions_of
from yichuang.documents.models import Document
from yichuang.notify.models import SmsMessage

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="declarative partitioning is PostgreSQL's (SQLite keeps plain tables)",
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def where(table: str) -> dict[str, str]:
    """Each row's partition, by number (cases), by case number (events and SMS)."""
    with connection.cursor() as cursor:
        if table == "cases_case":
            cursor.execute("SELECT number, tableoid::regclass::text FROM cases_case")
        elif table == "cases_caseevent":
            cursor.execute(
                "SELECT DISTINCT c.number, e.tableoid::regclass::text FROM cases_caseevent e "
                "JOIN cases_case c ON c.id = e.case_id"
            )
        else:
            cursor.execute("SELECT DISTINCT case_number, tableoid::regclass::text FROM notify_smsmessage")
        return dict(cursor.fetchall())


def plan(queryset: Any) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_the_migration_puts_two_years_of_cases_into_their_partitions_and_keeps_the_audit_chain(clerk):
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0014_postcheck_commitment_breach_revoked")])
    assert partitions_of(connection.cursor(), "cases_case") == []  # today's schema: plain tables
    with time_machine.travel(dt.datetime(2025, 5, 12, 10, tzinfo=SHANGHAI), tick=False):
        last_year = accepted_case(clerk)["number"]
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, tzinfo=SHANGHAI), tick=False):
        this_year = accepted_case(clerk)["number"]
    assert audit_verify() == []

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    for table in ("cases_case", "cases_caseevent", "notify_smsmessage"):
        assert where(table) == {last_year: f"{table}_y2025", this_year: f"{table}_y2026"}, table
        assert f"{table}_default" in partitions_of(connection.cursor(), table)
    assert audit_verify() == [], "the events' hash chain survives the copy"
    # The ids go on from where they were, and a new case is numbered, stored and found as before.
    newest = accepted_case(clerk)
    assert Case.objects.get(number=newest["number"]).pk > Case.objects.get(number=this_year).pk
    assert clerk.get(f"/api/v1/cases/{last_year}/").json()["number"] == last_year
    assert audit_verify() == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_back_restores_the_plain_tables_with_their_rows(clerk):
    from django.db.migrations.executor import MigrationExecutor

    number = accepted_case(clerk)["number"]
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0014_postcheck_commitment_breach_revoked")])
    assert Case.objects.get(number=number).events.count() == 2
    assert partitions_of(connection.cursor(), "cases_caseevent") == []
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Case.objects.get(number=number).events.count() == 2
    assert audit_verify() == []


@pytest.mark.django_db(transaction=True)
def test_next_years_partitions_are_made_ahead_once_and_rows_waiting_in_default_move_in(clerk):
    # A case of 2028 before its partition exists lands in DEFAULT...
    with time_machine.travel(dt.datetime(2028, 2, 1, 10, tzinfo=SHANGHAI), tick=False):
        early = accepted_case(clerk)["number"]
    assert where("cases_case")[early] == "cases_case_default"

    created = partitions_ahead(today=dt.date(2027, 12, 10))

    assert created == ["cases_case_y2028", "cases_caseevent_y2028", "notify_smsmessage_y2028"]
    assert partitions_ahead(today=dt.date(2027, 12, 10)) == []
    # ...and is moved into it, with its events and SMS, still whole.
    assert where("cases_case")[early] == "cases_case_y2028"
    assert where("cases_caseevent")[early] == "cases_caseevent_y2028"
    assert where("notify_smsmessage")[early] == "notify_smsmessage_y2028"
    assert clerk.get(f"/api/v1/cases/{early}/").status_code == 200
    assert audit_verify() == []


@pytest.mark.django_db
def test_a_case_event_for_a_case_that_does_not_exist_is_refused(clerk):
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.create(case_id=987654321, action="note", to_status="accepted")
        connection.check_constraints()


@pytest.mark.django_db
def test_two_cases_cannot_hold_one_number_even_in_different_years(clerk):
    first = Case.objects.get(number=accepted_case(clerk)["number"])
    with time_machine.travel(dt.datetime(2027, 3, 9, 10, tzinfo=SHANGHAI), tick=False):
        second = Case.objects.get(number=accepted_case(clerk)["number"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=second.pk).update(number=first.number)


@pytest.mark.django_db
def test_deleting_a_case_deletes_what_cascades_and_a_bare_delete_under_its_events_is_refused(clerk):
    case = Case.objects.get(number=accepted_case(clerk)["number"])
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM cases_case WHERE id = %s", [case.pk])
        connection.check_constraints()
    assert Case.objects.filter(pk=case.pk).exists()

    # As before: its documents (受理通知书, 告知承诺书) protect it; once they are gone it goes, and its
    # events and materials with it.
    with pytest.raises(ProtectedError):
        case.delete()
    with transaction.atomic():
        Document.objects.filter(case=case).delete()
        case.delete()
        connection.check_constraints()
    assert not CaseEvent.objects.filter(case_id=case.pk).exists()
    assert not CaseMaterial.objects.filter(case_id=case.pk).exists()
    assert SmsMessage.objects.filter(case_number=case.number).exists(), "the outbox keeps what was sent"


@pytest.mark.django_db
def test_a_case_moved_to_another_year_keeps_its_events(clerk):
    case = Case.objects.get(number=accepted_case(clerk)["number"])
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(created_at=dt.datetime(2027, 7, 1, tzinfo=SHANGHAI))
        connection.check_constraints()
    assert where("cases_case")[case.number] == "cases_case_y2027"
    assert Case.objects.get(pk=case.pk).events.count() == 2


@pytest.mark.django_db
def test_a_list_filtered_by_date_reads_only_that_years_partition(clerk, county):
    staff = county.staff["town_clerk"]
    from yichuang.cases.selectors import case_list

    listed = case_list(user=staff, filters={})
    one_year = listed.filter(
        created_at__gte=dt.datetime(2026, 1, 1, tzinfo=SHANGHAI),
        created_at__lt=dt.datetime(2026, 7, 1, tzinfo=SHANGHAI),
    )
    pruned = plan(one_year[:50])
    assert "cases_case_y2026" in pruned
    assert "cases_case_y2027" not in pruned and "cases_case_default" not in pruned
    # The list itself has no date filter: it reads the head of each partition's index, newest
    # first, and stops at the page (Merge Append), so every partition is in the plan.
    whole = plan(listed[:50])
    assert "cases_case_y2026" in whole and "cases_case_y2027" in whole and "cases_case_default" in whole
