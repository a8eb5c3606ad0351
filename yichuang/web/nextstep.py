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

from yichuang.cases.models import Case, CaseStatus, DeliveryMethod, MaterialState
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
    pickup = case.point.name
    if case.delivery_method == DeliveryMethod.MAIL:
        steps.append(_("办结后短信通知申请人，结果免费邮寄。"))
    else:
        steps.append(_("办结后短信通知申请人到%(point)s领取结果。") % {"point": pickup})
    steps.append(_("请打印受理通知书交申请人，凭办件编号和手机号可随时查询进度。"))
    if case.handling_department_id and case.handling_department.region_id != case.point.region_id:
        steps.append(_("纸质材料请列入“移交清单”送交%(handler)s。") % {"handler": handler})
    return NextStep(_("已受理 · 办件编号 %(number)s") % {"number": case.number}, steps)
