"""The frame of every action: lock the row, check the transitions table, the actor's right (the
registry in ``cases.actions``) and the row version; then write the change and its timeline line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.audit.chain import case_chain
from yichuang.cases.actions import CASE_ACTIONS
from yichuang.cases.models import Case, CaseStatus
from yichuang.cases.services.base import case_event, case_event_record
from yichuang.cases.services.eligibility import release_open_case
from yichuang.cases.workflow import next_status
from yichuang.common.errors import Conflict, NotAllowed
from yichuang.org.models import Staff
from yichuang.org.selectors import scope_of

_OPEN = frozenset(
    {
        CaseStatus.SUBMITTED,
        CaseStatus.NEEDS_SUPPLEMENT,
        CaseStatus.ACCEPTED,
        CaseStatus.IN_REVIEW,
        CaseStatus.SUSPENDED,
    }
)


def case_may(actor: Staff, case: Case, action: str) -> bool:
    """Whether ``actor`` may take ``action`` on a case he can see (scope is checked by the selector);
    the rule is the action's entry in the registry (``cases.actions``)."""
    known = CASE_ACTIONS.get(action)
    return known is not None and known.may(actor, case, in_scope=lambda: _in_scope(actor, case))


_may = case_may


def _in_scope(actor: Staff, case: Case) -> bool:
    return scope_of(actor).covers(region=case.region, point_id=case.point_id)


@dataclass(frozen=True)
class CaseInScope:
    """A case named by its number as ``user`` may see it. Given to an action instead of a case read
    beforehand, it makes the action's locked read the only read: the row is found in the user's
    scope (else 404), locked and read with its relations in one statement."""

    number: str
    user: Any


def _locked(case: Case | CaseInScope) -> Case:
    if isinstance(case, CaseInScope):
        from yichuang.cases.selectors import cases_for

        rows = cases_for(case.user).filter(number=case.number)
    else:
        rows = Case.objects.filter(pk=case.pk)
    found = (
        rows.select_for_update(of=("self",))
        # The licence issued on approval comes along (an empty outer join before): the answer
        # shows it, and a lookup of its own would be one more query per action.
        .select_related(
            "item",
            "item_version",
            "point",
            "region",
            "handling_department",
            "issued_license__license_type",
            "form",
            "citizen_link",
            "waybill",
        )
        .first()
    )
    if found is None:
        raise exceptions.NotFound()
    # The columns as the action read them, so that ``_commit`` writes only what changed (an UPDATE
    # of the case's forty columns cost more to compile than the action's other statements).
    found.__dict__[_AS_READ] = _columns(found)
    return found


_AS_READ = "_columns_as_locked"


def _columns(case: Case) -> dict[str, Any]:
    return {f.name: getattr(case, f.attname) for f in Case._meta.concrete_fields if not f.primary_key}


def _not_allowed(status: str, action: str) -> NotAllowed:
    return NotAllowed(
        _("办件当前状态为“%(status)s”，不能%(action)s。")
        % {
            "status": CaseStatus(status).label,
            "action": CASE_ACTIONS[action].words if action in CASE_ACTIONS else action,
        }
    )


def case_check_action(*, case: Case, action: str) -> None:
    """409 when the table does not allow ``action`` from the case's status as last read, without a
    lock: the API asks before it reads the body, so an action refused in this state is a 409 even
    when its body is bad too (contract.md). The action's service checks again under the lock."""
    if next_status(case.status, action) is None:
        raise _not_allowed(case.status, action)


def _move(
    case: Case | CaseInScope,
    *,
    actor: Staff,
    action: str,
    row_version: int | None = None,
    by_applicant: bool = False,
    rights_checked: bool = False,
) -> tuple[Case, str]:
    """Lock the row, check the table, the actor and the optional row version; return the locked case
    and its previous status. The caller checks its own arguments only then (so a move the state
    refuses is a 409 whatever they are; raising rolls the lock back), changes what it must and
    calls ``_commit``. ``rights_checked``: the caller has checked the actor's right itself (an internal
    action such as ``revoke``, taken by another service)."""
    locked = _locked(case)
    if row_version is not None and row_version != locked.row_version:
        raise Conflict(_("办件已被他人修改，请刷新后重试。"), code="stale")
    target = next_status(locked.status, action)
    if target is None:
        raise _not_allowed(locked.status, action)
    if not by_applicant and not rights_checked and not _may(actor, locked, action):
        known = CASE_ACTIONS.get(action)
        raise exceptions.PermissionDenied(
            known.refusal(actor, locked) if known is not None else _("您无权对此办件执行该操作。")
        )
    previous = locked.status
    locked.status = target
    return locked, previous


def _commit(case: Case, *, actor: Staff, action: str, previous: str, note: str = "", **data: Any) -> Case:
    case.row_version += 1
    # The line is chained before the UPDATE so that the case's new chain head goes with it.
    event = case_event(case, action=action, actor=actor, from_status=previous, note=note, **data)
    case_chain(case, [event])
    before = case.__dict__.pop(_AS_READ, None)
    if before is None:
        case.save()
    else:
        now = _columns(case)
        case.save(
            update_fields=[name for name, value in now.items() if before[name] != value] + ["updated_at"]
        )
    case_event_record(event)
    if previous in _OPEN and case.status not in _OPEN:
        release_open_case(case)
    return case
