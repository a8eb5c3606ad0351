"""The case and the holiday calendar: warnings on due dates counted without an official schedule, and
the recount of open cases' due dates when a year's schedule is entered or changed.

Due dates are counted in working days (``workdays``). For a year whose schedule the State Council
has not yet published (2027 in December 2026: neither chinesecalendar 1.11 nor ``holidays`` has it),
the arithmetic counts weekends only: 2027-01-01 passes for a working day. A case whose count runs
through such a year says so (``case_warnings``, contract.md ``warnings``), and when staff import or
type in the year (``workdays.signals.schedule_changed``), ``cases_recount_due_dates`` counts the due
dates of every open case again from the same facts — accepted on, promised and statutory days,
working days suspended (counted again too) and extended — and writes old → new on each case's
timeline. The warning then disappears by itself: it is read from the calendar, never stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yichuang.audit.chain import case_chain
from yichuang.cases.models import Case, CaseStatus, SuspendedSpan
from yichuang.workdays.calendar import add_workdays, current_calendar, workdays_between

#: Cases whose dates still matter: open ones (a suspended case's dates move on resume, but they
#: are dates all the same).
OPEN = frozenset(
    {
        CaseStatus.SUBMITTED,
        CaseStatus.NEEDS_SUPPLEMENT,
        CaseStatus.ACCEPTED,
        CaseStatus.IN_REVIEW,
        CaseStatus.SUSPENDED,
    }
)
_DATE_FIELDS = ("due_date", "statutory_due_date", "supplement_due_date")


def _local_day(value: dt.datetime | dt.date) -> dt.date:
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


def uncovered_years_of(row: Mapping[str, Any]) -> list[int]:
    """Years without an official schedule that the count of an open case's due dates ran through
    (from the day after acceptance to the latest of its dates); [] for a closed case."""
    if row.get("status") not in OPEN or row.get("accepted_at") is None:
        return []
    dates = [row[name] for name in _DATE_FIELDS if row.get(name) is not None]
    if not dates:
        return []
    return current_calendar().uncovered_in(_local_day(row["accepted_at"]), max(dates))


def case_warnings(row: Mapping[str, Any]) -> list[str]:
    """The case's ``warnings`` (contract.md): Chinese sentences, empty when nothing is wrong. ``row``
    holds the case's status, accepted_at and dates (``selectors.LIST_COLUMNS`` or the model's)."""
    return [
        _(
            "办结期限计算涉及%(year)s年，该年度官方节假日安排尚未录入，期限暂按周末计算；"
            "录入后将自动重新计算。"
        )
        % {"year": year}
        for year in uncovered_years_of(row)
    ]


def case_warnings_of(case: Case) -> list[str]:
    return case_warnings({name: getattr(case, name) for name in ("status", "accepted_at", *_DATE_FIELDS)})


def uncovered_spans(covered: Iterable[int]) -> list[tuple[dt.date | None, dt.date | None]]:
    """The days whose year is not among ``covered``, as half-open spans [start, end) (None: open):
    before 1 January of the first covered year, each gap between covered years, and from 1 January
    after the last one. Nothing covered: one span, every day."""
    years = sorted(set(covered))
    if not years:
        return [(None, None)]
    spans: list[tuple[dt.date | None, dt.date | None]] = [(None, dt.date(years[0], 1, 1))]
    for year, following in pairwise(years):
        if following > year + 1:
            spans.append((dt.date(year + 1, 1, 1), dt.date(following, 1, 1)))
    if years[-1] < dt.MAXYEAR:
        spans.append((dt.date(years[-1] + 1, 1, 1), None))
    return spans


def _outside_covered(name: str, spans: list[tuple[dt.date | None, dt.date | None]]) -> Q:
    """``name``'s year is not covered: the date lies in one of ``spans`` (a NULL date lies in none)."""
    found = Q()
    for start, end in spans:
        bounds: dict[str, Any] = {}
        if start is not None:
            bounds[f"{name}__gte"] = start
        if end is not None:
            bounds[f"{name}__lt"] = end
        found |= Q(**bounds) if bounds else Q(**{f"{name}__isnull": False})
    return found


def uncovered_open_cases(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The open cases of ``qs`` that carry a calendar warning, as one query for the dashboards.

    A case's count runs from acceptance to its latest date, well under a year (the longest statutory
    limit plus a suspension), so it touches an uncovered year exactly when one of its dates lies in
    one: the dates' years outside the covered years. Asked as date ranges (``uncovered_spans``), not
    as the dates' years, so the open cases' index (``case_open_dates``, decision 155) answers it
    without reading the cases: at 10 000 000 cases a county's count read 2.2 GB of them."""
    spans = uncovered_spans(current_calendar().covered)
    lacking = Q()
    for name in _DATE_FIELDS:
        lacking |= _outside_covered(name, spans)
    return qs.filter(lacking, status__in=list(OPEN), accepted_at__isnull=False)


