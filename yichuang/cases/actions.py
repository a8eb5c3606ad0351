"""The registry of case actions: for each action of the transitions table, its name, its words (the
button, and the verb in a sentence such as "不能受理"), who may take it, and what it takes as input.

The API (``cases/api.py``), the case page (``web/views/cases.py``), ``web/labels.py``, the services'
right check and the docs all read this one table; ``workflow.TRANSITIONS`` says from which status an
action leads where, and a test checks that both name the same actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yichuang.org.models import Role

if TYPE_CHECKING:
    from yichuang.cases.models import Case
    from yichuang.org.models import Staff

#: The roles of a window: the clerk, the bank clerk who takes applications at a bank's counter, and
#: the manager of the center.
WINDOW_ROLES = frozenset({Role.WINDOW_CLERK, Role.BANK_CLERK, Role.CENTER_MANAGER})
WINDOW_OR_AGENT = WINDOW_ROLES | {Role.VILLAGE_AGENT}


@dataclass(frozen=True)
class Input:
    """One input of an action beyond the note and the row version. ``required`` carries the message
    when the API must have it before the service runs (the service checks the rest itself)."""

    name: str
    required: Promise | None = None


@dataclass(frozen=True)
class CaseAction:
    name: str
    #: the button's words
    label: Promise
    #: who may, in words for the docs
    who: Promise
    #: roles that may take it on a case in their scope
    roles: frozenset[str] = frozenset()
    #: a reviewer of the case's handling department may take it (wherever the case was accepted)
    reviewer: bool = False
    #: 即办件: a window clerk in scope may also take it on an immediate item
    window_if_immediate: bool = False
    inputs: tuple[Input, ...] = ()
    #: the verb inside a sentence ("不能审查"), when it differs from the button
    verb: Promise | None = None
    #: a "no" (its button looks different)
    negative: bool = False

    @property
    def words(self) -> str:
        return str(self.verb or self.label)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    def may(self, actor: Staff, case: Case, *, in_scope: Callable[[], bool]) -> bool:
        """Whether ``actor`` may take this action on ``case`` (its state is the table's business).
        ``in_scope`` is asked only when a role needs it."""
        if actor.is_superuser or actor.role == Role.ADMIN:
            return True
        if (
            self.reviewer
            and actor.role == Role.REVIEWER
            and actor.department_id == case.handling_department_id
        ):
            return True
        if actor.role in self.roles and in_scope():
            return True
        return (
            self.window_if_immediate
            and case.kind == "immediate"
            and actor.role in WINDOW_ROLES
            and in_scope()
        )

    def perform(self, **arguments: Any) -> Any:
        """Run the action's service, ``case_<name>`` in ``cases.services``."""
        from yichuang.cases import services

        function: Callable[..., Any] = getattr(services, f"case_{self.name}")
        return function(**arguments)


_REASON = Input("reason")

#: In the order the buttons stand on a case page: the usual next step first.
CASE_ACTIONS: dict[str, CaseAction] = {
    a.name: a
    for a in (
        CaseAction("accept", _("受理"), _("窗口、银行网点"), roles=WINDOW_ROLES),
        CaseAction("review", _("开始审查"), _("承办部门审核人员"), reviewer=True, verb=_("审查")),
        CaseAction(
            "approve",
            _("准予"),
            _("承办部门审核人员；即办件由窗口人员"),
            reviewer=True,
            window_if_immediate=True,
        ),
        CaseAction(
            "deliver",
            _("送达"),
            _("受理点窗口、代办员、银行网点"),
            roles=WINDOW_OR_AGENT,
            inputs=(
                Input("method", required=_("请选择送达方式。")),
                Input("tracking_number"),
                Input("recipient_name"),
            ),
        ),
        CaseAction(
            "supplement",
            _("补正材料"),
            _("窗口、代办员"),
            roles=WINDOW_OR_AGENT,
            inputs=(Input("materials"),),
            verb=_("补正"),
        ),
        CaseAction("notify", _("一次性告知"), _("窗口"), roles=WINDOW_ROLES, inputs=(Input("missing"),)),
        CaseAction("resume", _("恢复"), _("承办部门审核人员"), reviewer=True),
        CaseAction(
            "extend",
            _("延期"),
            _("承办部门审核人员（限一次）"),
            reviewer=True,
            inputs=(_REASON, Input("days", required=_("请填写延期天数。"))),
        ),
        CaseAction(
            "suspend", _("中止"), _("承办部门审核人员"), reviewer=True, inputs=(_REASON, Input("kind"))
        ),
        CaseAction(
            "deny", _("不予批准"), _("承办部门审核人员"), reviewer=True, inputs=(_REASON,), negative=True
        ),
        CaseAction("refuse", _("不予受理"), _("窗口"), roles=WINDOW_ROLES, inputs=(_REASON,), negative=True),
        CaseAction("withdraw", _("撤回"), _("窗口、代办员"), roles=WINDOW_OR_AGENT, negative=True),
    )
}

#: Lines of a case's timeline that are not actions of the table.
EVENT_LABELS: dict[str, Promise] = {
    "submit": _("提交申请"),
    "handover_sent": _("移交寄出"),
    "handover_received": _("移交签收"),
    "recount": _("重新计算期限"),
}


def action_label(action: str) -> str:
    """The words for an action or a timeline line; an unknown name stands as it is."""
    known = CASE_ACTIONS.get(action)
    if known is not None:
        return str(known.label)
    return str(EVENT_LABELS.get(action, action))


def actions_table() -> str:
    """The registry as a Markdown table, for ``docs/architecture.md`` (a test keeps them the same)."""
    from yichuang.cases.workflow import TRANSITIONS

    lines = ["| action | 按钮 | 谁可以 | 输入 | 从 → 到 |", "|---|---|---|---|---|"]
    for name, action in CASE_ACTIONS.items():
        moves = ", ".join(
            f"{source} → {target}" for (source, verb), target in TRANSITIONS.items() if verb == name
        )
        inputs = ", ".join(f"`{i}`" for i in action.input_names) or "—"
        lines.append(f"| `{name}` | {action.label} | {action.who} | {inputs} | {moves} |")
    return "\n".join(lines) + "\n"
