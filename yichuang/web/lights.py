"""The due-date lights of the back-office queue (红黄绿灯).

Green: more than 2 working days left; yellow: due within 2 working days (today included); red: the
promised date has passed; grey: suspended (中止, the clock stands still). Cases not yet accepted have
no deadline yet, and finished cases need no light.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yichuang.cases.models import Case, CaseStatus
from yichuang.workdays.calendar import workdays_between

#: Working days before the due date from which a case shows yellow.
YELLOW_WORKDAYS = 2
RUNNING = {CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW}


@dataclass(frozen=True)
class Light:
    color: str  # green | yellow | red | grey | none
    label: str | Promise


GREEN = Light("green", _("正常"))
YELLOW = Light("yellow", _("临期"))
RED = Light("red", _("超期"))
GREY = Light("grey", _("已中止"))
WAITING = Light("none", _("未计时"))
#: Decided, delivered, refused or withdrawn: no deadline runs any more.
DONE = Light("none", "—")


def light_for(case: Case, *, today: dt.date | None = None) -> Light:
    """The light of one case on ``today`` (the local date by default)."""
    if case.status == CaseStatus.SUSPENDED:
        return GREY
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
