"""The tamper-evident audit trail: every case line and security event is chained with SM3, a keyed
ledger seals them, and ``yichuang verify_audit`` names the first record altered or missing."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.test_cases import accepted_case, act, client_for
from yichuang.audit.models import AuditSeal, SecurityEvent, SecurityKind
from yichuang.audit.services import seal_extend, security_record
from yichuang.audit.verify import audit_verify
from yichuang.cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db


def verify() -> str:
    """``verify_audit``'s verdict: its line when intact, else the message it fails with."""
    try:
        call_command("verify_audit")
    except CommandError as error:
        return str(error)
    return "intact"


def approved(county: Any) -> str:
    number = accepted_case(client_for(county.staff["town_clerk"]))["number"]
    assert act(client_for(county.staff["reviewer"]), number, "approve").status_code == 200
    return number


def test_an_untouched_trail_verifies_and_the_command_exits_0(county, capsys):
    approved(county)
    security_record(SecurityKind.EXPORT, actor=county.staff["town_clerk"], subject="dashboard")
    call_command("verify_audit")
    assert "审计记录完好" in capsys.readouterr().out


def test_each_line_of_a_case_carries_the_digest_of_the_one_before(county):
    number = approved(county)
    lines = list(CaseEvent.objects.filter(case__number=number).order_by("seq"))
    assert [line.seq for line in lines] == [1, 2, 3]
    assert lines[0].prev_digest == "" and lines[1].prev_digest == lines[0].digest
    assert lines[2].prev_digest == lines[1].digest
    case = Case.objects.get(number=number)
    assert (case.audit_count, case.audit_head) == (3, lines[2].digest)


def test_editing_the_actor_of_one_line_is_named(county):
    number = approved(county)
    line = CaseEvent.objects.get(case__number=number, action="approve")
    CaseEvent.objects.filter(pk=line.pk).update(actor=county.staff["town_clerk"], actor_name="某人")
    verdict = verify()
    assert f"cases_caseevent id={line.pk}" in verdict and "被改动" in verdict and "altered" in verdict


def test_editing_the_time_of_one_line_is_named(county):
    number = approved(county)
    line = CaseEvent.objects.get(case__number=number, action="accept")
    CaseEvent.objects.filter(pk=line.pk).update(at=line.at - dt.timedelta(days=3))
    assert f"cases_caseevent id={line.pk}" in verify()


def test_deleting_a_line_in_the_middle_is_named_as_missing(county):
    number = approved(county)
    CaseEvent.objects.filter(case__number=number, action="accept").delete()
    verdict = verify()
    assert f"办件 {number} 第 3 条" in verdict and "缺少第 2 条" in verdict


def test_deleting_the_last_line_and_moving_the_status_back_is_still_seen(county):
    number = approved(county)
    CaseEvent.objects.filter(case__number=number, action="approve").delete()
    Case.objects.filter(number=number).update(status="accepted")
    verdict = verify()
    assert f"cases_case number={number}" in verdict and "应有 3 条，实有 2 条" in verdict


def test_a_status_changed_without_a_line_is_named(county):
    number = accepted_case(client_for(county.staff["town_clerk"]))["number"]
    Case.objects.filter(number=number).update(status="approved")
    verdict = verify()
    assert f"cases_case number={number}" in verdict and "没有对应的办件记录" in verdict


def test_a_line_rewritten_with_a_fresh_chain_is_caught_by_the_seal(county):
    """Someone who recomputes the case's whole chain after an edit escapes the chain, not the ledger."""
    from yichuang.audit.chain import case_event_digest

    number = approved(county)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)):
        assert verify() == "intact"  # sealed now
    line = CaseEvent.objects.get(case__number=number, action="approve")
    line.actor_name = "某人"
    line.digest = case_event_digest(line, number)
    line.save()
    Case.objects.filter(number=number).update(audit_head=line.digest)
    verdict = verify()
    assert "已封存的第 3 条记录被删除或改动" in verdict and number in verdict


def test_deleting_a_whole_sealed_case_is_named(county):
    number = approved(county)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)):
        assert verify() == "intact"
    from yichuang.documents.models import Document

    Document.objects.filter(case__number=number).delete()
    Case.objects.get(number=number).delete()
    verdict = verify()
    assert f"cases_case number={number}" in verdict and "已封存的办件被删除" in verdict


def test_a_forged_seal_is_named(county):
    approved(county)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)):
        seal = seal_extend()
    assert seal is not None
    from yichuang.audit.chain import seal_digest

    seal.heads = {}
    seal.digest = seal_digest(seal)
    seal.save()
    assert f"audit_auditseal id={seal.pk}" in verify() and "校验码不符" in verify()


def test_editing_or_deleting_a_security_event_is_named(county):
    first = security_record(SecurityKind.LOGIN, actor=county.staff["town_clerk"])
    second = security_record(SecurityKind.EXPORT, actor=county.staff["town_clerk"], subject="assessment")
    security_record(SecurityKind.LOGOUT, actor=county.staff["town_clerk"])
    SecurityEvent.objects.filter(pk=second.pk).update(subject="nothing")
    assert f"audit_securityevent id={second.pk}" in verify()
    SecurityEvent.objects.filter(pk=second.pk).delete()
    assert "缺少第 2 条" in verify()
    assert first.seq == 1


def test_logins_failures_and_role_changes_are_security_events(county, client):
    staff = county.staff["town_clerk"]
    staff.set_password("right-pass-1")
    staff.save()
    client.post("/api/v1/auth/token/", {"username": staff.username, "password": "wrong"})
    client.post("/api/v1/auth/token/", {"username": staff.username, "password": "right-pass-1"})
    staff.role = "reviewer"
    staff.save()
    kinds = list(SecurityEvent.objects.values_list("kind", flat=True))
    assert "login_failed" in kinds and "role_change" in kinds
    change = SecurityEvent.objects.get(kind="role_change")
    assert (change.from_value, change.to_value) == ("window_clerk", "reviewer")
    assert verify() == "intact"


