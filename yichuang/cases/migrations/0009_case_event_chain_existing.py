"""Lines written before the chain: number and chain each case's lines in their timeline order (time,
then id) and store each case's head, so that ``verify_audit`` passes on an existing database. What was
altered before this migration cannot be told apart (docs/decisions.md).

A database of a million cases holds several million lines, so the work goes by batches of cases: one
query reads a batch's lines, one statement writes them back (PostgreSQL: ``UPDATE … FROM unnest(…)``;
Django's ``bulk_update`` builds a ``CASE WHEN`` per row, quadratic in the batch), and each batch commits
on its own (the migration is not atomic). An interrupted run leaves finished batches chained and their
cases with ``audit_count > 0``; running ``migrate`` again picks up at the first case still at 0. Cases
with no lines at all stay at 0 and are passed over cheaply.
"""

import sys
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from django.db import migrations, transaction

from yichuang.audit.chain import case_event_digest

BATCH = 2000  # cases per transaction: a few seconds of work, a short lock
REPORT_EVERY = 100_000  # cases between progress lines on a large database
_LINE_FIELDS = (
    "id",
    "case_id",
    "at",
    "action",
    "actor_id",
    "actor_name",
    "from_status",
    "to_status",
    "note",
    "data",
)


def _write_lines(connection: Any, table: str, rows: list[tuple[int, int, str, str]]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, seqs, prevs, digests = (list(column) for column in zip(*rows, strict=True))
            cursor.execute(
                f'UPDATE "{table}" AS e SET seq = v.seq, prev_digest = v.prev, digest = v.digest '
                "FROM unnest(%s::bigint[], %s::integer[], %s::text[], %s::text[]) AS v(id, seq, prev, digest) "
                "WHERE e.id = v.id",
                [ids, seqs, prevs, digests],
            )
        else:
            cursor.executemany(
                f'UPDATE "{table}" SET seq = %s, prev_digest = %s, digest = %s WHERE id = %s',
                [(seq, prev, digest, pk) for pk, seq, prev, digest in rows],
            )


def _write_heads(connection: Any, table: str, heads: Iterable[tuple[int, str, int]]) -> None:
    rows = list(heads)
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, digests, counts = (list(column) for column in zip(*rows, strict=True))
            cursor.execute(
                f'UPDATE "{table}" AS c SET audit_head = v.head, audit_count = v.count '
                "FROM unnest(%s::bigint[], %s::text[], %s::integer[]) AS v(id, head, count) WHERE c.id = v.id",
                [ids, digests, counts],
            )
        else:
            cursor.executemany(
                f'UPDATE "{table}" SET audit_head = %s, audit_count = %s WHERE id = %s',
                [(head, count, pk) for pk, head, count in rows],
            )


def chain_existing(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    connection = schema_editor.connection
    alias = connection.alias
    pending = Case.objects.using(alias).filter(audit_count=0)
    total = pending.count()
    done, last_id = 0, 0
    while True:
        with transaction.atomic(using=alias):
            batch = list(pending.filter(id__gt=last_id).order_by("id").values_list("id", "number")[:BATCH])
            if not batch:
                break
            last_id = batch[-1][0]
            numbers = dict(batch)
            # Plain rows, not model instances: a million cases hold millions of lines.
            events = (
                CaseEvent.objects.using(alias)
                .filter(case_id__in=numbers)
                .order_by("case_id", "at", "id")
                .values_list(*_LINE_FIELDS)
            )
            lines: list[tuple[int, int, str, str]] = []
            heads: dict[int, tuple[str, int]] = {}
            for row in events.iterator(chunk_size=5000):
                line = SimpleNamespace(**dict(zip(_LINE_FIELDS, row, strict=True)))
                head, seq = heads.get(line.case_id, ("", 0))
                line.seq, line.prev_digest = seq + 1, head
                digest = case_event_digest(line, numbers[line.case_id])  # type: ignore[arg-type]
                lines.append((line.id, line.seq, head, digest))
                heads[line.case_id] = (digest, line.seq)
            _write_lines(connection, CaseEvent._meta.db_table, lines)
            _write_heads(connection, Case._meta.db_table, ((pk, h, n) for pk, (h, n) in heads.items()))
        done += len(batch)
        if total > REPORT_EVERY and (done // BATCH) % (REPORT_EVERY // BATCH) == 0:
            sys.stdout.write(f"\n  审计链：已处理 {done}/{total} 件 (chained {done} of {total} cases)")
            sys.stdout.flush()


class Migration(migrations.Migration):
    atomic = False  # each batch commits: a short lock per batch, and an interrupted run resumes

    dependencies = [("cases", "0008_case_event_chain")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
