"""What the case services share: the date, the timeline, the applicant's SMS, the due dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from rest_framework import exceptions

from yichuang.audit.chain import case_chain
from yichuang.cases import hooks
from yichuang.cases.models import Case, CaseEvent, CaseMaterial, MaterialState
from yichuang.cases.services.bundle_sms import STEP_OF as BUNDLE_STEP_OF
from yichuang.cases.services.bundle_sms import bundle_step_sms
from yichuang.org.models import Region, RegionLevel, Staff
from yichuang.workdays.calendar import add_workdays

#: 行政许可法 第42条: the head of the office may extend the limit once, by at most 10 working days.
MAX_EXTENSION_DAYS = 10
SUSPEND_KINDS = {
    "inspection": "现场勘验",
    "testing": "检验检测",
    "expert_review": "专家评审",
    "hearing": "听证",
    "other": "其他法定情形",
}


def _today() -> dt.date:
    return timezone.localdate()


def _county_of(region: Region) -> Region:
    node: Region | None = region
    while node is not None and node.level not in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
        node = node.parent
    return node or region


@dataclass
class Written:
    """Rows an action wrote beside the case, for its answer: materials with their files, the
    timeline lines, the documents. ``None`` for what the action did not write (the answer reads it)."""

    materials: list[tuple[CaseMaterial, list[Any]]] | None = None
    events: list[CaseEvent] | None = None
    documents: list[Any] | None = None


def case_event(
    case: Case,
    *,
    action: str,
    actor: Staff | None,
    from_status: str | None = None,
    note: str = "",
    **data: Any,
) -> CaseEvent:
    """A line of the case's timeline, not yet written: ``case_event_record`` writes it. The status
    after is the case's as it stands; ``from_status`` defaults to it too (a line that moves nothing)."""
    return CaseEvent(
        case=case,
        action=action,
        actor=actor,
        actor_name=(actor.get_full_name() or actor.username) if actor else "",
        from_status=case.status if from_status is None else from_status,
        to_status=case.status,
        note=note,
        data=data,
    )


def case_event_record(*events: CaseEvent) -> None:
    """The one way to write lines of cases' timelines (the cases' own actions, and other apps such as
    handover): one insert for all of them.

    Each line joins its case's SM3 chain (``yichuang.audit.chain``). A case's own action has chained
    them already (``case_chain`` under its row lock, the head saved in the action's one UPDATE); lines
    written for cases not locked here (a handover's) are chained now: their cases are locked and
    their heads read in one statement and moved in one more."""
    unchained = [event for event in events if not event.digest]
    if unchained:
        _chain_locking(unchained)
    hooks.run_recorded(events)
    CaseEvent.objects.bulk_create(events)


def _chain_locking(events: list[CaseEvent]) -> None:
    by_case: dict[int, list[CaseEvent]] = {}
    for event in events:
        by_case.setdefault(event.case_id, []).append(event)
    locked = {
        case.pk: case
        for case in Case.objects.select_for_update()
        .filter(pk__in=by_case)
        .only("id", "number", "audit_head", "audit_count")
        .order_by("pk")
    }
    for case_id, lines in by_case.items():
        case_chain(locked[case_id], lines)
    Case.objects.bulk_update(list(locked.values()), ["audit_head", "audit_count"])


def _sms(case: Case, template: str, **context: Any) -> None:
    from yichuang.notify.services import sms_enqueue

    base = {
        "number": case.number,
        "item": case.item.name,
        "point": case.point.name,
        "due_date": case.due_date.isoformat() if case.due_date else "",
        "name": case.applicant_name,
    }
    base.update({k: str(v) for k, v in context.items()})
    if case.application_id is not None and template in BUNDLE_STEP_OF:
        # 一件事: one message for the bundle once its last case passes this step (``bundle_sms``)
        bundle_step_sms(case, template, base)
        return
    sms_enqueue(to=case.applicant_phone, template=template, context=base, case_number=case.number)


def _set_due_dates(case: Case, accepted: dt.datetime, *, tolerated: bool | None = None) -> None:
    snapshot = case.item_version.snapshot
    day = timezone.localdate(accepted)
    case.accepted_at = accepted
    case.due_date = add_workdays(day, int(snapshot["promised_days"]))
    case.statutory_due_date = add_workdays(day, int(snapshot["statutory_days"]))
    if tolerated is None:
        tolerated = case.materials.filter(state=MaterialState.TOLERATED).exists()
    if tolerated:
        case.supplement_due_date = add_workdays(day, int(snapshot.get("supplement_days") or 5))


def _require(value: str, field_name: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise exceptions.ValidationError({field_name: [message]})
    return value
