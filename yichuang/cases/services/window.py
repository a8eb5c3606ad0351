"""The window's actions: accept, one-time notice (一次性告知), supplement, refuse, deliver, withdraw."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.cases import hooks
from yichuang.cases.documents import issue_for_case
from yichuang.cases.models import Case, CaseMaterial, DeliveryMethod, MaterialState
from yichuang.cases.services.base import _require, _set_due_dates, _sms
from yichuang.cases.services.inputs import MaterialInput
from yichuang.cases.services.moves import _commit, _may, _move
from yichuang.cases.workflow import next_status
from yichuang.common.errors import Invalid
from yichuang.documents.wording import basis_phrase, is_licensing
from yichuang.org.models import Role, Staff


@transaction.atomic
def case_accept(*, case: Case, actor: Staff, note: str = "", row_version: int | None = None) -> Case:
    case, previous = _move(case, actor=actor, action="accept", row_version=row_version)
    # One read of the materials' states says both what is missing and whether a deadline for the
    # tolerated ones (容缺) runs.
    states = list(case.materials.order_by("id").values_list("name", "state"))
    missing = [name for name, state in states if state == MaterialState.MISSING]
    if missing:
        raise Invalid(
            _("材料不全，不能受理：%(missing)s。请先一次性告知申请人。") % {"missing": "、".join(missing)},
            code="incomplete",
        )
    case.accepted_by = actor
    _set_due_dates(
        case, timezone.now(), tolerated=any(state == MaterialState.TOLERATED for _name, state in states)
    )
    _commit(case, actor=actor, action="accept", previous=previous, note=note)
    hooks.run_after("accept", case, actor, {})
    _sms(case, "case_accepted")
    issue_for_case(case=case, kind="accept", actor=actor)
    return case


def notice_basis(snapshot: Mapping[str, Any]) -> str:
    """“依据：…。” of a one-time notice: 行政许可法 第三十二条 for a licence only, else the item's own
    legal basis (``documents.wording``); "" when the catalog has none."""
    item_type = str(snapshot.get("type") or "")
    if is_licensing(item_type):
        return _("依据：《中华人民共和国行政许可法》第三十二条。")
    basis = basis_phrase(str(snapshot.get("legal_basis") or ""))
    return _("依据：%(basis)s。") % {"basis": basis} if basis else ""


@dataclass
class Notice:
    """一次性告知书: every missing or wrong material listed at once (行政许可法 第32条)."""

    case: Case
    missing: list[dict[str, str]]
    text: str


@transaction.atomic
def case_notify(
    *, case: Case, actor: Staff, missing: Iterable[str], note: str = "", row_version: int | None = None
) -> Notice:
    case, previous = _move(case, actor=actor, action="notify", row_version=row_version)
    codes = list(dict.fromkeys(missing))
    if not codes:
        raise exceptions.ValidationError({"missing": [_("请列出所有需要补正的材料。")]})
    rows = {m.requirement: m for m in case.materials.all()}
    unknown = [c for c in codes if c not in rows]
    if unknown:
        raise exceptions.ValidationError(
            {"missing": [_("该事项没有材料：%(codes)s。") % {"codes": "、".join(unknown)}]}
        )
    listed = []
    for code in codes:
        row = rows[code]
        row.state = MaterialState.MISSING
        row.save(update_fields=["state", "updated_at"])
        listed.append({"code": code, "name": row.name})
    names = "、".join(m["name"] for m in listed)
    text = _(
        "%(name)s：您申请的“%(item)s”（办件编号 %(number)s）需补正以下材料：%(names)s。"
        "请一次性补齐后提交。%(basis)s%(note)s"
    ) % {
        "name": case.applicant_name,
        "item": case.item.name,
        "number": case.number,
        "names": names,
        "basis": notice_basis(case.item_version.snapshot),
        "note": note,
    }
    _commit(case, actor=actor, action="notify", previous=previous, note=note, missing=listed)
    _sms(case, "case_needs_supplement", missing=names)
    issue_for_case(case=case, kind="notify", actor=actor, note=note)
    return Notice(case=case, missing=listed, text=text)


@transaction.atomic
def case_supplement(
    *,
    case: Case,
    actor: Staff,
    materials: Iterable[MaterialInput],
    note: str = "",
    row_version: int | None = None,
    by_applicant: bool = False,
) -> Case:
    """补正: the missing or tolerated materials arrive. ``by_applicant``: the applicant supplements
    his own online case (``yichuang.citizens`` checked it is his); no staff role is asked. In a 一件事 application the same papers also
    complete the linked cases that ask for them, so the applicant hands them in once."""
    given = list(materials)
    siblings: list[Case] = []
    if case.application_id:
        # Lock the whole application in one order, so two clerks supplementing two of its cases
        # cannot deadlock.
        linked = list(
            Case.objects.select_for_update(of=("self",))
            .filter(application_id=case.application_id)
            .order_by("id")
        )
        siblings = [c for c in linked if c.pk != case.pk]
    case, previous = _move(
        case, actor=actor, action="supplement", row_version=row_version, by_applicant=by_applicant
    )
    if not given:
        raise exceptions.ValidationError({"materials": [_("请上传补正材料。")]})
    if any(not entry.files for entry in given):
        raise exceptions.ValidationError({"materials": [_("每项补正材料都要附文件。")]})
    rows = {m.requirement: m for m in case.materials.all()}
    sibling_rows = {c.pk: {m.requirement: m for m in c.materials.all()} for c in siblings}
    known = set(rows).union(*(set(r) for r in sibling_rows.values()))
    unknown = [m.requirement for m in given if m.requirement not in known]
    if unknown:
        raise exceptions.ValidationError(
            {"materials": [_("该事项没有材料：%(codes)s。") % {"codes": "、".join(unknown)}]}
        )
    _attach(case, rows, given)
    _commit(
        case,
        actor=actor,
        action="supplement",
        previous=previous,
        note=note,
        materials=[m.requirement for m in given if m.requirement in rows],
    )
    for sibling in siblings:
        mine = sibling_rows[sibling.pk]
        wanted = [
            m for m in given if m.requirement in mine and mine[m.requirement].state != MaterialState.PROVIDED
        ]
        if (
            not wanted
            or next_status(sibling.status, "supplement") is None
            or not _may(actor, sibling, "supplement")
        ):
            continue
        locked, before = _move(sibling, actor=actor, action="supplement")
        _attach(locked, mine, wanted)
        _commit(
            locked,
            actor=actor,
            action="supplement",
            previous=before,
            note=_("随一件事申请 %(number)s 一并补正") % {"number": case.number},
            materials=[m.requirement for m in wanted],
        )
    return case


def _attach(case: Case, rows: Mapping[str, CaseMaterial], given: Iterable[MaterialInput]) -> None:
    for entry in given:
        row = rows.get(entry.requirement)
        if row is None:
            continue
        row.files.add(*entry.files)
        row.state = MaterialState.PROVIDED
        row.license = None
        row.save(update_fields=["state", "license", "updated_at"])
    if not case.materials.filter(state=MaterialState.TOLERATED).exists():
        case.supplement_due_date = None


@transaction.atomic
def case_refuse(
    *, case: Case, actor: Staff, reason: str, note: str = "", row_version: int | None = None
) -> Case:
    case, previous = _move(case, actor=actor, action="refuse", row_version=row_version)
    reason = _require(reason, "reason", _("不予受理须说明理由。"))
    case.decision_reason = reason
    case.decided_at = timezone.now()
    _commit(case, actor=actor, action="refuse", previous=previous, note=note or reason, reason=reason)
    hooks.run_after("refuse", case, actor, {"reason": reason})
    _sms(case, "case_refused", reason=reason)
    issue_for_case(case=case, kind="refuse", actor=actor)
    return case


@transaction.atomic
def case_deliver(
    *,
    case: Case,
    actor: Staff,
    method: str,
    tracking_number: str = "",
    recipient_name: str = "",
    note: str = "",
    row_version: int | None = None,
) -> Case:
    """出件: pickup signed by the recipient, free mail with a tracking number, a kiosk, or the village
    agent bringing the result home (送证上门) and recording who signed for it."""
    case, previous = _move(case, actor=actor, action="deliver", row_version=row_version)
    if method not in DeliveryMethod.values:
        raise exceptions.ValidationError({"method": [_("送达方式应为 pickup、mail、kiosk 或 agent。")]})
    # Fees unpaid refuse the move; a waybill made beforehand gives its number (payments, delivery).
    inputs = {"method": method, "tracking_number": (tracking_number or "").strip()}
    hooks.run_before("deliver", case, actor, inputs)
    tracking_number = inputs["tracking_number"]
    if method == DeliveryMethod.MAIL:
        tracking_number = _require(tracking_number, "tracking_number", _("邮寄送达须填写邮件单号。"))
    recipient_name = (recipient_name or "").strip()
    if method == DeliveryMethod.AGENT:
        recipient_name = _require(recipient_name, "recipient_name", _("送证上门须填写签收人姓名。"))
    if method == DeliveryMethod.AGENT and case.agent_id is None and actor.role != Role.VILLAGE_AGENT:
        raise Invalid(
            _("该办件不是代办员代办的，不能选择送证上门。"),
            fields={"method": [_("非代办件不能送证上门。")]},
        )
    case.delivery_method = method
    case.tracking_number = tracking_number
    case.recipient_name = recipient_name or (case.applicant_name if method == DeliveryMethod.PICKUP else "")
    case.delivered_at = timezone.now()
    _commit(
        case,
        actor=actor,
        action="deliver",
        previous=previous,
        note=note,
        method=method,
        tracking_number=tracking_number,
        recipient=case.recipient_name,
    )
    hooks.run_after("deliver", case, actor, {**inputs, "tracking_number": tracking_number})
    template = {
        DeliveryMethod.MAIL: "case_delivered",
        DeliveryMethod.PICKUP: "case_picked_up",
        DeliveryMethod.KIOSK: "case_ready_for_pickup",
        DeliveryMethod.AGENT: "case_delivered_home",
    }[DeliveryMethod(method)]
    _sms(case, template, method=method, tracking_number=tracking_number, recipient=case.recipient_name)
    issue_for_case(case=case, kind="deliver", actor=actor, note=note)
    return case


@transaction.atomic
def case_withdraw(*, case: Case, actor: Staff, note: str = "", row_version: int | None = None) -> Case:
    case, previous = _move(case, actor=actor, action="withdraw", row_version=row_version)
    _commit(case, actor=actor, action="withdraw", previous=previous, note=note)
    hooks.run_after("withdraw", case, actor, {})
    return case
