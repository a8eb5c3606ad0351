"""告知承诺 after the decision: the post-check (事后核查) of a case approved on commitments, its outcome,
and — when a promise was broken (违诺) — the revocation of the decision.

国办发〔2020〕42号 (证明事项告知承诺制): an authority that accepts a promise instead of a paper checks it
afterwards; when the promise proves false it revokes the decision made on it, and the applicant's
breach goes on his credit record, so that for a period he may no longer use commitments.

- ``postcheck_schedule`` (inside ``case_approve``): one check per case with committed papers, due
  ``period_for(item)`` working days after the decision.
- ``postcheck_record``: the handling unit's reviewer records kept or broken, with a note and files; the
  check's row is locked, so of two reviewers recording at once exactly one wins (the other: 409).
- ``case_revoke``: the ``revoke`` move of the transitions table (approved/delivered → revoked), with its
  line on the timeline, the licence revoked, the 撤销决定书 issued under the decision's seal, the SMS and
  the breach recorded against the applicant (``CommitmentBreach``, by the index of his ID number).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.cases.models import (
    Case,
    CaseMaterial,
    CommitmentBreach,
    MaterialState,
    PostCheck,
    PostCheckPeriod,
    PostCheckStatus,
)
from yichuang.cases.services.base import _sms, _today, case_event, case_event_record
from yichuang.cases.services.moves import _commit, _move
from yichuang.catalog.models import ServiceItem
from yichuang.common.errors import Conflict
from yichuang.org.models import Role, Staff
from yichuang.org.selectors import is_admin_of
from yichuang.workdays.calendar import add_workdays

#: The context of the personal-data index under which breaches are kept (never the ID number itself).
BREACH_INDEX_CONTEXT = "cases.CommitmentBreach.applicant"


def breach_key(id_number: str) -> str:
    from yichuang.pii.cipher import blind_index

    return blind_index(id_number.strip().upper(), context=BREACH_INDEX_CONTEXT)


def breach_in_force(id_number: str, *, on: dt.date | None = None) -> CommitmentBreach | None:
    """The applicant's breach still in force on ``on`` (today), the one that lasts longest."""
    if not id_number:
        return None
    return (
        CommitmentBreach.objects.filter(applicant_key=breach_key(id_number), until__gte=on or _today())
        .order_by("-until")
        .first()
    )


def period_for(item: ServiceItem | int) -> int:
    """Working days from the decision to the post-check's due date: the item's own period
    (``PostCheckPeriod``) or ``POSTCHECK_WORKDAYS``."""
    item_id = item if isinstance(item, int) else item.pk
    own = PostCheckPeriod.objects.filter(item_id=item_id).values_list("workdays", flat=True).first()
    return int(own) if own else int(settings.POSTCHECK_WORKDAYS)


def postcheck_schedule(case: Case, committed: Sequence[tuple[str, str]]) -> PostCheck | None:
    """Schedule the post-check of a case decided on the commitments ``committed`` ((code, name) of each
    promised paper); none without commitments. Runs inside the approving transaction."""
    if not committed:
        return None
    decided = timezone.localdate(case.decided_at) if case.decided_at else _today()
    return PostCheck.objects.create(
        case=case,
        committed=[{"code": code, "name": name} for code, name in committed],
        due_date=add_workdays(decided, period_for(case.item_id)),
    )


def committed_papers(case: Case) -> list[tuple[str, str]]:
    return list(
        CaseMaterial.objects.filter(case=case, state=MaterialState.COMMITTED)
        .order_by("id")
        .values_list("requirement", "name")
    )


def may_check(actor: Staff, case: Case) -> bool:
    """The handling unit's reviewers check (they decided); an administrator may."""
    if actor.is_superuser or actor.role == Role.ADMIN:
        return is_admin_of(actor, region=case.region, point_id=case.point_id)
    return actor.role == Role.REVIEWER and actor.department_id == case.handling_department_id


@transaction.atomic
def postcheck_record(
    *, check: PostCheck, actor: Staff, kept: bool, note: str = "", files: Sequence[Any] = ()
) -> PostCheck:
    """Record the post-check's outcome, once. Broken (违诺) needs what was found and revokes the decision
    in the same transaction (``case_revoke``); kept (守诺) writes its line on the timeline."""
    locked = PostCheck.objects.select_for_update().get(pk=check.pk)
    case = Case.objects.select_related("handling_department").get(pk=locked.pk)
    if not may_check(actor, case):
        raise exceptions.PermissionDenied(_("只有承办部门的审批人员可以记录事后核查结果。"))
    if locked.status != PostCheckStatus.PENDING:
        raise Conflict(
            _("该办件的事后核查已记录结果（%(status)s），不能重复记录。")
            % {"status": PostCheckStatus(locked.status).label},
            code="already_checked",
        )
    note = (note or "").strip()
    if not kept and not note:
        raise exceptions.ValidationError({"note": [_("认定违诺须写明核查发现的情况。")]})
    locked.status = PostCheckStatus.KEPT if kept else PostCheckStatus.BROKEN
    locked.note = note
    locked.checked_by = actor
    locked.checked_at = timezone.now()
    locked.save(update_fields=["status", "note", "checked_by", "checked_at"])
    if files:
        locked.files.set(files)
    names = "、".join(str(entry["name"]) for entry in locked.committed)
    if kept:
        line = _("事后核查：承诺属实（%(papers)s）") % {"papers": names}
        _timeline_line(
            case, actor=actor, action="postcheck", note=f"{line}。{note}" if note else line, outcome="kept"
        )
    else:
        case_revoke(case=case, actor=actor, reason=note, check=locked)
    return locked


