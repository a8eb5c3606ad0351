"""The one table that says how a handover list may move (style.md habit 3).

``TRANSITIONS[(status, action)]`` is the status after the action; a pair not in the table answers
409. ``confirm`` leads to ``received``, or to ``partly_received`` when the receiver reports any file
missing, damaged or returned (``services.handover_confirm`` decides between the two).
"""

from __future__ import annotations

from yichuang.handover.models import HandoverStatus as S

#: action → who may take it, in words for the docs; the check itself is in ``selectors.may_act``.
ACTIONS = {
    "send": "移交 (staff of the sending unit)",
    "confirm": "确认接收 (staff of the receiving unit: reviewers of the department, clerks of the point)",
    "cancel": "作废 (staff of the sending unit, while a draft)",
}

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, "send"): S.SENT,
    (S.DRAFT, "cancel"): S.CANCELLED,
    (S.SENT, "confirm"): S.RECEIVED,
}

#: Which end of the list takes each action.
SENDER_ACTIONS = {"send", "cancel", "update"}
RECEIVER_ACTIONS = {"confirm"}


def next_status(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))


def actions_from(status: str) -> list[str]:
    return [action for (source, action) in TRANSITIONS if source == status]
