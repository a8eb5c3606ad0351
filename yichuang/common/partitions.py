"""Yearly partitions of the high-volume tables on PostgreSQL (decision 146).

``cases_case`` (by ``created_at``), ``cases_caseevent`` (by ``at``) and ``notify_smsmessage`` (by
``created_at``) are declaratively partitioned by China's calendar year: a partition ``<table>_y2026``
holds the rows from 2026-01-01 00:00 +08:00 up to 2027-01-01 00:00 +08:00, and ``<table>_default``
holds a row whose year has no partition yet. SQLite keeps plain tables: everything here does nothing
on another database.

A partitioned table's unique keys must contain the partition key, so ``cases_case`` has the key
``(id, created_at)`` and no unique index on ``id`` alone, which a foreign key needs. Its ids and
numbers are therefore kept, by triggers, in ``cases_casekey`` (a narrow plain table, unique ``id``
and unique ``number``), and the foreign keys that pointed at ``cases_case(id)`` point at
``cases_casekey(id)`` with the same timing (``DEFERRABLE INITIALLY DEFERRED``): a row naming a case
that does not exist fails, a case deleted while rows still name it fails at commit, two cases with
one number fail at once — what the plain table's constraints did.

``partition_table`` converts a table in place (used by migration ``cases 0015``);
``partitions_ahead`` creates this and next year's partitions (the ``create-partitions`` beat task).
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import connection as default_connection
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

#: (table, partition key column)
PARTITIONED: tuple[tuple[str, str], ...] = (
    ("cases_case", "created_at"),
    ("cases_caseevent", "at"),
    ("notify_smsmessage", "created_at"),
)

#: How many years back the conversion makes partitions of their own; older rows go to DEFAULT.
YEARS_BACK = 10

CASE_KEY_SQL = """
CREATE TABLE cases_casekey (
    id {id_type} NOT NULL CONSTRAINT cases_casekey_pkey PRIMARY KEY,
    number {number_type} NOT NULL CONSTRAINT cases_casekey_number_key UNIQUE
);
COMMENT ON TABLE cases_casekey IS 'Ids and numbers of cases_case (partitioned), kept by its triggers: '
    'the target of the foreign keys to a case and the global uniqueness of id and number (decision 146)';
INSERT INTO cases_casekey (id, number) SELECT id, number FROM cases_case;

CREATE FUNCTION cases_casekey_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cases_casekey (id, number) VALUES (NEW.id, NEW.number);
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM cases_casekey WHERE id = OLD.id;
    ELSIF NEW.id IS DISTINCT FROM OLD.id OR NEW.number IS DISTINCT FROM OLD.number THEN
        UPDATE cases_casekey SET id = NEW.id, number = NEW.number WHERE id = OLD.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_casekey_sync AFTER INSERT OR DELETE OR UPDATE OF id, number ON cases_case
    FOR EACH ROW EXECUTE FUNCTION cases_casekey_sync();

CREATE FUNCTION cases_casekey_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM cases_casekey;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_casekey_truncate AFTER TRUNCATE ON cases_case
    FOR EACH STATEMENT EXECUTE FUNCTION cases_casekey_truncate();