def _timeline_line(case: Case, *, actor: Staff, action: str, note: str, **data: Any) -> None:
    """A line that moves nothing (the case is locked first: its chain head moves with the line)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    case_event_record(case_event(locked, action=action, actor=actor, note=note, **data))


@transaction.atomic
def case_revoke(
    *,
    case: Case,
    actor: Staff,
    reason: str,
    check: PostCheck | None = None,
    note: str = "",
    row_version: int | None = None,
) -> Case:
    """撤销: the decision made on commitments is revoked because a promise proved false.

    Only through a post-check found broken (``check``): the actions endpoint and the case page do not
    offer it (``CaseAction.internal``). The applicant is told by SMS and by the sealed 撤销决定书; his
    licence, if the decision issued one, is revoked; the breach is recorded against him for
    ``COMMITMENT_BREACH_DAYS`` days."""
    from yichuang.cases.documents import issue_for_case

    if check is None or check.status != PostCheckStatus.BROKEN:
        raise Conflict(_("只有经事后核查认定违诺的办件才能撤销决定。"), code="not_broken")
    reason = (reason or "").strip()
    case, previous = _move(case, actor=actor, action="revoke", row_version=row_version, rights_checked=True)
    revoked_license = _revoke_license(case, actor, reason)
    until = _today() + dt.timedelta(days=int(settings.COMMITMENT_BREACH_DAYS))
    CommitmentBreach.objects.create(
        applicant_key=breach_key(case.applicant_id_number), case=case, until=until, note=reason
    )
    papers = [str(entry["name"]) for entry in check.committed]
    line = _("事后核查发现违诺（%(papers)s），撤销原决定：%(reason)s") % {
        "papers": "、".join(papers),
        "reason": reason,
    }
    _commit(
        case,
        actor=actor,
        action="revoke",
        previous=previous,
        note=f"{line}。{note}" if note else line,
        reason=reason,
        committed=papers,
        license=revoked_license,
        breach_until=until.isoformat(),
    )
    _sms(case, "case_revoked", reason=reason)
    issue_for_case(case=case, kind="revoke", actor=actor, note=reason)
    return case


def _revoke_license(case: Case, actor: Staff, reason: str) -> str:
    from yichuang.licenses.services import license_revoke

    try:
        issued = case.issued_license
    except ObjectDoesNotExist:
        return ""
    license_revoke(
        license=issued, actor=actor, reason=_("违反告知承诺，原决定已撤销：%(reason)s") % {"reason": reason}
    )
    return str(issued.number)


def remind_due_postchecks(*, today: dt.date | None = None, ahead: int = 3, limit: int = 2000) -> int:
    """Remind the handling unit's reviewers of post-checks due within ``ahead`` working days or overdue,
    once a day per check and reviewer (``notice_once`` keys on the check and the day)."""
    from yichuang.notify.services import notice_once

    today = today or _today()
    horizon = add_workdays(today, ahead)
    due = list(
        PostCheck.objects.filter(status=PostCheckStatus.PENDING, due_date__lte=horizon)
        .select_related("case__item", "case__handling_department")
        .order_by("due_date", "case_id")[:limit]
    )
    reviewers: dict[int, list[Staff]] = {}
    for person in Staff.objects.filter(
        role=Role.REVIEWER, is_active=True, department_id__in={c.case.handling_department_id for c in due}
    ):
        reviewers.setdefault(person.department_id or 0, []).append(person)
    sent = 0
    for check in due:
        case = check.case
        late = check.due_date < today
        body = (
            _("办件 %(number)s（%(item)s）的告知承诺事后核查已超过期限 %(due)s，请尽快核查并记录结果。")
            if late
            else _("办件 %(number)s（%(item)s）的告知承诺事后核查将于 %(due)s 到期，请按时核查。")
        ) % {"number": case.number, "item": case.item.name, "due": check.due_date.isoformat()}
        for person in reviewers.get(case.handling_department_id, []):
            sent += notice_once(
                recipient=person,
                kind="postcheck_due",
                key=f"postcheck:{case.number}:{today.isoformat()}",
                body=body,
                case_number=case.number,
            )
        PostCheck.objects.filter(pk=check.pk).update(reminded_on=today)
    return sent
