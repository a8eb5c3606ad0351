"""The dashboard's 好差评 figures come from a monthly rollup that the rating services keep exact; its
12345 figures are those of the unit shown."""

from __future__ import annotations

import random
import threading
from functools import partial

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.test_cases import act, application, client_for
from tests.test_hotline import build_hotline, register
from tests.test_ratings import finished_case, rate
from yichuang.cases.models import Case
from yichuang.ratings.models import MonthlySatisfaction, Rating, Rectification
from yichuang.ratings.rollup import rebuild
from yichuang.ratings.services import (
    appeal_decide,
    appeal_raise,
    rating_submit,
    rectification_callback,
    rectification_close,
)
from yichuang.stats.services import rollup_all

pytestmark = pytest.mark.django_db
FIELDS = ("ratings", "score_sum", "score_1", "score_2", "score_3", "score_4", "score_5", "rectified")


def rollup_rows() -> dict[str, tuple[int, ...]]:
    """The rollup as it stands, leaving out rows that add up to nothing."""
    return {
        row["key"]: tuple(row[f] for f in FIELDS)
        for row in MonthlySatisfaction.objects.values("key", *FIELDS)
        if any(row[f] for f in FIELDS)
    }


def test_the_dashboard_shows_satisfaction_rectification_and_leaves_out_upheld_appeals(
    county, clerk, reviewer
):
    happy, unhappy, malicious = (finished_case(clerk, reviewer) for _ in range(3))
    rate(happy, 5)
    rate(unhappy, 1, comment="等了很久")
    rate(malicious, 2)
    supervisor = client_for(county.staff["supervisor"])
    board = supervisor.get("/api/v1/stats/dashboard/").json()["satisfaction"]
    assert (board["ratings"], board["bad"], board["rectified"]) == (3, 2, 0)

    bad = Rectification.objects.get(rating__case__number=unhappy)
    rectification_callback(
        rectification=bad, actor=county.staff["town_clerk"], note="已回访致歉", satisfied=True
    )
    rectification_close(rectification=bad, actor=county.staff["town_clerk"], outcome="调整窗口排班")
    appeal = appeal_raise(
        rating=Rating.objects.get(case__number=malicious), actor=county.staff["town_clerk"], reason="误操作"
    )
    appeal_decide(appeal=appeal, actor=county.staff["supervisor"], upheld=True, note="经核实为误评")

    board = supervisor.get("/api/v1/stats/dashboard/").json()["satisfaction"]
    assert (board["ratings"], board["bad"], board["rectified"]) == (2, 1, 1)
    assert board["satisfaction_rate"] == 0.5
    assert board["rectification_rate"] == 1.0
    assert board["average"] == 3.0
    assert board["by_score"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 1}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_rollup_always_equals_a_recount_of_the_ratings(county, clerk, reviewer, seed):
    """Ratings, callbacks, closings and appeals in a random order: after every step the rollup the
    services kept is exactly what a recount from the ratings gives."""
    dice = random.Random(seed)
    cases = [finished_case(clerk, reviewer) for _ in range(4)]
    town_clerk, supervisor = county.staff["town_clerk"], county.staff["supervisor"]
    for _step in range(40):
        choice = dice.choice(["rate", "rate", "callback", "close", "appeal"])
        if choice == "rate":
            number = dice.choice(cases)
            channel = dice.choice(["web", "sms", "pad", "kiosk"])
            case = Case.objects.get(number=number)
            if not Rating.objects.filter(case=case, channel=channel).exists():
                rating_submit(case=case, channel=channel, score=dice.randint(1, 5))
        elif choice in ("callback", "close"):
            wanted = "open" if choice == "callback" else "called_back"
            found = Rectification.objects.filter(status=wanted).order_by("?").first()
            if found is not None and choice == "callback":
                rectification_callback(rectification=found, actor=town_clerk, note="已回访", satisfied=None)
            elif found is not None:
                rectification_close(rectification=found, actor=town_clerk, outcome="已整改")
        else:
            rating = Rating.objects.filter(score__lte=2, appeal__isnull=True).order_by("?").first()
            if rating is not None:
                appeal = appeal_raise(rating=rating, actor=town_clerk, reason="申诉")
                appeal_decide(appeal=appeal, actor=supervisor, upheld=dice.random() < 0.5, note="复核")
        kept = rollup_rows()
        rebuild()
        assert rollup_rows() == kept, f"after {choice}"