"""


def _zone() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def year_bounds(year: int) -> tuple[str, str]:
    """The first instant of ``year`` and of the next, local time, as timestamptz literals."""
    zone = _zone()
    return (
        dt.datetime(year, 1, 1, tzinfo=zone).isoformat(),
        dt.datetime(year + 1, 1, 1, tzinfo=zone).isoformat(),
    )


def partition_name(table: str, year: int) -> str:
    return f"{table}_y{year}"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def is_partitioned(cursor: Any, table: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return bool(row and row[0] == "p")


def partitions_of(cursor: Any, table: str) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _column_type(cursor: Any, table: str, column: str) -> str:
    cursor.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s",
        [table, column],
    )
    return str(cursor.fetchone()[0])


def _create_partition(cursor: Any, table: str, key: str, year: int) -> bool:
    """This year's partition of ``table``; False if it was there. Rows of that year waiting in the
    DEFAULT partition move into it (a partition cannot be created over rows DEFAULT holds)."""
    name = partition_name(table, year)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    if cursor.fetchone()[0]:
        return False
    low, high = year_bounds(year)
    default = f"{table}_default"
    waiting = False
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [default])
    if cursor.fetchone()[0]:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {_q(default)} WHERE {_q(key)} >= %s AND {_q(key)} < %s)",
            [low, high],
        )
        waiting = bool(cursor.fetchone()[0])
    bounds = f"FOR VALUES FROM ('{low}') TO ('{high}')"
    if not waiting:
        cursor.execute(f"CREATE TABLE {_q(name)} PARTITION OF {_q(table)} {bounds}")
        return True
    # The rows move without firing the table's triggers (they stay the same rows: cases_casekey
    # keeps them), then the filled table is attached (PostgreSQL adds the indexes and checks).
    cursor.execute(f"CREATE TABLE {_q(name)} (LIKE {_q(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(f"ALTER TABLE {_q(default)} DISABLE TRIGGER USER")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {_q(default)} WHERE {_q(key)} >= %s AND {_q(key)} < %s RETURNING *) "
        f"INSERT INTO {_q(name)} SELECT * FROM moved",
        [low, high],
    )
    cursor.execute(f"ALTER TABLE {_q(default)} ENABLE TRIGGER USER")
    cursor.execute(f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(name)} {bounds}")
    return True


def _set_aside(cursor: Any, table: str, old: str, indexes: list[str], constraints: list[str]) -> str | None:
    """Rename ``table`` (and its id sequence) to ``old`` and drop its indexes and constraints, so
    the table built in its place can take their names; the rows stay in ``old`` to be copied.
    Returns the id sequence it had (``None`` without one)."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence: str | None = cursor.fetchone()[0]
    cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
    if sequence:
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {_q(old + '_id_seq')}")
    for name in indexes:
        cursor.execute(f"DROP INDEX {_q(name)}")
    for name in constraints:
        cursor.execute(f"ALTER TABLE {_q(old)} DROP CONSTRAINT {_q(name)}")
    return sequence


def partition_table(cursor: Any, table: str, key: str, today: dt.date | None = None) -> None:
    """Turn the plain ``table`` into one partitioned by the year of ``key``, rows and all: the same
    columns, defaults, identity, checks, indexes (now per partition) and outgoing foreign keys; the
    primary key becomes ``(id, key)``. Foreign keys pointing at ``cases_case`` are re-pointed at
    ``cases_casekey``; any other table must have none pointing at it."""
    if is_partitioned(cursor, table):
        return
    today = today or timezone.localdate()
    old = f"{table}_unpartitioned"
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid), conindid FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'u', 'f')",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
        "AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
        "to_regclass(quote_ident(i.indexname)) AND c.conrelid = to_regclass(%s))",
        [table, table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE confrelid = to_regclass(%s) AND contype = 'f'",
        [table],
    )
    incoming = cursor.fetchall()
    if incoming and table != "cases_case":
        raise RuntimeError(
            f"{table}: foreign keys point at it ({incoming}); only cases_case's are re-pointed"
        )
    for unique in (c for c in constraints if c[1] == "u"):
        if not (table == "cases_case" and unique[2] == "UNIQUE (number)"):
            raise RuntimeError(f"{table}: unique constraint {unique[0]} without the partition key")

    for child, name, _definition in incoming:
        cursor.execute(f"ALTER TABLE {child} DROP CONSTRAINT {_q(name)}")
    sequence = _set_aside(cursor, table, old, [i[0] for i in indexes], [c[0] for c in constraints])

    cursor.execute(
        f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS "
        f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({_q(key)})"
    )
    cursor.execute(
        f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(table + '_pkey')} PRIMARY KEY (id, {_q(key)})"
    )
    cursor.execute(f"SELECT min({_q(key)}) FROM {_q(old)}")
    first = cursor.fetchone()[0]
    zone = _zone()
    low_year = max(first.astimezone(zone).year if first else today.year, today.year - YEARS_BACK)
    high_year = today.year + 1
    for year in range(low_year, high_year + 1):
        _create_partition(cursor, table, key, year)
    cursor.execute(f"CREATE TABLE {_q(table + '_default')} PARTITION OF {_q(table)} DEFAULT")
    cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, kind, definition, _index in constraints:
        if kind == "f":
            cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
    cursor.execute(f"DROP TABLE {_q(old)}")
    if sequence:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 0) + 1, false) FROM {_q(table)}",
            [table],
        )
    if table == "cases_case":
        cursor.execute(
            CASE_KEY_SQL.format(
                id_type=_column_type(cursor, table, "id"), number_type=_column_type(cursor, table, "number")
            )
        )
        for child, name, definition in incoming:
            repointed = definition.replace("REFERENCES cases_case(id)", "REFERENCES cases_casekey(id)")
            cursor.execute(f"ALTER TABLE {child} ADD CONSTRAINT {_q(name)} {repointed}")
    cursor.execute(f"ANALYZE {_q(table)}")


