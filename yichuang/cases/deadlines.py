"""到期预警 and 超期督办: the daily sweep that reminds handlers before the due date and supervisors
after it. Each reminder is written once (``notify.services.notice_once`` keys on case and due date,
so a due date moved by a suspension or an extension warns again)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yichuang.cases.models import Case
from yichuang.cases.selectors import RUNNING_STATUSES
from yichuang.org.models import Role, Staff
from yichuang.workdays.calendar import add_workdays

#: Warn the handler this many working days before the promised date (issue 6; seeds 001/003).
WARN_WORKDAYS = 2
#: The running cases of the partial index ``case_running_due``, spelled the same so that PostgreSQL
#: reads the sweep from it (only accepted and in-review cases have a due date among them).
RUNNING = RUNNING_STATUSES


@dataclass(frozen=True)
class SweepResult:
    warned: int
    escalated: int


def _context(case: Case) -> dict[str, object]:
    return {
        "number": case.number,
        "item": case.item.name,
        "point": case.point.name,
        "due_date": case.due_date.isoformat() if case.due_date else "",
    }


def _handlers(case: Case, reviewers: dict[int, list[Staff]]) -> list[Staff]:
    """The reviewers of the handling unit; for a unit without any, the clerk who accepted it."""
    found = reviewers.get(case.handling_department_id) or []
    if found:
        return found
    return [case.accepted_by] if case.accepted_by is not None else []


def _supervisors_of(case: Case, overseers: list[Staff]) -> list[Staff]:
    """Supervisors whose region covers the case, and the manager of the point that accepted it."""
    chosen = []
    for person in overseers:
        if person.role == Role.CENTER_MANAGER:
            if person.point_id == case.point_id:
                chosen.append(person)
        elif person.region is not None and case.region.code.startswith(person.region.prefix):
            chosen.append(person)
    return chosen


def _due_soon(today: dt.date) -> QuerySet[Case]:
    horizon = add_workdays(today, WARN_WORKDAYS)
    return Case.objects.filter(status__in=RUNNING, due_date__gte=today, due_date__lte=horizon)


def _overdue(today: dt.date) -> QuerySet[Case]:
    return Case.objects.filter(status__in=RUNNING, due_date__lt=today)


def _first_by_due(cases: QuerySet[Case], limit: int, related: tuple[str, ...]) -> list[Case]:
    """The first ``limit`` cases by due date: their ids from the running cases' index
    (``case_running_due``) first, then those rows — asked in one query with the joins, PostgreSQL may
    walk a year partition's plain ``due_date`` index through millions of closed cases (decision 155)."""
    ids = list(cases.order_by("due_date", "id").values_list("id", flat=True)[:limit])
    if not ids:
        return []
    return list(Case.objects.filter(pk__in=ids).select_related(*related).order_by("due_date", "id"))


def sweep_deadlines(*, today: dt.date | None = None, limit: int = 5000) -> SweepResult:
    """Run daily (Celery beat, or ``yichuang sweep_deadlines`` from cron). Suspended cases are left
    alone: their clock stands still."""
    from yichuang.notify.services import notice_once

    today = today or timezone.localdate()
    related = ("item", "point", "region", "accepted_by")
    soon = _first_by_due(_due_soon(today), limit, related)
    late = _first_by_due(_overdue(today), limit, related)
    reviewers: dict[int, list[Staff]] = {}
    for person in Staff.objects.filter(
        role=Role.REVIEWER, is_active=True, department_id__in={c.handling_department_id for c in soon}
    ):
        reviewers.setdefault(person.department_id or 0, []).append(person)
    overseers = list(
        Staff.objects.filter(role__in=[Role.SUPERVISOR, Role.CENTER_MANAGER], is_active=True).select_related(
            "region"
        )
    )
    warned = escalated = 0
    for case in soon:
        for person in _handlers(case, reviewers):
            warned += notice_once(
                recipient=person,
                kind="deadline_soon",
                key=f"soon:{case.number}:{case.due_date}",
                body=_("办件 %(number)s（%(item)s）将于 %(due)s 到期，请抓紧办理。")
                % {"number": case.number, "item": case.item.name, "due": case.due_date},
                case_number=case.number,
                sms_template="deadline_soon",
                sms_context=_context(case),
            )
    for case in late:
        for person in _supervisors_of(case, overseers):
            escalated += notice_once(
                recipient=person,
                kind="case_overdue",
                key=f"overdue:{case.number}:{case.due_date}",
                body=_("办件 %(number)s（%(item)s，%(point)s 受理）已超过承诺办结日期 %(due)s，请督办。")
                % {
                    "number": case.number,
                    "item": case.item.name,
                    "point": case.point.name,
                    "due": case.due_date,
                },
                case_number=case.number,
                sms_template="case_overdue",
                sms_context=_context(case),
            )
    return SweepResult(warned=warned, escalated=escalated)
