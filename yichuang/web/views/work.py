"""The staff home page: the work waiting for this person's role.

Each pile links to the queue filtered to the same cases (a status group of ``forms.STATUS_GROUPS``,
the kind, 送证上门), so "查看全部 N 件" opens a list of N cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yichuang.cases.calendar import uncovered_open_cases
from yichuang.cases.models import Case, CaseStatus
from yichuang.cases.selectors import OPEN_STATUSES, case_list, cases_for
from yichuang.notify.models import StaffNotice
from yichuang.org.models import Role
from yichuang.org.selectors import is_platform_admin
from yichuang.web.forms import STATUS_GROUPS, QueueFilterForm
from yichuang.web.lights import light_for
from yichuang.web.views.common import WINDOW_ROLES, staff, staff_view
from yichuang.workdays.selectors import schedule_reminder

SHOWN = 8


@dataclass
class Pile:
    """One heap of waiting work on the home page: a title, how many, the first few, where the rest is."""

    key: str
    title: str | Promise
    hint: str | Promise
    cases: list[Case]
    count: int
    more_url: str
    lights: dict[str, int] = field(default_factory=dict)


def by_due(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.order_by(F("due_date").asc(nulls_last=True), "created_at", "id")


def _pile(key: str, title: Any, hint: Any, qs: QuerySet[Case], query: dict[str, str]) -> Pile:
    qs = by_due(qs.select_related("item", "point"))
    return Pile(
        key=key,
        title=title,
        hint=hint,
        cases=list(qs[:SHOWN]),
        count=qs.count(),
        more_url=reverse("web:queue") + ("?" + urlencode(query) if query else ""),
    )


@staff_view
def work_home(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    visible = cases_for(user)
    piles: list[Pile] = []
    role = Role.ADMIN if user.is_superuser else user.role
    if role in WINDOW_ROLES or role == Role.ADMIN:
        piles += [
            _pile(
                "to_accept",
                _("待受理"),
                _("代办员、网上或自助终端提交的申请，请核对材料后受理或一次性告知"),
                visible.filter(status=CaseStatus.SUBMITTED),
                {"status": CaseStatus.SUBMITTED},
            ),
            _pile(
                "immediate",
                _("即办件待办结"),
                _("已受理的即办件，当场准予并出件"),
                visible.filter(status=CaseStatus.ACCEPTED, kind="immediate"),
                {"status": CaseStatus.ACCEPTED, "kind": "immediate"},
            ),
            _pile(
                "to_deliver",
                _("待出件"),
                _("已准予，等待申请人领取、邮寄或代办员送达"),
                visible.filter(status=CaseStatus.APPROVED),
                {"status": CaseStatus.APPROVED},
            ),
            _pile(
                "supplement",
                _("待补正"),
                _("已一次性告知，等待申请人补齐材料"),
                visible.filter(status=CaseStatus.NEEDS_SUPPLEMENT),
                {"status": CaseStatus.NEEDS_SUPPLEMENT},
            ),
        ]
    if role in (Role.REVIEWER, Role.ADMIN, Role.SUPERVISOR, Role.CENTER_MANAGER):
        in_review = visible.filter(status__in=STATUS_GROUPS[QueueFilterForm.REVIEW][1])
        review = _pile(
            "review",
            _("审批队列"),
            _("已受理、审查中和已中止的办件，按承诺办结日期排列；黄灯为2个工作日内到期，红灯为已超期"),
            in_review,
            {"status": QueueFilterForm.REVIEW},
        )
        review.lights = _light_counts(in_review)
        piles.insert(0, review)
    if role == Role.VILLAGE_AGENT:
        piles += [
            _pile(
                "bring_home",
                _("待送证上门"),
                _("已办好的代办件，请把结果送到村民家中并请其签收"),
                case_list(user=user, filters={"bring_home": True}),
                {"status": CaseStatus.APPROVED, "bring_home": "on"},
            ),
            _pile(
                "village",
                _("本村在办的申请"),
                _("您代村民提交、仍在办理中的申请"),
                visible.filter(status__in=OPEN_STATUSES),
                {},
            ),
        ]
    uncovered = uncovered_open_cases(visible).count()
    unread = StaffNotice.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at", "-id")
    return render(
        request,
        "web/staff/home.html",
        {
            "piles": piles,
            "role": role,
            "is_agent": role == Role.VILLAGE_AGENT,
            "notices": list(unread[:SHOWN]),
            "notice_count": unread.count(),
            # The holiday calendar is the platform's (decision 144): a county's administrator keeps none.
            "schedule_reminder": schedule_reminder() if is_platform_admin(user) else None,
            "uncovered_count": uncovered,
        },
    )


@require_POST
@staff_view
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    """到期预警 and 超期督办 reminders (written by the deadline sweep): mark one as read."""
    notice = StaffNotice.objects.filter(recipient=staff(request), pk=pk).first()
    if notice is None:
        raise Http404()
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return redirect("web:work")


def _light_counts(qs: QuerySet[Case]) -> dict[str, int]:
    counts = {"red": 0, "yellow": 0, "green": 0, "grey": 0}
    for case in qs.only("status", "due_date"):
        color = light_for(case).color
        if color in counts:
            counts[color] += 1
    return counts
