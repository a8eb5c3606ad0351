"""好差评 on the progress page: the same service as ``POST /api/v1/track/{number}/rating/``."""

from __future__ import annotations

from yichuang.cases.models import Case
from yichuang.ratings.models import Rating, RatingChannel
from yichuang.ratings.services import RATABLE, rating_submit


def channel_for(*, kiosk: bool) -> str:
    return RatingChannel.KIOSK if kiosk else RatingChannel.WEB


def may_rate(case: Case, *, kiosk: bool = False) -> bool:
    """Finished (delivered, denied or not accepted) and not yet rated through this channel (一次一评)."""
    return (
        case.status in RATABLE
        and not Rating.objects.filter(case=case, channel=channel_for(kiosk=kiosk)).exists()
    )


def already_rated(case: Case, *, kiosk: bool = False) -> bool:
    return Rating.objects.filter(case=case, channel=channel_for(kiosk=kiosk)).exists()


def submit_rating(*, case: Case, kiosk: bool, score: int, comment: str) -> Rating:
    """One rating of ``case``; raises what the service raises (409 when rated already or not finished)."""
    return rating_submit(case=case, channel=channel_for(kiosk=kiosk), score=score, comment=comment)
