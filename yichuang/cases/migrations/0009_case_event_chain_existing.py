"""Lines written before the chain: number and chain each case's lines in their timeline order (time,
then id) and store each case's head, so that ``verify_audit`` passes on an existing database. What was
altered before this migration cannot be told apart (docs/decisions.md)."""

from typing import Any

from django.db import migrations

from yichuang.audit.chain import case_event_digest


def chain_existing(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    alias = schema_editor.connection.alias
    cases = Case.objects.using(alias).filter(audit_count=0).order_by("id").only("id", "number")
    done: list[Any] = []
    lines: list[Any] = []
    for case in cases.iterator(chunk_size=1000):
        head, seq = "", 0
        for event in CaseEvent.objects.using(alias).filter(case_id=case.pk).order_by("at", "id"):
            seq += 1
            event.seq, event.prev_digest = seq, head
            event.digest = case_event_digest(event, case.number)
            head = event.digest
            lines.append(event)
        case.audit_head, case.audit_count = head, seq
        done.append(case)
        if len(lines) >= 5000 or len(done) >= 1000:
            CaseEvent.objects.using(alias).bulk_update(lines, ["seq", "prev_digest", "digest"])
            Case.objects.using(alias).bulk_update(done, ["audit_head", "audit_count"])
            lines, done = [], []
    CaseEvent.objects.using(alias).bulk_update(lines, ["seq", "prev_digest", "digest"])
    Case.objects.using(alias).bulk_update(done, ["audit_head", "audit_count"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_case_event_chain")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
