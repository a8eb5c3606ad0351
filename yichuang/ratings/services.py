"""Writes of 好差评: rate, open and follow a rectification, appeal, invite the unrated."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.cases.models import Case, CaseStatus
from yichuang.common.errors import Conflict
from yichuang.org.models import Role, Staff
from yichuang.org.selectors import scope_of
from yichuang.ratings import rollup
from yichuang.ratings.models import (
    BAD_SCORE,
    ONLINE_CHANNELS,
    ONLINE_DIMENSIONS,
    ONSITE_DIMENSIONS,
    RECTIFY_WORKDAYS,
    Appeal,
    AppealStatus,
    Rating,
    RatingChannel,
    RatingInvitation,
    Rectification,
    RectificationStatus,
)
from yichuang.workdays.calendar import add_workdays

if TYPE_CHECKING:
    from yichuang.hotline.models import Ticket
    from yichuang.org.units import Unit

#: A case may be rated once the service is over: delivered, or decided against, or not accepted.
RATABLE = {CaseStatus.DELIVERED, CaseStatus.DENIED, CaseStatus.REFUSED}
#: 办结后 3 天仍未评价的，短信邀请评价.
INVITE_AFTER = dt.timedelta(days=3)
OVERSIGHT_ROLES = {Role.CENTER_MANAGER, Role.SUPERVISOR, Role.ADMIN}


class AlreadyDone(Conflict):
    default_code = "already_done"


def _clean_dimensions(channel: str, dimensions: Mapping[str, Any]) -> dict[str, int]:
    allowed = ONLINE_DIMENSIONS if channel in ONLINE_CHANNELS else ONSITE_DIMENSIONS
    clean: dict[str, int] = {}
    errors: list[str] = []
    for key, value in (dimensions or {}).items():
        if key not in allowed:
            errors.append(
                _("该渠道没有评价项“%(key)s”，可评：%(keys)s。") % {"key": key, "keys": "、".join(allowed)}
            )
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors.append(_("“%(name)s”应为1至5分。") % {"name": allowed[key]})
            continue
        clean[key] = value
    if errors:
        raise exceptions.ValidationError({"dimensions": errors})
    return clean


def _owner_for(case: Case) -> Staff:
    """The named owner of a rectification: the manager of the point that served, else the clerk."""
    manager = Staff.objects.filter(point_id=case.point_id, role=Role.CENTER_MANAGER, is_active=True).first()
    owner = manager or case.accepted_by or case.created_by
    assert owner is not None
    return owner


@transaction.atomic
def rating_submit(
    *, case: Case, channel: str, score: int, dimensions: Mapping[str, Any] | None = None, comment: str = ""
) -> Rating:
    """一次一评: one rating of a case per channel. A score of 2 or less opens a rectification due in
    5 working days, owned by the point's manager (or the clerk who accepted the case)."""
    if channel not in RatingChannel.values:
        raise exceptions.ValidationError({"channel": [_("评价渠道不正确。")]})
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise exceptions.ValidationError({"score": [_("评价等级应为1（非常不满意）至5（非常满意）。")]})
    if case.status not in RATABLE:
        raise Conflict(_("办件办结后才能评价。"), code="not_finished")
    clean = _clean_dimensions(channel, dimensions or {})
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                case=case,
                channel=channel,
                score=score,
                dimensions=clean,
                comment=(comment or "").strip()[:500],
                point_id=case.point_id,
                staff=case.accepted_by,
            )
    except IntegrityError:
        raise AlreadyDone(_("该办件已通过此渠道评价过，每个渠道只能评价一次。")) from None
    rollup.count(rating, rollup.deltas_of(rating))
    if score <= BAD_SCORE:
        Rectification.objects.create(
            rating=rating,
            owner=_owner_for(case),
            owner_point_id=case.point_id,
            due_date=add_workdays(timezone.localdate(), RECTIFY_WORKDAYS),
        )
    return rating


