"""The monthly satisfaction rollup (``MonthlySatisfaction``): kept by the rating services, rebuilt here.

Every change that moves a figure passes through :func:`count`, inside the transaction that makes the
change, so the rollup never drifts from the ratings: a rating given adds one to its score; an
upheld appeal takes its rating out (and its rectification, if it was closed, out of ``rectified``);
a rectification closed adds one to ``rectified``. The month is the rating's own, as the dashboard
filters by when ratings were given.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from yichuang.ratings.models import MonthlySatisfaction, Rating, RectificationStatus


def _key(rating: Any) -> tuple[str, dict[str, object]]:
    month = timezone.localdate(rating.created_at).replace(day=1)
    fields = {
        "month": month,
        "point_id": rating.point_id,
        "region_code": rating.point.region.code,
        "staff_id": rating.staff_id,
    }
    return f"{month:%Y%m}:{rating.point_id}:{rating.staff_id or 0}", fields


def deltas_of(rating: Any, sign: int = 1) -> Counter[str]:
    """What one counted rating adds to its row (``sign=-1``: what taking it out removes)."""
    deltas: Counter[str] = Counter(ratings=sign, score_sum=sign * rating.score)
    deltas[f"score_{rating.score}"] += sign
    return deltas


def count(rating: Rating, deltas: Counter[str]) -> None:
    """Add ``deltas`` to the row of ``rating``'s month, point and clerk (made when missing).

    By key, never by a row id read beforehand: a ``rebuild`` committing meanwhile replaces every
    row, and an update by the old id would then change nothing."""
    key, fields = _key(rating)
    changes = {name: F(name) + value for name, value in deltas.items() if value}
    if not changes or MonthlySatisfaction.objects.filter(key=key).update(**changes):
        return
    try:
        with transaction.atomic():
            MonthlySatisfaction.objects.create(key=key, **fields, **{n: v for n, v in deltas.items() if v})
    except IntegrityError:  # another transaction made the row first
        MonthlySatisfaction.objects.filter(key=key).update(**changes)


@transaction.atomic
def rebuild(*, rating_model: Any = Rating, rollup_model: Any = MonthlySatisfaction) -> int:
    """Recount every row from the ratings (after an import, or to check the rollup); returns the
    number of rows. On PostgreSQL the rollup table is locked first: a rating service counting at the
    same time waits, then counts into the rebuilt rows, so nothing is counted twice or lost. (The
    migration that made the table passes its historical models.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {rollup_model._meta.db_table} IN EXCLUSIVE MODE")
    rows: dict[str, Any] = {}
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    ratings = rating_model.objects.filter(excluded=False).select_related("point__region", "rectification")
    for rating in ratings.iterator(chunk_size=5000):
        key, fields = _key(rating)
        if key not in rows:
            rows[key] = rollup_model(key=key, **fields)
        totals[key] += deltas_of(rating)
        rectification = getattr(rating, "rectification", None)
        if rectification is not None and rectification.status == RectificationStatus.CLOSED:
            totals[key]["rectified"] += 1
    rollup_model.objects.all().delete()
    for key, row in rows.items():
        for name, value in totals[key].items():
            setattr(row, name, value)
    rollup_model.objects.bulk_create(rows.values(), batch_size=2000)
    return len(rows)
