"""The place where the citizen's 好差评 meets the ratings app.

RATING HOOK — the ratings app (``yichuang.ratings``, ``POST /api/v1/track/{number}/rating/``) is built
on main while these pages are. Until it is installed the rating form is not shown and the rating page
answers 404; once it is, the pages call the same service as the API. Connect here at merge if its
signature differs.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

from yichuang.cases.models import Case, CaseStatus

#: Cases the applicant may rate: finished one way or the other (delivered, denied, refused).
RATABLE = {CaseStatus.DELIVERED, CaseStatus.DENIED, CaseStatus.REFUSED}


def rating_available() -> bool:
    return apps.is_installed("yichuang.ratings")


def may_rate(case: Case) -> bool:
    return rating_available() and case.status in RATABLE


def submit_rating(*, case: Case, channel: str, score: int, comment: str) -> Any:
    """One rating of ``case`` through ``channel`` ("web" or "kiosk"); raises what the service raises
    (409 when rated already or not finished, 400 for a bad score)."""
    from yichuang.ratings.services import rating_submit

    return rating_submit(case=case, channel=channel, score=score, comment=comment)