@dataclass(frozen=True)
class DueDates:
    due_date: dt.date | None
    statutory_due_date: dt.date | None
    supplement_due_date: dt.date | None
    suspended_days: int


def due_dates_for(case: Case, spans: Iterable[SuspendedSpan]) -> DueDates:
    """The dates an accepted case has under today's calendar: the same steps as acceptance
    (``services.base._set_due_dates``), a resume (its suspended working days, ``case_resume``) and an
    extension (``case_extend``) took, in one count each — the n-th working day after the m-th is the
    (m + n)-th."""
    assert case.accepted_at is not None
    snapshot = case.item_version.snapshot
    day = timezone.localdate(case.accepted_at)
    suspended = sum(workdays_between(s.start, s.end) for s in spans if s.end is not None)
    added = suspended + case.extended_days
    supplement = None
    if case.supplement_due_date is not None:
        supplement = add_workdays(day, int(snapshot.get("supplement_days") or 5))
    return DueDates(
        due_date=add_workdays(day, int(snapshot["promised_days"]) + added),
        statutory_due_date=add_workdays(day, int(snapshot["statutory_days"]) + added),
        supplement_due_date=supplement,
        suspended_days=suspended,
    )


_LABELS = {
    "due_date": "承诺办结日期",
    "statutory_due_date": "法定办结日期",
    "supplement_due_date": "容缺补正期限",
}


@transaction.atomic
def cases_recount_due_dates(*, years: Iterable[int], actor: Any = None) -> int:
    """Count again the due dates of the open cases whose count ran through ``years``; each case
    whose dates move gets a timeline line ``recount`` with old → new. Returns how many moved.

    Only cases accepted before the end of the last year and with a date from the first year on
    can move: a count that ended before a year began never looked at it. The cases are locked in id
    order (an action elsewhere waits, then sees the new dates)."""
    from yichuang.cases.services import case_event, case_event_record

    changed = sorted(set(years))
    if not changed:
        return 0
    first = dt.date(changed[0], 1, 1)
    end = timezone.make_aware(dt.datetime(changed[-1] + 1, 1, 1))
    reach = Q()
    for name in _DATE_FIELDS:
        reach |= Q(**{f"{name}__gte": first})
    cases = list(
        Case.objects.select_for_update(of=("self",))
        .select_related("item_version")
        .filter(reach, status__in=list(OPEN), accepted_at__isnull=False, accepted_at__lt=end)
        .order_by("pk")
    )
    spans: dict[int, list[SuspendedSpan]] = {}
    for span in SuspendedSpan.objects.filter(case__in=[c.pk for c in cases]).order_by("start", "pk"):
        spans.setdefault(span.case_id, []).append(span)
    names = ", ".join(f"{year}" for year in changed)
    events = []
    for case in cases:
        own = spans.get(case.pk, [])
        new = due_dates_for(case, own)
        moves = {
            name: (getattr(case, name), getattr(new, name))
            for name in _DATE_FIELDS
            if getattr(case, name) != getattr(new, name)
        }
        if not moves and new.suspended_days == case.suspended_days:
            continue
        for span in own:
            if span.end is not None:
                days = workdays_between(span.start, span.end)
                if days != span.working_days:
                    span.working_days = days
                    span.save(update_fields=["working_days"])
        for name, (_old, value) in moves.items():
            setattr(case, name, value)
        case.suspended_days = new.suspended_days
        case.row_version += 1
        note = _("%(years)s年节假日安排变更，重新计算期限：%(moves)s") % {
            "years": names,
            "moves": "；".join(
                f"{_LABELS[name]} {old.isoformat() if old else '—'} → {value.isoformat() if value else '—'}"
                for name, (old, value) in moves.items()
            )
            or _("中止工作日重新计算"),
        }
        event = case_event(
            case,
            action="recount",
            actor=actor,
            note=note,
            years=changed,
            moves={name: [_iso(old), _iso(value)] for name, (old, value) in moves.items()},
        )
        case_chain(case, [event])
        case.save(
            update_fields=[
                *_DATE_FIELDS,
                "suspended_days",
                "row_version",
                "audit_head",
                "audit_count",
                "updated_at",
            ]
        )
        events.append(event)
    if events:
        case_event_record(*events)
    return len(events)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def on_schedule_changed(sender: Any, *, years: list[int], actor: Any = None, **kwargs: Any) -> int:
    """The receiver of ``workdays.signals.schedule_changed`` (connected in ``CasesConfig.ready``)."""
    return cases_recount_due_dates(years=years, actor=actor)
