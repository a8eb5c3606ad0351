"""Words the pages show for actions (the buttons), in the request's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "submit": _("提交申请"),
    "accept": _("受理"),
    "notify": _("一次性告知"),
    "supplement": _("补正材料"),
    "refuse": _("不予受理"),
    "review": _("开始审查"),
    "approve": _("准予"),
    "deny": _("不予批准"),
    "suspend": _("中止"),
    "resume": _("恢复"),
    "extend": _("延期"),
    "deliver": _("送达"),
    "withdraw": _("撤回"),
}

#: The order in which the buttons stand on a case page: the usual next step first.
ACTION_ORDER = [
    "accept",
    "review",
    "approve",
    "deliver",
    "supplement",
    "notify",
    "resume",
    "extend",
    "suspend",
    "deny",
    "refuse",
    "withdraw",
]

#: Actions that need nothing but a click (and an optional note).
SIMPLE_ACTIONS = {"accept", "review", "approve", "resume", "withdraw"}
#: Actions that say no; their buttons look different.
NEGATIVE_ACTIONS = {"deny", "refuse", "withdraw"}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
