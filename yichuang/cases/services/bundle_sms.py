"""一件事: one SMS per step of the bundle, not one per member case (issue 16 item 7).

A member case's accepted, decided and delivered messages are held back until every case of the
application has passed that step; then the applicant gets one message for the bundle, under its YJS
number (which he tracks it by), naming the bundle and how many items it holds. A case that left the way
(不予受理, 撤回) counts as past every step; a denial counts as past the delivery. The other messages of a
case (一次性告知, 不予受理, 中止, 恢复, 补正已收到) say something about that one item and still go
per case.

The application's row is locked first, so two clerks finishing the last two cases at once end with
exactly one message: the second waits for the first to commit and then sees its case done.
"""

from __future__ import annotations

from yichuang.cases.models import BundleApplication, Case, CaseStatus

#: template → the step of the bundle it belongs to
STEP_OF = {
    "case_accepted": "accepted",
    "case_approved": "decided",
    "case_denied": "decided",
    "case_delivered": "delivered",
    "case_picked_up": "delivered",
    "case_ready_for_pickup": "delivered",
    "case_delivered_home": "delivered",
}

_GONE = {CaseStatus.REFUSED, CaseStatus.WITHDRAWN}
_DECIDED = {CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.DELIVERED, *_GONE}
_DELIVERED = {CaseStatus.DELIVERED, CaseStatus.DENIED, *_GONE}


def _past(step: str, status: str, accepted: bool) -> bool:
    if step == "accepted":
        return accepted or status in _GONE
    if step == "decided":
        return status in _DECIDED
    return status in _DELIVERED


def bundle_step_sms(case: Case, template: str, context: dict[str, str]) -> None:
    """The bundle's one message for the step ``template`` belongs to, once ``case`` was the last of the
    application to pass it; nothing otherwise."""
    from yichuang.notify.services import sms_enqueue

    step = STEP_OF[template]
    if case.application_id is None:  # pragma: no cover - the caller asks for bundle cases only
        return
    application = (
        BundleApplication.objects.select_for_update()
        .select_related("bundle", "point")
        .get(pk=case.application_id)
    )
    members = list(
        Case.objects.filter(application=application)
        .select_related("item")
        .only("pk", "status", "accepted_at", "due_date", "decision_reason", "item__name", "application_id")
        .order_by("id")
    )
    for member in members:
        if member.pk == case.pk:  # as this action leaves it (written, or about to be, in this transaction)
            member.status, member.accepted_at, member.due_date = case.status, case.accepted_at, case.due_date
            member.decision_reason = case.decision_reason
    if not all(_past(step, m.status, m.accepted_at is not None) for m in members):
        return
    live = [m for m in members if m.status not in _GONE]
    words = dict(context)
    words["number"] = application.number
    words["item"] = f"“{application.bundle.name}”（{len(members)}个事项）"
    words["point"] = application.point.name
    words["name"] = application.applicant_name
    dates = [m.due_date for m in live if m.due_date is not None]
    words["due_date"] = max(dates).isoformat() if dates else ""
    chosen = template
    if step == "decided":
        denied = [m for m in members if m.status == CaseStatus.DENIED]
        chosen = "case_denied" if denied else "case_approved"
        if denied:
            words["reason"] = _denial_summary(denied, members)
    sms_enqueue(
        to=application.applicant_phone, template=chosen, context=words, case_number=application.number
    )


def _denial_summary(denied: list[Case], members: list[Case]) -> str:
    """Which items were denied and why, and how many were approved."""
    parts = [f"“{m.item.name}”：{(m.decision_reason or '').rstrip('。')}" for m in denied]
    approved = sum(1 for m in members if m.status in (CaseStatus.APPROVED, CaseStatus.DELIVERED))
    text = "；".join(parts)
    if approved:
        text += f"（其余{approved}个事项已审批通过）"
    return text
