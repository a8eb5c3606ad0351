"""The case's readable number, drawn from a per-county, per-day counter."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils.translation import gettext as _

from yichuang.cases.models import CaseSequence
from yichuang.common.errors import Conflict
from yichuang.org.models import Region


def _next_number(region: Region, day: dt.date) -> str:
    """County code + date + a 6-digit sequence, e.g. 41150220261121000123 (digits only: easy to key
    in at a kiosk).

    One upsert draws the number: ``INSERT … ON CONFLICT DO UPDATE SET last = last + 1 RETURNING``
    (PostgreSQL, and SQLite since 3.35) creates the day's row or bumps it and keeps the row locked
    for the rest of the transaction, so two windows never draw the same number. The county code is
    the first six digits of any region code at county level or below (a region's code starts with
    its parent's prefix), so no walk up the tree is needed.
    """
    code = region.code[:6]
    quote = connection.ops.quote_name
    table = quote(CaseSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('county')}, {quote('day')}, {quote('last')}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({quote('county')}, {quote('day')}) "
            f"DO UPDATE SET {quote('last')} = {table}.{quote('last')} + 1 RETURNING {quote('last')}",
            [code, connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - RETURNING always yields the row
        raise Conflict(_("办件编号分配冲突，请重试。"))
    return f"{code}{day:%Y%m%d}{int(row[0]):06d}"
