"""The one table that says how a case may move (style.md habit 3).

``TRANSITIONS[(status, action)]`` is the status after the action; a pair not in the table is not
allowed (409). Services, the API, the buttons and the docs all read it; what each action is
(its words, who may take it, its inputs) is the registry in ``cases.actions``.
"""

from __future__ import annotations

from yichuang.cases.models import CaseStatus as S

_OPEN = (S.SUBMITTED, S.NEEDS_SUPPLEMENT, S.ACCEPTED, S.IN_REVIEW, S.SUSPENDED)

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.SUBMITTED, "accept"): S.ACCEPTED,
    (S.SUBMITTED, "notify"): S.NEEDS_SUPPLEMENT,
    (S.SUBMITTED, "refuse"): S.REFUSED,
    (S.SUBMITTED, "supplement"): S.SUBMITTED,
    (S.NEEDS_SUPPLEMENT, "supplement"): S.SUBMITTED,
    (S.NEEDS_SUPPLEMENT, "refuse"): S.REFUSED,
    (S.ACCEPTED, "supplement"): S.ACCEPTED,
    (S.ACCEPTED, "review"): S.IN_REVIEW,
    (S.ACCEPTED, "approve"): S.APPROVED,
    (S.ACCEPTED, "deny"): S.DENIED,
    (S.ACCEPTED, "suspend"): S.SUSPENDED,
    (S.ACCEPTED, "extend"): S.ACCEPTED,
    (S.IN_REVIEW, "supplement"): S.IN_REVIEW,
    (S.IN_REVIEW, "approve"): S.APPROVED,
    (S.IN_REVIEW, "deny"): S.DENIED,
    (S.IN_REVIEW, "suspend"): S.SUSPENDED,
    (S.IN_REVIEW, "extend"): S.IN_REVIEW,
    (S.SUSPENDED, "resume"): S.IN_REVIEW,
    (S.APPROVED, "deliver"): S.DELIVERED,
    # 撤销: a decision made on commitments, once its post-check found a promise broken (违诺).
    (S.APPROVED, "revoke"): S.REVOKED,
    (S.DELIVERED, "revoke"): S.REVOKED,
    **{(status, "withdraw"): S.WITHDRAWN for status in _OPEN},
}


def next_status(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))


def actions_from(status: str) -> list[str]:
    return [action for (source, action) in TRANSITIONS if source == status]