def partitions_create(years: range | tuple[int, ...], using: Any = None) -> list[str]:
    """Each partitioned table's partitions of ``years`` (nothing on SQLite, nothing that is there
    already), in one transaction; the names of those created."""
    conn = using or default_connection
    if conn.vendor != "postgresql":
        return []
    created: list[str] = []
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for table, key in PARTITIONED:
            if not is_partitioned(cursor, table):
                continue
            for year in years:
                if _create_partition(cursor, table, key, year):
                    created.append(partition_name(table, year))
    if created:
        logger.info("partitions created: %s", ", ".join(created))
    return created


def partitions_ahead(today: dt.date | None = None, using: Any = None) -> list[str]:
    """This and next year's partitions (the daily ``create-partitions`` task)."""
    today = today or timezone.localdate()
    return partitions_create((today.year, today.year + 1), using=using)


def unpartition_table(cursor: Any, table: str, key: str) -> None:
    """The reverse of ``partition_table``: the plain table of before, rows and all, its primary key
    ``id`` again, and for ``cases_case`` the unique number and the foreign keys pointing at it
    (``cases_casekey`` goes)."""
    if not is_partitioned(cursor, table):
        return
    old = f"{table}_partitioned"
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'f') AND conparentid = 0",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
        "AND i.tablename = %s AND i.indexname <> %s",
        [table, table + "_pkey"],
    )
    indexes = cursor.fetchall()
    incoming: list[tuple[str, str, str]] = []
    if table == "cases_case":
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE confrelid = to_regclass('cases_casekey') AND contype = 'f' AND conparentid = 0"
        )
        incoming = cursor.fetchall()
        for child, name, _definition in incoming:
            cursor.execute(f"ALTER TABLE {child} DROP CONSTRAINT {_q(name)}")
        cursor.execute("DROP TABLE cases_casekey")
    sequence = _set_aside(cursor, table, old, [i[0] for i in indexes], [c[0] for c in constraints])
    cursor.execute(
        f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS "
        f"INCLUDING STORAGE INCLUDING COMMENTS)"
    )
    cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(table + '_pkey')} PRIMARY KEY (id)")
    if table == "cases_case":
        cursor.execute("ALTER TABLE cases_case ADD CONSTRAINT cases_case_number_key UNIQUE (number)")
    cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")
    cursor.execute(f"DROP TABLE {_q(old)}")
    if table == "cases_case":
        cursor.execute("DROP FUNCTION cases_casekey_sync(), cases_casekey_truncate()")
    for _name, definition in indexes:
        cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
    for name, kind, definition in constraints:
        if kind == "f":
            cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
    if sequence:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 0) + 1, false) FROM {_q(table)}",
            [table],
        )
    for child, name, definition in incoming:
        repointed = definition.replace("REFERENCES cases_casekey(id)", "REFERENCES cases_case(id)")
        cursor.execute(f"ALTER TABLE {child} ADD CONSTRAINT {_q(name)} {repointed}")
