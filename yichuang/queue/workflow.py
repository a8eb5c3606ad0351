"""The one table that says how a ticket may move (style.md habit 3).

``TRANSITIONS[(status, action)]`` is the status after the action; a pair not in the table is not
allowed (409). ``call`` is not in it: calling picks a waiting ticket for a window
(``services.ticket_call_next``) rather than acting on a given one.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yichuang.queue.models import TicketStatus as S

#: action → what it means, for the docs and the buttons.
ACTIONS = {
    "recall": "重呼：再叫一次，大屏和语音再播报",
    "serve": "办结：办理完毕，可关联所产生的办件",
    "no_show": "过号：叫号后未到",
    "transfer": "转窗口：转到本服务点另一个窗口排队（优先叫）",
    "requeue": "过号重排：过号的群众回来后重新排到队尾",
    "cancel": "取消：群众放弃办理",
    "link": "关联办件：把本号产生的办件与号码关联",
}

#: action → its name on buttons and in messages.
ACTION_LABELS = {
    "recall": _("重呼"),
    "serve": _("办结"),
    "no_show": _("过号"),
    "transfer": _("转窗口"),
    "requeue": _("过号重排"),
    "cancel": _("取消"),
    "link": _("关联办件"),
}

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.CALLED, "recall"): S.CALLED,
    (S.CALLED, "serve"): S.SERVED,
    (S.CALLED, "no_show"): S.NO_SHOW,
    (S.CALLED, "transfer"): S.WAITING,
    (S.NO_SHOW, "requeue"): S.WAITING,
    (S.WAITING, "cancel"): S.CANCELLED,
    (S.CALLED, "link"): S.CALLED,
    (S.SERVED, "link"): S.SERVED,
}


def next_status(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))


def actions_from(status: str) -> list[str]:
    return [action for (source, action) in TRANSITIONS if source == status]
