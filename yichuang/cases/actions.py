"""The registry of case actions: for each action of the transitions table, its name, its words (the
button, and the verb in a sentence such as "不能受理"), who may take it, and what it takes as input.

The API (``cases/api.py``), the case page (``web/views/cases.py``), ``web/labels.py``, the services'
right check and the docs all read this one table; ``workflow.TRANSITIONS`` says from which status an
action leads where, and a test checks that both name the same actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yichuang.org.models import PointKind, Role
from yichuang.org.selectors import is_platform_admin

if TYPE_CHECKING:
    from yichuang.cases.models import Case
    from yichuang.org.models import Staff

#: The roles of a window: the clerk, the bank clerk who takes applications at a bank's counter, and
#: the manager of the center.
WINDOW_ROLES = frozenset({Role.WINDOW_CLERK, Role.BANK_CLERK, Role.CENTER_MANAGER})
WINDOW_OR_AGENT = WINDOW_ROLES | {Role.VILLAGE_AGENT}
#: Who at a window may decide an immediate item (即办件) whose power is exercised at his own point: not
#: a bank clerk, whose outlet accepts, collects fees and hands out but holds no administrative power.
DECIDING_WINDOW_ROLES = frozenset({Role.WINDOW_CLERK, Role.CENTER_MANAGER})
#: Points that accept, collect fees and hand out results and never decide an item of administrative
#: power (seeds: 政银合作 outlets and village 便民服务站 take applications "代收代办"; the decision is
#: the handling unit's, under its seal).
NON_DECIDING_POINTS = frozenset({PointKind.BANK_OUTLET, PointKind.VILLAGE_STATION, PointKind.KIOSK})
DECIDING_POINTS = frozenset({PointKind.COUNTY_HALL, PointKind.TOWN_CENTER})


def power_at_point(actor: Staff, case: Case) -> bool:
    """Whether the unit that decides the case (its handling department) sits at the actor's point: the
    department stationed there (a county bureau in the hall, a town's approval center in its center),
    or — for a department with no point on record — a town or county center of the department's own
    region. Never at a bank outlet, a village station or a kiosk."""
    point = actor.point if actor.point_id is not None else None
    if point is None or point.kind not in DECIDING_POINTS:
        return False
    department = case.handling_department
    if department.point_id is not None:
        return bool(department.point_id == point.pk)
    return bool(department.region_id == point.region_id)


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
    #: an administrative decision (准予, 不予): only the handling unit's reviewers, or for an immediate
    #: item a window clerk of the point where the power is exercised — never a bank outlet or a
    #: village station (``refusal`` says why in words)
    decides: bool = False
    #: taken only by another service (``revoke``: by a post-check found broken), never from a button
    #: or the actions endpoint
    internal: bool = False

    @property
    def words(self) -> str:
        return str(self.verb or self.label)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    def may(self, actor: Staff, case: Case, *, in_scope: Callable[[], bool]) -> bool:
        """Whether ``actor`` may take this action on ``case`` (its state is the table's business).
        ``in_scope`` is asked only when a role needs it."""
        if self.internal:
            return False
        if is_platform_admin(actor):
            return True
        if actor.role == Role.ADMIN:  # a county's administrator, on his county's cases
            return in_scope()
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
            and actor.role in (DECIDING_WINDOW_ROLES if self.decides else WINDOW_ROLES)
            and in_scope()
            and (not self.decides or power_at_point(actor, case))
        )

    def refusal(self, actor: Staff, case: Case) -> str:
        """Why ``actor`` may not take this action, in a Chinese sentence for the 403."""
        if not self.decides:
            return str(_("您无权对此办件执行该操作。"))
        point = actor.point if actor.point_id is not None else None
        unit = case.handling_department.name
        if actor.role in (Role.BANK_CLERK, Role.VILLAGE_AGENT) or (
            point is not None and point.kind in NON_DECIDING_POINTS
        ):
            return str(
                _(
                    "银行网点、村（社区）便民服务站和代办员只受理申请、收取费用和发放结果，"
                    "不能作出行政决定；“%(item)s”由%(unit)s决定。"
                )
                % {"item": case.item.name, "unit": unit}
            )
        if case.kind == "immediate" and self.window_if_immediate:
            return str(
                _("“%(item)s”的办理权限不在本服务点，应由%(unit)s的审批人员决定。")
                % {"item": case.item.name, "unit": unit}
            )
        return str(_("只有%(unit)s的审批人员可以作出决定。") % {"unit": unit})

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
            _("承办部门审核人员；即办件由权限在本服务点的窗口人员（银行网点、村便民服务站不能决定）"),
            reviewer=True,
            window_if_immediate=True,
            decides=True,
            inputs=(Input("override_reason"),),
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
            "deny",
            _("不予批准"),
            _("承办部门审核人员"),
            reviewer=True,
            inputs=(_REASON,),
            negative=True,
            decides=True,
        ),
        CaseAction("refuse", _("不予受理"), _("窗口"), roles=WINDOW_ROLES, inputs=(_REASON,), negative=True),
        CaseAction("withdraw", _("撤回"), _("窗口、代办员"), roles=WINDOW_OR_AGENT, negative=True),
        CaseAction(
            "revoke",
            _("撤销决定"),
            _("承办部门审核人员，经事后核查认定违诺（在事后核查中记录，不在办件页操作）"),
            reviewer=True,
            negative=True,
            decides=True,
            internal=True,
            verb=_("撤销"),
        ),
    )
}

#: Lines of a case's timeline that are not actions of the table.
EVENT_LABELS: dict[str, Promise] = {
    "submit": _("提交申请"),
    "handover_sent": _("移交寄出"),
    "handover_received": _("移交签收"),
    "recount": _("重新计算期限"),
    "override": _("容缺未补齐准予"),
    "postcheck": _("事后核查"),
}


#: Timeline lines the applicant is not shown: the office's own bookkeeping.
STAFF_ONLY_LINES = frozenset({"recount", "override", "postcheck"})
#: The paper moving between units (移交) means something to the applicant only once his case is
#: accepted: before that it is the agent carrying a bundle to the town, not a step of his case.
_HANDOVER_LINES = frozenset({"handover_sent", "handover_received"})
_BEFORE_ACCEPTANCE = frozenset({"submitted", "needs_supplement"})


def citizen_lines(events: Iterable[Any]) -> list[Any]:
    """The lines of a timeline an applicant sees (his phone page, 进度查询, the citizen API), oldest
    first: no bookkeeping lines, no 移交 line before the case was accepted."""
    shown = [
        e
        for e in events
        if e.action not in STAFF_ONLY_LINES
        and not (e.action in _HANDOVER_LINES and e.to_status in _BEFORE_ACCEPTANCE)
    ]
    return sorted(shown, key=lambda e: (e.at, e.pk or 0))


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
