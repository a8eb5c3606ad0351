"""The one table that says how a 12345 ticket may move (style.md habit 3).

``TRANSITIONS[(status, action)]`` is the status after the action; a pair not in the table is not
allowed (409). Services, the API, the admin and the docs all read it.

首接负责 (first-receiver responsibility): the first unit to sign for a ticket (``accept``) is
responsible for it. It cannot hand it back to the hotline; it may only ``transfer`` it to another
unit and stays responsible until that unit signs (``accept`` from ``transferring``). If the other
unit ``return``s it, it is back with the responsible unit (``processing``). Before any unit has
signed, the hotline holds the ticket: a ``return`` brings it back to the operators to reassign.
"""

from __future__ import annotations

from yichuang.hotline.models import TicketStatus as S

#: Actions taken by 12345 operators (坐席) for the hotline.
OPERATOR_ACTIONS = frozenset({"dispatch", "reassign", "answer", "cancel", "close", "redo", "revisit"})
#: Actions taken by the unit a ticket waits with (the assigned unit).
ASSIGNED_UNIT_ACTIONS = frozenset({"accept", "return"})
#: Actions taken by the responsible unit.
RESPONSIBLE_UNIT_ACTIONS = frozenset({"transfer", "reply"})

#: action → who may do it and what it needs, in words for the docs and the API schema.
ACTIONS = {
    "dispatch": "派单 (operator; a unit, or the routing rule)",
    "reassign": "改派 (operator; a unit and a reason)",
    "answer": "直接答复办结 (operator; the reply)",
    "cancel": "作废 (operator; a reason: duplicate or invalid call)",
    "accept": "签收 (the assigned unit)",
    "return": "退回 (the assigned unit; a reason)",
    "transfer": "转办 (the responsible unit; another unit and a reason)",
    "reply": "答复 (the responsible unit; the reply)",
    "close": "办结 (operator, after checking the reply)",
    "redo": "退回重办 (operator; a reason)",
    "revisit": "回访 (operator; the caller's satisfaction; 不满意 opens a rectification of the unit "
    "responsible, and once it is closed the caller is revisited again)",
}

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.REGISTERED, "dispatch"): S.DISPATCHED,
    (S.REGISTERED, "answer"): S.CLOSED,
    (S.REGISTERED, "cancel"): S.CANCELLED,
    (S.DISPATCHED, "accept"): S.PROCESSING,
    (S.DISPATCHED, "return"): S.RETURNED,
    (S.DISPATCHED, "reassign"): S.DISPATCHED,
    (S.RETURNED, "reassign"): S.DISPATCHED,
    (S.RETURNED, "answer"): S.CLOSED,
    (S.RETURNED, "cancel"): S.CANCELLED,
    (S.PROCESSING, "transfer"): S.TRANSFERRING,
    (S.PROCESSING, "reply"): S.REPLIED,
    (S.TRANSFERRING, "accept"): S.PROCESSING,
    (S.TRANSFERRING, "return"): S.PROCESSING,
    (S.REPLIED, "close"): S.CLOSED,
    (S.REPLIED, "redo"): S.PROCESSING,
    (S.CLOSED, "revisit"): S.REVISITED,
    # 再次回访: after the rectification an unsatisfied revisit opened is closed (the service checks).
    (S.REVISITED, "revisit"): S.REVISITED,
}


def next_status(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))


def actions_from(status: str) -> list[str]:
    return [action for (source, action) in TRANSITIONS if source == status]