def test_each_town_is_assessed_on_its_own_ratings_and_the_hall_on_its_own(county, clerk, reviewer):
    rate(finished_case(clerk, reviewer), 1)
    hall = client_for(county.staff["hall_clerk"])
    number = hall.post(
        "/api/v1/cases/", application(hall, item="GL", point="HALL", provide=("M001",)), format="json"
    ).json()["number"]
    act(hall, number, "approve")
    act(hall, number, "deliver", method="pickup")
    rate(number, 5)
    rollup_all(now=timezone.now() + timezone.timedelta(minutes=5))
    ranked = client_for(county.staff["supervisor"]).get("/api/v1/stats/assessment/").json()
    satisfaction = {r["name"]: r["metrics"]["satisfaction_rate"] for r in ranked}
    assert satisfaction["甲镇"] == 0.0
    assert satisfaction["浉河区本级"] == 1.0


def test_the_rollup_command_rebuilds_the_satisfaction_figures(county, clerk, reviewer):
    rate(finished_case(clerk, reviewer), 4)
    kept = rollup_rows()
    MonthlySatisfaction.objects.all().delete()
    call_command("rollup_stats", "--rebuild-ratings")
    assert rollup_rows() == kept and len(kept) == 1


def test_an_appeal_upheld_after_the_rectification_closed_takes_both_out(county, clerk, reviewer):
    number = finished_case(clerk, reviewer)
    rate(number, 1)
    town_clerk = county.staff["town_clerk"]
    bad = Rectification.objects.get()
    rectification_callback(rectification=bad, actor=town_clerk, note="已回访", satisfied=False)
    rectification_close(rectification=bad, actor=town_clerk, outcome="已说明政策")
    appeal = appeal_raise(rating=bad.rating, actor=town_clerk, reason="评价人与办件无关")
    appeal_decide(appeal=appeal, actor=county.staff["supervisor"], upheld=True, note="属实")
    board = client_for(county.staff["supervisor"]).get("/api/v1/stats/dashboard/").json()["satisfaction"]
    assert (board["ratings"], board["bad"], board["rectified"], board["rectification_rate"]) == (
        0,
        0,
        0,
        None,
    )


def test_a_towns_dashboard_counts_the_hotline_tickets_about_that_town_only(world):
    hotline = build_hotline(world)
    operator = client_for(hotline.staff["operator"])
    register(operator, hotline)  # 低保, in a village of town A: the town A center's
    register(operator, hotline, region=hotline.region("town_b"), category="0104")
    supervisor = client_for(hotline.staff["supervisor"])

    def received(query: str) -> int:
        return supervisor.get(f"/api/v1/stats/dashboard/{query}").json()["hotline"]["received"]

    town_a, town_b = hotline.region("town_a"), hotline.region("town_b")
    assert (received(""), received(f"?region={town_a}"), received(f"?region={town_b}")) == (2, 1, 1)
    assert (received("?point=CA"), received("?point=CB")) == (1, 0)


def close_and_uphold_at_once(county, clerk, reviewer) -> list[BaseException]:
    town_clerk, supervisor = county.staff["town_clerk"], county.staff["supervisor"]
    rate(finished_case(clerk, reviewer), 1)
    bad = Rectification.objects.order_by("-id").first()
    rectification_callback(rectification=bad, actor=town_clerk, note="已回访", satisfied=False)
    appeal = appeal_raise(rating=bad.rating, actor=town_clerk, reason="恶意差评")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(work) -> None:
        try:
            barrier.wait()
            work()
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    works = [
        partial(rectification_close, rectification=bad, actor=town_clerk, outcome="已整改"),
        partial(appeal_decide, appeal=appeal, actor=supervisor, upheld=True, note="属实"),
    ]
    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_closing_a_rectification_while_its_appeal_is_upheld_keeps_the_rollup_exact(county, clerk, reviewer):
    """The two lock the rating first, then the rectification: they take turns (no deadlock), and the
    rollup never keeps a rectified bad rating that no longer counts."""
    for _round in range(3):
        errors = close_and_uphold_at_once(county, clerk, reviewer)
        assert all(getattr(e, "status_code", None) == 409 for e in errors), errors
        kept = rollup_rows()
        rebuild()
        assert rollup_rows() == kept