@transaction.atomic
def rectification_open_for_ticket(*, ticket: Ticket, unit: Unit, owner: Staff) -> Rectification:
    """回访不满意整改: an unsatisfied revisit of a 12345 ticket opens a rectification owned by ``unit``
    (named person ``owner``), due in 5 working days like a bad rating's. One open at a time per
    ticket (a unique index): a second one while the first is open is a 409."""
    try:
        with transaction.atomic():
            return Rectification.objects.create(
                ticket=ticket,
                owner=owner,
                owner_department=unit.department,
                owner_point=unit.point,
                due_date=add_workdays(timezone.localdate(), RECTIFY_WORKDAYS),
            )
    except IntegrityError:
        raise AlreadyDone(_("该工单已有未办结的整改。")) from None


def _in_owner_unit(actor: Staff, rectification: Rectification) -> bool:
    if rectification.owner_department_id is not None:
        return actor.department_id == rectification.owner_department_id
    if rectification.owner_point_id is not None:
        return actor.point_id == rectification.owner_point_id
    return False


def _may_follow(actor: Staff, rectification: Rectification) -> bool:
    if actor.pk == rectification.owner_id:
        return True
    ticket = rectification.ticket
    if ticket is not None:
        # A ticket's rectification belongs to the unit responsible: any of its staff may follow it,
        # and so may the hotline's operators and oversight in the ticket's region.
        from yichuang.hotline.selectors import is_operator

        if _in_owner_unit(actor, rectification):
            return True
        if not is_operator(actor) and actor.role not in OVERSIGHT_ROLES and not actor.is_superuser:
            return False
        return scope_of(actor).covers(region=ticket.region, point_id=None)
    if actor.role not in OVERSIGHT_ROLES and not actor.is_superuser:
        return False
    assert rectification.rating is not None  # exactly one source (a check constraint)
    case = rectification.rating.case
    return scope_of(actor).covers(region=case.region, point_id=case.point_id)


def _tell_ticket(rectification: Rectification, *, action: str, actor: Staff, note: str) -> None:
    """A ticket's rectification moving writes a line on the ticket's timeline (its history)."""
    if rectification.ticket_id is None:
        return
    from yichuang.hotline.services import ticket_rectification_event

    ticket_rectification_event(rectification=rectification, action=action, actor=actor, note=note)


def _locked_rectification(
    rectification: Rectification, actor: Staff, expected: str, action: str
) -> Rectification:
    locked = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("rating__case__region", "ticket__region")
        .get(pk=rectification.pk)
    )
    if not _may_follow(actor, locked):
        raise exceptions.PermissionDenied(_("只有整改责任人或负责人可以办理。"))
    if locked.status != expected:
        raise Conflict(
            _("整改当前为“%(status)s”，不能%(action)s。")
            % {"status": RectificationStatus(locked.status).label, "action": action},
            code="not_allowed",
        )
    return locked


@transaction.atomic
def rectification_callback(
    *, rectification: Rectification, actor: Staff, note: str, satisfied: bool | None
) -> Rectification:
    """回访: the owner calls the rater back and writes down what was said."""
    note = (note or "").strip()
    if not note:
        raise exceptions.ValidationError({"note": [_("请填写回访记录。")]})
    locked = _locked_rectification(rectification, actor, RectificationStatus.OPEN, _("回访"))
    locked.status = RectificationStatus.CALLED_BACK
    locked.callback_at = timezone.now()
    locked.callback_by = actor
    locked.callback_note = note
    locked.rater_satisfied = satisfied
    locked.save()
    _tell_ticket(locked, action="rectify_callback", actor=actor, note=note)
    return locked


@transaction.atomic
def rectification_close(*, rectification: Rectification, actor: Staff, outcome: str) -> Rectification:
    """办结 after the callback, with what was fixed."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise exceptions.ValidationError({"outcome": [_("请填写整改结果。")]})
    # Rating before rectification, the order appeal_decide locks them in: a close and an upheld
    # appeal of the same rating take turns, so the rollup counts a closed rectification only while
    # its rating counts (and the two never deadlock).
    rating = _locked_rating(rectification.rating_id) if rectification.rating_id is not None else None
    locked = _locked_rectification(rectification, actor, RectificationStatus.CALLED_BACK, _("办结"))
    locked.status = RectificationStatus.CLOSED
    locked.outcome = outcome
    locked.closed_at = timezone.now()
    locked.save()
    if rating is not None and not rating.excluded:
        rollup.count(rating, Counter(rectified=1))
    _tell_ticket(locked, action="rectified", actor=actor, note=outcome)
    return locked


def _sees_rated_case(actor: Staff, rating: Rating) -> bool:
    """Whether the rated case lies in ``actor``'s scope: the role says what he may do, the scope where."""
    case = Case.objects.select_related("region").only("region", "point_id").get(pk=rating.case_id)
    return scope_of(actor).covers(region=case.region, point_id=case.point_id)


