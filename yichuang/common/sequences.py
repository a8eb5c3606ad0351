"""One way to draw the next readable number of a day (cases, handover lists, 12345 tickets, queue
tickets): each keeps its own counter table, keyed by what makes its numbers unique (county and day,
day, point and day and category), and all draw from it the same way.

One upsert draws the number: ``INSERT … ON CONFLICT (key) DO UPDATE SET last = last + 1 RETURNING
last`` (PostgreSQL, and SQLite since 3.35) creates the day's row or bumps it, and keeps the row
locked for the rest of the caller's transaction, so two windows never draw the same number and no
retry is needed when two draw the first number of a day at once. The key's columns must carry a
unique constraint (each counter table has one).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.utils.translation import gettext as _

from yichuang.common.errors import Conflict


def sequence_next(model: type[models.Model], **key: Any) -> int:
    """The next value of the counter row ``key`` names in ``model`` (a table with the key's
    columns and ``last``); 1 for the first of its day."""
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    fields: list[Any] = [meta.get_field(name) for name in key]
    columns = ", ".join(quote(str(f.column)) for f in fields)
    last = quote(str(meta.get_field("last").column))  # type: ignore[union-attr]
    values = [
        f.get_db_prep_value(getattr(value, "pk", value), connection, prepared=False)
        for f, value in zip(fields, key.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}, {last}) VALUES ({', '.join(['%s'] * len(values))}, 1) "
            f"ON CONFLICT ({columns}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}",
            values,
        )
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - RETURNING always yields the row
        raise Conflict(_("编号分配冲突，请重试。"))
    return int(row[0])
