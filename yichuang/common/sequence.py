"""Readable numbers: one counter mechanism for case, handover list, 12345 ticket and queue numbers.

Each owner keeps its own small counter table (a unique constraint over the key columns and a
``last`` column) and its own format (``41150220261121000123``, ``YJ…0007``, ``RX20261121-0012``,
``A012``); the drawing of the next value is this one function.

One statement draws it: ``INSERT … VALUES (…, 1) ON CONFLICT (key) DO UPDATE SET last = last + 1
RETURNING last`` (PostgreSQL, and SQLite since 3.35) creates the key's row or bumps it, and keeps
the row locked until the caller's transaction ends, so two clerks never draw the same value and a
rolled-back draw gives its value back. It replaces a ``get_or_create`` under ``select_for_update``
in a savepoint, retried on the first draw of a day, followed by an ``UPDATE``: three to five
statements, with a window where two first draws of a day both fail their insert.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, models, router
from django.utils.translation import gettext as _

from yichuang.common.errors import Conflict


def sequence_next(counter: type[models.Model], **key: Any) -> int:
    """The next value of ``counter``'s row for ``key`` (1 for a new key), e.g.
    ``sequence_next(CaseSequence, county="411502", day=today)``.

    ``key`` names exactly the fields of the counter's unique constraint (a foreign key by its
    field name, given an instance or a primary key); the table has a ``last`` integer column.
    """
    connection = connections[router.db_for_write(counter)]
    quote = connection.ops.quote_name
    columns: list[str] = []
    params: list[Any] = []
    for name, value in key.items():
        field = _field(counter, name)
        if isinstance(value, models.Model):
            value = value.pk
        columns.append(quote(field.column))
        params.append(field.get_db_prep_save(value, connection))
    table = quote(counter._meta.db_table)
    last = quote(_field(counter, "last").column)
    keys = ", ".join(columns)
    sql = (
        f"INSERT INTO {table} ({keys}, {last}) VALUES ({', '.join(['%s'] * len(params))}, 1) "
        f"ON CONFLICT ({keys}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - RETURNING always yields the row
        raise Conflict(_("编号分配冲突，请重试。"))
    return int(row[0])


def _field(counter: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = counter._meta.get_field(name)
    if not isinstance(field, models.Field):  # pragma: no cover - a reverse relation is no column
        raise TypeError(f"{counter.__name__}.{name} is not a column")
    return field
