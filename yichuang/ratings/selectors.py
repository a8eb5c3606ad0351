"""Reads of 好差评, scope-checked, and the figures the dashboard will show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from rest_framework.exceptions import NotFound

from yichuang.cases.selectors import cases_for
from yichuang.ratings.models import (
    Appeal,
    MonthlySatisfaction,
    Rating,
    Rectification,
    RectificationStatus,
)


def ratings_for(user: Any) -> QuerySet[Rating]:
    return Rating.objects.filter(case__in=cases_for(user).values("pk"))


def rectifications_for(user: Any) -> QuerySet[Rectification]:
    """The rectifications a user owns, those of his own unit, those of ratings of cases he may see
    and those of 12345 tickets he may see."""
    from yichuang.hotline.selectors import tickets_for

    visible = (
        Q(owner_id=user.pk)
        | Q(rating__case__in=cases_for(user).values("pk"))
        | Q(ticket__in=tickets_for(user).values("pk"))
    )
    if getattr(user, "department_id", None):
        visible |= Q(owner_department_id=user.department_id)
    if getattr(user, "point_id", None):
        visible |= Q(owner_point_id=user.point_id)
    return Rectification.objects.filter(visible)


def appeals_for(user: Any) -> QuerySet[Appeal]:
    return Appeal.objects.filter(rating__case__in=cases_for(user).values("pk"))


def get_for(qs: QuerySet[Any], pk: int) -> Any:
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class SatisfactionFigures:
    ratings: int
    by_score: dict[int, int]
    average: float | None
    #: 满意率: 非常满意 + 满意 + 基本满意 over all counted ratings
    satisfaction_rate: float | None
    bad: int
    rectified: int
    #: 整改率: closed rectifications over bad ratings
    rectification_rate: float | None


def satisfaction_figures(ratings: QuerySet[Rating]) -> SatisfactionFigures:
    """One aggregate query over counted ratings (an upheld appeal takes a rating out), one for the
    rectifications."""
    counted = ratings.filter(excluded=False)
    row = counted.aggregate(
        n=Count("id"),
        avg=Avg("score"),
        s1=Count("id", filter=Q(score=1)),
        s2=Count("id", filter=Q(score=2)),
        s3=Count("id", filter=Q(score=3)),
        s4=Count("id", filter=Q(score=4)),
        s5=Count("id", filter=Q(score=5)),
    )
    n = row["n"] or 0
    by_score = {score: row[f"s{score}"] or 0 for score in range(1, 6)}
    bad = by_score[1] + by_score[2]
    rectified = Rectification.objects.filter(
        rating__in=counted.values("pk"), status=RectificationStatus.CLOSED
    ).count()
    return SatisfactionFigures(
        ratings=n,
        by_score=by_score,
        average=round(float(row["avg"]), 2) if row["avg"] is not None else None,
        satisfaction_rate=round((n - bad) / n, 4) if n else None,
        bad=bad,
        rectified=rectified,
        rectification_rate=round(rectified / bad, 4) if bad else None,
    )


ROLLUP_SUMS = ("ratings", "score_sum", "score_1", "score_2", "score_3", "score_4", "score_5", "rectified")


def satisfaction_sums() -> dict[str, Sum]:
    """The aggregates that add up ``MonthlySatisfaction`` rows (grouped or not)."""
    return {f"sum_{name}": Sum(name) for name in ROLLUP_SUMS}


def satisfaction_from_sums(row: dict[str, Any]) -> SatisfactionFigures:
    """The figures of summed rollup rows: the same numbers ``satisfaction_figures`` counts from the
    ratings, read from a few rows per month instead."""
    sums = {name: int(row.get(f"sum_{name}") or 0) for name in ROLLUP_SUMS}
    n = sums["ratings"]
    by_score = {score: sums[f"score_{score}"] for score in range(1, 6)}
    bad = by_score[1] + by_score[2]
    return SatisfactionFigures(
        ratings=n,
        by_score=by_score,
        average=round(sums["score_sum"] / n, 2) if n else None,
        satisfaction_rate=round((n - bad) / n, 4) if n else None,
        bad=bad,
        rectified=sums["rectified"],
        rectification_rate=round(sums["rectified"] / bad, 4) if bad else None,
    )


def satisfaction_rollup(rows: QuerySet[MonthlySatisfaction]) -> SatisfactionFigures:
    return satisfaction_from_sums(rows.aggregate(**satisfaction_sums()))
