"""The due-date lights of the back-office queue (红黄绿灯).

Green: more than 2 working days left; yellow: due within 2 working days (today included); red: the
promised date has passed; grey: suspended (中止, the clock stands still). Cases not yet accepted have
no deadline yet — except online and kiosk applications, whose pre-review (网上预审) has its own
deadline: green while it runs, yellow on its last day, red once it has passed — and finished cases
need no light.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yichuang.cases.models import Case, CaseStatus
from yichuang.cases.prereview import awaits_prereview, prereview_of
from yichuang.workdays.calendar import workdays_between

#: Working days before the due date from which a case shows yellow.
YELLOW_WORKDAYS = 2
RUNNING = {CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW}


@dataclass(frozen=True)
class Light:
    color: str  # green | yellow | red | grey | none
    label: str | Promise
    #: What the light means, shown on hover and focus and read by screen readers (``web/_light.html``).
    meaning: str | Promise = ""


GREEN = Light("green", _("正常"), _("距承诺办结日期还有2个以上工作日"))
YELLOW = Light("yellow", _("临期"), _("2个工作日内（含今天）到承诺办结日期，请抓紧办理"))
RED = Light("red", _("超期"), _("已超过承诺办结日期"))
GREY = Light("grey", _("已中止"), _("办件已中止（现场勘验、检测、评审、听证等），时限暂停计算"))
#: 网上预审 (``cases.prereview``): an online or kiosk application waiting for the window.
PREREVIEW = Light("green", _("待预审"), _("网上申请待预审：须在1个工作日内受理、一次性告知或不予受理"))
PREREVIEW_TODAY = Light("yellow", _("今日预审到期"), _("网上预审今天到期，请今天内处理"))
PREREVIEW_LATE = Light("red", _("预审超期"), _("已超过网上预审期限"))
WAITING = Light("none", _("未计时"), _("尚未受理，办理时限从受理之日起计算"))
#: The lights by colour, for a legend (the workbench's counts).
BY_COLOR = {light.color: light for light in (GREEN, YELLOW, RED, GREY)}
#: Decided, delivered, refused or withdrawn: no deadline runs any more.
DONE = Light("none", "—")


def light_for(case: Case, *, today: dt.date | None = None) -> Light:
    """The light of one case on ``today`` (the local date by default)."""
    if case.status == CaseStatus.SUSPENDED:
        return GREY
    if awaits_prereview(case):
        today = today or timezone.localdate()
        pending = prereview_of(case, today=today)
        if pending is not None:
            if pending.overdue:
                return PREREVIEW_LATE
            return PREREVIEW_TODAY if pending.due == today else PREREVIEW
    if case.status not in RUNNING:
        return WAITING if case.status in (CaseStatus.SUBMITTED, CaseStatus.NEEDS_SUPPLEMENT) else DONE
    if case.due_date is None:
        return WAITING
    today = today or timezone.localdate()
    if case.due_date < today:
        return RED
    if workdays_between(today, case.due_date) <= YELLOW_WORKDAYS:
        return YELLOW
    return GREEN
