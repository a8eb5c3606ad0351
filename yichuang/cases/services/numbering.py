"""The case's readable number, drawn from a per-county, per-day counter."""

from __future__ import annotations

import datetime as dt

from yichuang.cases.models import CaseSequence
from yichuang.common.sequences import sequence_next
from yichuang.org.models import Region


def _next_number(region: Region, day: dt.date) -> str:
    """County code + date + a 6-digit sequence, e.g. 41150220261121000123 (digits only: easy to key
    in at a kiosk).

    The counter is drawn by ``common.sequences.sequence_next`` (one upsert, the row locked for the
    rest of the transaction). The county code is the first six digits of any region code at county
    level or below (a region's code starts with its parent's prefix), so no walk up the tree is
    needed.
    """
    code = region.code[:6]
    return f"{code}{day:%Y%m%d}{sequence_next(CaseSequence, county=code, day=day):06d}"
