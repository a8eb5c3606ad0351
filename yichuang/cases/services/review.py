"""The handling department's actions: review, approve, deny, suspend, resume, extend."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.cases import hooks
from yichuang.cases.documents import issue_for_case
from yichuang.cases.models import Case, CaseMaterial, MaterialState, SuspendedSpan
from yichuang.cases.services.base import (
    MAX_EXTENSION_DAYS,
    SUSPEND_KINDS,
    _county_of,
    _require,
    _sms,
    _today,
)
from yichuang.cases.services.moves import _commit, _move
from yichuang.cases.services.postcheck import postcheck_schedule
from yichuang.catalog.models import LicenseType
from yichuang.common.errors import Conflict, NotAllowed
from yichuang.common.memo import memoized
from yichuang.org.models import Staff
from yichuang.workdays.calendar import add_workdays, workdays_between


@transaction.atomic
def case_review(*, case: Case, actor: Staff, note: str = "", row_version: int | None = None) -> Case:
    case, previous = _move(case, actor=actor, action="review", row_version=row_version)
    return _commit(case, actor=actor, action="review", previous=previous, note=note)


@transaction.atomic
def case_approve(
    *,
    case: Case,
    actor: Staff,
    note: str = "",
    override_reason: str = "",
    row_version: int | None = None,
) -> Case:
    """准予. While a paper accepted with a gap (容缺) is still owed the decision waits for it (409
    ``materials_owed``), unless the decider records why it may not wait (``override_reason``): the
    reason stands on the timeline with the papers still owed."""
    case, previous = _move(case, actor=actor, action="approve", row_version=row_version)
    # The papers still owed (容缺) and those promised (告知承诺), in one read.
    gaps = list(
        CaseMaterial.objects.filter(case=case, state__in=[MaterialState.TOLERATED, MaterialState.COMMITTED])
        .order_by("id")
        .values_list("requirement", "name", "state")
    )
    owed = [name for _code, name, state in gaps if state == MaterialState.TOLERATED]
    committed = [(code, name) for code, name, state in gaps if state == MaterialState.COMMITTED]
    override_reason = (override_reason or "").strip()
    if owed and not override_reason:
        due = case.supplement_due_date.isoformat() if case.supplement_due_date else ""
        raise Conflict(
            _(
                "容缺受理的材料尚未补齐：%(owed)s（补齐期限 %(due)s）。请待补齐后再准予；"
                "确需先行准予的，请填写理由（override_reason），理由将记入办理过程。"
            )
            % {"owed": "、".join(owed), "due": due},
            code="materials_owed",
        )
    case.decided_at = timezone.now()
    issued = _issue_license(case)
    if owed:
        line = _("容缺材料（%(owed)s）未补齐即准予，理由：%(reason)s") % {
            "owed": "、".join(owed),
            "reason": override_reason,
        }
        note = f"{line}。{note}" if note else line
    _commit(
        case,
        actor=actor,
        action="approve",
        previous=previous,
        note=note,
        license=issued.number if issued else "",
        **({"override_reason": override_reason, "owed": owed} if owed else {}),
    )
    # 告知承诺: what was promised is checked after the decision (事后核查).
    postcheck_schedule(case, committed)
    _sms(case, "case_approved")
    issue_for_case(case=case, kind="approve", actor=actor, note=note)
    return case


def _issue_license(case: Case) -> Any:
    """免证办: an item whose result is a certificate issues it to the holder on approval."""
    from yichuang.licenses.services import license_issue_for_case

    code = case.item_version.snapshot.get("result_license_type")
    license_type = (
        memoized("reference", "license_type", code, lambda: LicenseType.objects.filter(code=code).first())
        if code
        else None
    )
    if license_type is None:
        return None
    from yichuang.cases.documents import certificate_facts

    return license_issue_for_case(case=case, license_type=license_type, facts=certificate_facts(case))


def remedy_text(case: Case) -> str:
    """The remedy a denial must state (行政许可法 第38条; 行政复议法 第20条: 60 days; 行政诉讼法 第46条: 6 months)."""
    county = _county_of(case.region)
    return _(
        "如不服本决定，可以自收到本决定之日起六十日内向%(government)s申请行政复议，"
        "或者在六个月内依法向%(court)s提起行政诉讼。"
    ) % {"government": f"{county.name}人民政府", "court": f"{county.name}人民法院"}


@transaction.atomic
def case_deny(
    *, case: Case, actor: Staff, reason: str, note: str = "", row_version: int | None = None
) -> Case:
    case, previous = _move(case, actor=actor, action="deny", row_version=row_version)
    reason = _require(reason, "reason", _("不予批准须说明理由。"))
    case.decided_at = timezone.now()
    case.decision_reason = reason
    remedy = remedy_text(case)
    _commit(
        case, actor=actor, action="deny", previous=previous, note=note or reason, reason=reason, remedy=remedy
    )
    hooks.run_after("deny", case, actor, {"reason": reason})
    _sms(case, "case_denied", reason=reason, remedy=remedy)
    issue_for_case(case=case, kind="deny", actor=actor)
    return case


def _shift_due_dates(case: Case, days: int) -> None:
    """Move both due dates by ``days`` working days (after a suspension, or an extension)."""
    if case.due_date:
        case.due_date = add_workdays(case.due_date, days)
    if case.statutory_due_date:
        case.statutory_due_date = add_workdays(case.statutory_due_date, days)


@transaction.atomic
def case_suspend(
    *,
    case: Case,
    actor: Staff,
    reason: str,
    kind: str = "other",
    note: str = "",
    row_version: int | None = None,
) -> Case:
    """中止 for inspection, testing, expert review or hearing (行政许可法 第45条): the clock stops."""
    case, previous = _move(case, actor=actor, action="suspend", row_version=row_version)
    reason = _require(reason, "reason", _("中止须说明原因。"))
    if kind not in SUSPEND_KINDS:
        raise exceptions.ValidationError(
            {"kind": [_("中止类型应为：%(kinds)s。") % {"kinds": "、".join(SUSPEND_KINDS)}]}
        )
    SuspendedSpan.objects.create(case=case, start=_today(), reason=f"{SUSPEND_KINDS[kind]}：{reason}")
    _commit(
        case, actor=actor, action="suspend", previous=previous, note=note or reason, reason=reason, kind=kind
    )
    _sms(case, "case_suspended", reason=reason)
    return case


@transaction.atomic
def case_resume(*, case: Case, actor: Staff, note: str = "", row_version: int | None = None) -> Case:
    """Both due dates move by the working days the case was suspended."""
    case, previous = _move(case, actor=actor, action="resume", row_version=row_version)
    span = SuspendedSpan.objects.filter(case=case, end__isnull=True).order_by("-start").first()
    days = 0
    if span is not None:
        span.end = _today()
        days = workdays_between(span.start, span.end)
        span.working_days = days
        span.save(update_fields=["end", "working_days"])
    if days:
        case.suspended_days += days
        _shift_due_dates(case, days)
    _commit(case, actor=actor, action="resume", previous=previous, note=note, suspended_days=days)
    _sms(case, "case_resumed")
    return case


@transaction.atomic
def case_extend(
    *, case: Case, actor: Staff, reason: str, days: int, note: str = "", row_version: int | None = None
) -> Case:
    """延期: once, with a reason, by at most 10 working days (行政许可法 第42条)."""
    case, previous = _move(case, actor=actor, action="extend", row_version=row_version)
    if case.extended_days:
        raise NotAllowed(_("该办件已经延期过一次，不能再次延期。"))
    reason = _require(reason, "reason", _("延期须说明理由。"))
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise exceptions.ValidationError({"days": [_("延期天数应为1至10个工作日。")]})
    case.extended_days = days
    _shift_due_dates(case, days)
    return _commit(
        case, actor=actor, action="extend", previous=previous, note=note or reason, reason=reason, days=days
    )
