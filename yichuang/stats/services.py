"""The incremental rollup: fold the timeline events written since the last run into MonthlyFigure."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yichuang.cases.models import Case, CaseEvent, Channel, DeliveryMethod
from yichuang.common.locks import locked_singleton
from yichuang.org.models import Role
from yichuang.stats.models import MonthlyFigure, RollupState
from yichuang.workdays.calendar import workdays_between

#: Events younger than this are left for the next run: a transaction still open could commit an
#: event with a smaller id, which a watermark on ids would otherwise skip.
SETTLE = dt.timedelta(seconds=30)
COUNTED_ACTIONS = ("submit", "accept", "deliver", "deny")
COMPLETING_ACTIONS = ("deliver", "deny")


@dataclass(frozen=True)
class _Key:
    month: dt.date
    point_id: int
    region_code: str
    window_id: int | None
    staff_id: int | None
    kind: str

    @property
    def text(self) -> str:
        return f"{self.month:%Y%m}:{self.point_id}:{self.window_id or 0}:{self.staff_id or 0}:{self.kind}"


def visits_of(case: Case, events: list[CaseEvent]) -> int:
    """跑动次数: how often the applicant had to come in person. Submitting at a window or bank counts
    one; each supplement not brought by a village agent one more; collecting the result at the window
    on another day than the first visit one more. An agent's or online case can be 0 (不见面审批)."""
    visits = 1 if case.channel in (Channel.WINDOW, Channel.BANK) else 0
    first_day = timezone.localdate(case.created_at)
    for event in events:
        if event.action == "supplement" and (event.actor is None or event.actor.role != Role.VILLAGE_AGENT):
            visits += 1
        if (
            event.action == "deliver"
            and event.data.get("method") == DeliveryMethod.PICKUP
            and timezone.localdate(event.at) != first_day
        ):
            visits += 1
    return visits


def rollup_advance(*, batch: int = 5000, now: dt.datetime | None = None) -> int:
    """Count the next ``batch`` settled events; returns how many were counted. Safe on several
    workers: the state row is locked for the run, so each event is counted once."""
    now = now or timezone.now()
    with transaction.atomic():
        state = locked_singleton(RollupState)
        events = list(
            CaseEvent.objects.filter(
                id__gt=state.last_event_id, at__lte=now - SETTLE, action__in=COUNTED_ACTIONS
            )
            .select_related("actor", "case", "case__point__region", "case__item_version", "case__accepted_by")
            .order_by("id")[:batch]
        )
        if not events:
            return 0
        done_ids = {e.case_id for e in events if e.action in COMPLETING_ACTIONS}
        timelines: dict[int, list[CaseEvent]] = defaultdict(list)
        for row in (
            CaseEvent.objects.filter(case_id__in=done_ids, action__in=("supplement", "deliver"))
            .select_related("actor")
            .order_by("id")
        ):
            timelines[row.case_id].append(row)
        deltas: dict[_Key, Counter[str]] = defaultdict(Counter)
        for event in events:
            _count(event, deltas, timelines)
        _apply(deltas)
        state.last_event_id = events[-1].pk
        state.save(update_fields=["last_event_id", "updated_at"])
        return len(events)


def rollup_all(*, batch: int = 5000, now: dt.datetime | None = None) -> int:
    """Run until caught up (the beat task, and tests)."""
    total = 0
    while counted := rollup_advance(batch=batch, now=now):
        total += counted
    return total


def _count(event: CaseEvent, deltas: dict[_Key, Counter[str]], timelines: dict[int, list[CaseEvent]]) -> None:
    case = event.case
    month = timezone.localdate(event.at).replace(day=1)
    region_code = case.point.region.code

    def key(staff: object) -> _Key:
        return _Key(
            month=month,
            point_id=case.point_id,
            region_code=region_code,
            window_id=getattr(staff, "window_id", None),
            staff_id=getattr(staff, "pk", None),
            kind=case.kind,
        )

    if event.action == "submit":
        if case.channel == Channel.AGENT:
            deltas[key(event.actor)]["agent_submitted"] += 1
        return
    if event.action == "accept":
        deltas[key(event.actor)]["accepted"] += 1
        return
    # deliver or deny: the case is finished (办结), credited to the clerk who accepted it.
    counter = deltas[key(case.accepted_by)]
    counter["completed"] += 1
    accepted_on = timezone.localdate(case.accepted_at) if case.accepted_at else timezone.localdate(event.at)
    decided_on = timezone.localdate(case.decided_at) if case.decided_at else timezone.localdate(event.at)
    if case.due_date is None or decided_on <= case.due_date:
        counter["on_time"] += 1
    counter["workdays_used"] += max(0, workdays_between(accepted_on, decided_on) - case.suspended_days)
    snapshot = case.item_version.snapshot
    counter["promised_days"] += int(snapshot.get("promised_days") or 0)
    counter["statutory_days"] += int(snapshot.get("statutory_days") or 0)
    visits = visits_of(case, timelines.get(case.pk, []))
    counter["visits"] += visits
    counter["one_visit"] += visits <= 1
    if event.action == "deliver" and event.data.get("method") == DeliveryMethod.AGENT:
        counter["agent_home"] += 1


def _apply(deltas: dict[_Key, Counter[str]]) -> None:
    existing = {
        row.key: row.pk for row in MonthlyFigure.objects.filter(key__in=[k.text for k in deltas]).only("key")
    }
    new_rows = []
    for key, counter in deltas.items():
        if key.text in existing:
            MonthlyFigure.objects.filter(pk=existing[key.text]).update(
                **{name: F(name) + value for name, value in counter.items()}
            )
        else:
            new_rows.append(
                MonthlyFigure(
                    key=key.text,
                    month=key.month,
                    point_id=key.point_id,
                    region_code=key.region_code,
                    window_id=key.window_id,
                    staff_id=key.staff_id,
                    kind=key.kind,
                    **counter,
                )
            )
    MonthlyFigure.objects.bulk_create(new_rows)
