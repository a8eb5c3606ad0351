"""The confirmation a clerk or a village agent sees right after 受理 or 提交: what happens next, where,
and by when — the sentences he repeats to the applicant at the counter or at the villager's door.

The page that acted asks for it once (``remember``); the case page shows it on its next view only
(``take``), so a reload or a later visit shows the case as it is, not a stale "已受理".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from yichuang.cases.models import Case, CaseStatus, Channel, DeliveryMethod, MaterialState
from yichuang.cases.prereview import prereview_due

SESSION_KEY = "web_next_step"


@dataclass
class NextStep:
    title: str
    steps: list[str] = field(default_factory=list)


def remember(request: HttpRequest, number: str) -> None:
    """Show the confirmation on the next view of case ``number``."""
    request.session[SESSION_KEY] = number


def take(request: HttpRequest, case: Case) -> NextStep | None:
    """The confirmation for ``case`` if the last action asked for one; asked once, shown once."""
    if request.session.get(SESSION_KEY) != case.number:
        return None
    del request.session[SESSION_KEY]
    return next_step(case)


def _day(value: dt.date) -> str:
    return date_format(value, "Y年n月j日")


def next_step(case: Case) -> NextStep | None:
    """What follows 受理 (an accepted case) or an agent's 提交 (a submitted one), in words."""
    owed = [m.name for m in case.materials.all() if m.state == MaterialState.TOLERATED]
    if case.status == CaseStatus.SUBMITTED:
        town = case.point.parent or case.point
        steps = [
            _("材料已提交到%(town)s，由窗口核对后受理；按网上预审的时限，应于 %(day)s 前受理或一次性告知。")
            % {"town": town.name, "day": _day(prereview_due(timezone.localdate(case.created_at)))},
            _("受理后系统向申请人发送短信，附办件编号；受理前如需补材料，会在本村办件中提示。"),
            _("纸质原件请列入“移交清单”，送交%(town)s。") % {"town": town.name},
        ]
        return NextStep(_("已提交 · 办件编号 %(number)s") % {"number": case.number}, steps)
    if case.status != CaseStatus.ACCEPTED:
        return None
    if case.kind == "immediate":
        return NextStep(
            _("已受理 · 办件编号 %(number)s") % {"number": case.number},
            [_("即办件：请在本页当场准予并出件，结果当场交给申请人。")],
        )
    handler = case.handling_department.name if case.handling_department_id else case.point.name
    steps = [
        _("下一步由%(handler)s审查并作出决定，承诺于 %(day)s 前办结（按工作日计算，补正、中止期间不计入）。")
        % {"handler": handler, "day": _day(case.due_date) if case.due_date else "—"},
    ]
    if owed:
        steps.append(
            _("容缺材料（%(names)s）须在 %(day)s 前补齐。")
            % {
                "names": "、".join(owed),
                "day": _day(case.supplement_due_date) if case.supplement_due_date else "—",
            }
        )
    method = expected_delivery(case)
    if method == DeliveryMethod.MAIL:
        steps.append(_("办结后短信通知申请人，结果免费邮寄到申请人填写的地址，无需到窗口领取。"))
    elif method == DeliveryMethod.AGENT:
        steps.append(_("办结后由代办员把结果送到申请人家中（送证上门）。"))
    elif method == DeliveryMethod.KIOSK:
        steps.append(_("办结后短信通知申请人到%(point)s的自助终端领取结果。") % {"point": case.point.name})
    else:
        steps.append(_("办结后短信通知申请人到%(point)s领取结果。") % {"point": case.point.name})
    if case.channel in (Channel.ONLINE, Channel.KIOSK):
        steps.append(_("申请人不在窗口：受理短信已发出，受理通知书可在其手机“我的办件”中查看，无需打印。"))
    else:
        steps.append(_("请打印受理通知书交申请人，凭办件编号和手机号可随时查询进度。"))
    if case.handling_department_id and case.handling_department.region_id != case.point.region_id:
        steps.append(_("纸质材料请列入“移交清单”送交%(handler)s。") % {"handler": handler})
    return NextStep(_("已受理 · 办件编号 %(number)s") % {"number": case.number}, steps)


def expected_delivery(case: Case) -> str:
    """How the result will reach the applicant, as the deliver form will propose it: the method
    already recorded, else an agent's case goes home with the agent, else what the citizen asked for
    when applying online or at a kiosk (mail or pickup), else pickup at the point."""
    if case.delivery_method:
        return str(case.delivery_method)
    if case.agent_id:
        return DeliveryMethod.AGENT
    from yichuang.cases.api import wished_delivery

    wish = wished_delivery(case) or {}
    return DeliveryMethod.MAIL if wish.get("method") == DeliveryMethod.MAIL else DeliveryMethod.PICKUP