def test_the_nightly_task_alerts_the_administrators(county, caplog):
    from yichuang.audit.tasks import verify_audit_trail
    from yichuang.notify.models import StaffNotice

    number = approved(county)
    assert verify_audit_trail() == 0
    Case.objects.filter(number=number).update(status="delivered")
    assert verify_audit_trail() >= 1
    assert any(r.levelname == "ERROR" and number in r.getMessage() for r in caplog.records)
    admin = county.staff["admin"]
    assert StaffNotice.objects.get(recipient=admin, kind="audit_broken").body.startswith("审计记录校验失败")


@pytest.mark.django_db(transaction=True)
def test_concurrent_actions_on_one_case_and_on_others_keep_every_chain_valid(county):
    clerk = client_for(county.staff["town_clerk"])
    numbers = [accepted_case(clerk)["number"] for _ in range(3)]
    reviewer = county.staff["reviewer"]
    barrier = threading.Barrier(6)

    def review(number: str) -> None:
        try:
            client = client_for(reviewer)
            barrier.wait()
            act(client, number, "review")
            act(client, number, "approve")
        finally:
            connection.close()

    threads = [threading.Thread(target=review, args=(n,)) for n in numbers + numbers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert audit_verify() == []
    assert set(Case.objects.values_list("status", flat=True)) == {"approved"}
    assert AuditSeal.objects.count() == 0


class TestTheTrailApi:
    def test_administrators_read_the_lines_of_one_case_newest_first(self, county):
        number = approved(county)
        security_record(SecurityKind.EXPORT, actor=county.staff["town_clerk"], subject="dashboard.xlsx")
        admin = client_for(county.staff["admin"])
        body = admin.get("/api/v1/audit/", {"case": number}).json()
        assert body["count"] == 3
        assert [r["kind"] for r in body["results"]] == ["approve", "accept", "submit"]
        first = body["results"][0]
        assert first["case"] == number and first["seq"] == 3 and first["source"] == "case_event"
        assert first["prev_digest"] == body["results"][1]["digest"]

    def test_security_events_are_filtered_by_kind_actor_and_time(self, county):
        approved(county)
        clerk = county.staff["town_clerk"]
        with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)):
            security_record(SecurityKind.EXPORT, actor=clerk, subject="old.xlsx")
        security_record(SecurityKind.EXPORT, actor=clerk, subject="new.xlsx")
        admin = client_for(county.staff["admin"])
        body = admin.get("/api/v1/audit/", {"kind": "export", "actor": clerk.username, "since": "2026-06-01"})
        assert [r["subject"] for r in body.json()["results"]] == ["new.xlsx"]
        everything = admin.get("/api/v1/audit/").json()
        assert everything["count"] == 3 + 2
        assert admin.get("/api/v1/audit/", {"since": "yesterday"}).status_code == 400

    def test_anyone_else_is_refused(self, county):
        for who in ("town_clerk", "reviewer"):
            assert client_for(county.staff[who]).get("/api/v1/audit/").status_code == 403


def test_downloading_an_applicants_file_and_exporting_the_organization_are_security_events(county, tmp_path):
    clerk = county.staff["town_clerk"]
    case = accepted_case(client_for(clerk))
    file_id = case["materials"][0]["files"][0]
    assert client_for(clerk).get(f"/api/v1/files/{file_id}/content/").status_code == 200
    call_command("export_org", str(tmp_path / "org.xlsx"))
    download, export = SecurityEvent.objects.order_by("seq")
    assert (download.kind, download.actor, download.subject) == ("personal_data", clerk, f"file:{file_id}")
    assert (export.kind, export.actor, export.subject) == ("export", None, "export_org org.xlsx")
    assert verify() == "intact"


def test_lines_written_before_the_chain_are_chained_by_the_migration(county):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    approved(county)
    accepted_case(client_for(county.staff["town_clerk"]))
    CaseEvent.objects.update(seq=0, prev_digest="", digest="")
    Case.objects.update(audit_head="", audit_count=0)
    assert verify() != "intact"
    migration = importlib.import_module("yichuang.cases.migrations.0009_case_event_chain_existing")
    migration.chain_existing(apps, SimpleNamespace(connection=connection))
    assert verify() == "intact"
    assert sorted(Case.objects.values_list("audit_count", flat=True)) == [2, 3]


def test_an_interrupted_chaining_migration_resumes_where_it_stopped(county, monkeypatch):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    approved(county)
    accepted_case(client_for(county.staff["town_clerk"]))
    accepted_case(client_for(county.staff["town_clerk"]))
    CaseEvent.objects.update(seq=0, prev_digest="", digest="")
    Case.objects.update(audit_head="", audit_count=0)
    migration = importlib.import_module("yichuang.cases.migrations.0009_case_event_chain_existing")
    monkeypatch.setattr(migration, "BATCH", 1)
    real_write_heads, calls = migration._write_heads, []

    def power_cut_in_the_second_batch(*args):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_write_heads(*args)

    monkeypatch.setattr(migration, "_write_heads", power_cut_in_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        migration.chain_existing(apps, SimpleNamespace(connection=connection))
    assert Case.objects.filter(audit_count=0).count() == 2
    monkeypatch.setattr(migration, "_write_heads", real_write_heads)
    migration.chain_existing(apps, SimpleNamespace(connection=connection))
    assert verify() == "intact"
    assert sorted(Case.objects.values_list("audit_count", flat=True)) == [2, 2, 3]