def _locked_rating(pk: int) -> Rating:
    return Rating.objects.select_for_update(of=("self",)).select_related("point__region").get(pk=pk)


@transaction.atomic
def appeal_raise(*, rating: Rating, actor: Staff, reason: str) -> Appeal:
    """申诉复核: staff of the point that was rated ask for a malicious rating to be reviewed."""
    reason = (reason or "").strip()
    if not reason:
        raise exceptions.ValidationError({"reason": [_("请填写申诉理由。")]})
    if not _sees_rated_case(actor, rating):
        raise exceptions.PermissionDenied(_("只能对本服务范围内的评价提出申诉。"))
    if not rating.bad:
        raise Conflict(_("只能对差评提出申诉。"), code="not_allowed")
    try:
        with transaction.atomic():
            return Appeal.objects.create(rating=rating, raised_by=actor, reason=reason)
    except IntegrityError:
        raise AlreadyDone(_("该评价已提出过申诉。")) from None


@transaction.atomic
def appeal_decide(*, appeal: Appeal, actor: Staff, upheld: bool, note: str) -> Appeal:
    """A supervisor decides; an upheld appeal takes the rating out of the figures and closes its
    rectification. The one who raised it may not decide it."""
    note = (note or "").strip()
    if not note:
        raise exceptions.ValidationError({"note": [_("请填写复核意见。")]})
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN) and not actor.is_superuser:
        raise exceptions.PermissionDenied(_("申诉由督查人员复核。"))
    locked = Appeal.objects.select_for_update(of=("self",)).select_related("rating").get(pk=appeal.pk)
    if not _sees_rated_case(actor, locked.rating):
        # A supervisor reviews the appeals of his own region; another county's are not his (decision 153).
        raise exceptions.PermissionDenied(_("申诉由督查人员复核。"))
    if locked.status != AppealStatus.PENDING:
        raise Conflict(_("该申诉已复核。"), code="not_allowed")
    if locked.raised_by_id == actor.pk:
        raise exceptions.PermissionDenied(_("申诉人不能复核自己的申诉。"))
    locked.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    locked.decided_by = actor
    locked.decision_note = note
    locked.decided_at = timezone.now()
    locked.save()
    if upheld:
        rating = _locked_rating(locked.rating_id)
        rectification = Rectification.objects.select_for_update().filter(rating=rating).first()
        if not rating.excluded:
            deltas = rollup.deltas_of(rating, sign=-1)
            if rectification is not None and rectification.status == RectificationStatus.CLOSED:
                deltas["rectified"] -= 1
            rollup.count(rating, deltas)
        Rating.objects.filter(pk=locked.rating_id).update(excluded=True)
        Rectification.objects.filter(rating_id=locked.rating_id).exclude(
            status=RectificationStatus.CLOSED
        ).update(
            status=RectificationStatus.CLOSED,
            outcome=_("申诉成立，该差评不计入统计：%(note)s") % {"note": note},
            closed_at=timezone.now(),
        )
    return locked


def send_rating_invitations(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Invite by SMS each case delivered more than 3 days ago and not rated yet, once. Safe to run
    again and on several workers: the invitation row is unique per case."""
    from yichuang.notify.services import sms_enqueue

    now = now or timezone.now()
    due = (
        Case.objects.filter(status=CaseStatus.DELIVERED, delivered_at__lte=now - INVITE_AFTER)
        .filter(ratings__isnull=True, rating_invitation__isnull=True)
        .select_related("item", "point")
        .order_by("delivered_at")[:limit]
    )
    sent = 0
    for case in due:
        with transaction.atomic():
            _invitation, created = RatingInvitation.objects.get_or_create(case=case)
            if not created:
                continue
            sms_enqueue(
                to=case.applicant_phone,
                template="rating_invitation",
                context={"number": case.number, "item": case.item.name, "point": case.point.name},
                case_number=case.number,
            )
            sent += 1
    return sent
