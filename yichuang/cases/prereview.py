"""网上预审: an application the citizen sent himself (online, or at a self-service kiosk) waits at the
point that will handle it, and the window must look at it within ``PREREVIEW_WORKDAYS`` working days
(1 by default; seed 000: "网上申请1个工作日内完成预审") — accept it, send the one-time notice, or refuse.

The clock starts when the application last entered ``submitted`` (sent, or supplemented after a
notice), is counted with the working-day calendar, and is never stored: a change to the holiday
schedule moves every pre-review deadline at once, with nothing to count again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from yichuang.cases.models import Case, CaseEvent, CaseStatus, Channel
from yichuang.workdays.calendar import add_workdays

#: Channels whose applications the window pre-reviews: the applicant sent them himself.
SELF_SERVICE_CHANNELS = (Channel.ONLINE, Channel.KIOSK)
#: Timeline lines that (re)start the pre-review clock.
CLOCK_ACTIONS = ("submit", "supplement")


def prereview_workdays() -> int:
    return int(getattr(settings, "PREREVIEW_WORKDAYS", 1))


@dataclass(frozen=True)
class PreReview:
    since: dt.date
    due: dt.date
    overdue: bool


def prereview_due(since: dt.date) -> dt.date:
    return add_workdays(since, prereview_workdays())


def awaits_prereview(case: Case) -> bool:
    return case.channel in SELF_SERVICE_CHANNELS and case.status == CaseStatus.SUBMITTED


def _started(events: Iterable[Mapping[str, Any]]) -> dt.datetime | None:
    started = None
    for event in events:
        if event["action"] in CLOCK_ACTIONS and event["to_status"] == CaseStatus.SUBMITTED:
            started = event["at"]
    return started


def prereview_of(
    case: Case, *, events: Iterable[Mapping[str, Any]] | None = None, today: dt.date | None = None
) -> PreReview | None:
    """The case's pre-review deadline, or None when it does not wait for one. ``events`` are its
    timeline lines (``at``, ``action``, ``to_status``), oldest first, when the caller has read them;
    else the case's ``prereview_from`` annotation (``with_prereview``) or one query."""
    if not awaits_prereview(case):
        return None
    started: dt.datetime | None
    if events is not None:
        started = _started(events)
    elif hasattr(case, "prereview_from"):
        started = case.prereview_from
    else:
        started = _started(
            CaseEvent.objects.filter(case=case).order_by("at", "id").values("at", "action", "to_status")
        )
    since = timezone.localdate(started) if started is not None else timezone.localdate(case.created_at)
    due = prereview_due(since)
    return PreReview(since=since, due=due, overdue=due < (today or timezone.localdate()))


def with_prereview(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Each case with ``prereview_from``: when it last entered ``submitted`` (one subquery)."""
    last = (
        CaseEvent.objects.filter(
            case=OuterRef("pk"), action__in=CLOCK_ACTIONS, to_status=CaseStatus.SUBMITTED
        )
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    return qs.annotate(prereview_from=Subquery(last))


def overdue_since(today: dt.date) -> dt.datetime:
    """The moment before which a clock must have started for its pre-review to be overdue ``today``:
    the start of the day after the latest day whose deadline lies before ``today``. Deadlines never
    go back as the start goes forward, so walking back from yesterday finds it (a holiday week at
    most: a few steps)."""
    day = today - dt.timedelta(days=1)
    while prereview_due(day) >= today:
        day -= dt.timedelta(days=1)
    start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(start, timezone.get_current_timezone())


def prereview_overdue(qs: QuerySet[Case], *, today: dt.date | None = None) -> QuerySet[Case]:
    """The cases of ``qs`` whose pre-review is overdue."""
    waiting = with_prereview(qs.filter(channel__in=SELF_SERVICE_CHANNELS, status=CaseStatus.SUBMITTED))
    late: dict[str, Any] = {"prereview_from__lt": overdue_since(today or timezone.localdate())}
    return waiting.filter(**late)  # a dict: the stubs do not know the annotation
