"""The hall's pages: the kiosk (取号机), the display board (叫号大屏), the clerk's calling panel
(叫号面板) and the citizens' booking page (预约).

The pages are thin: they render a frame and the words, and their scripts talk to the JSON API
(``/api/v1/queue/…``), so the kiosk, the board and the panel behave exactly like any other client.
They extend the web app's templates (``web/base.html``; the kiosk ``web/kiosk/base.html``) and add
the app's own stylesheet and scripts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from rest_framework.exceptions import NotFound

from yichuang.org.models import ServicePoint, Staff
from yichuang.queue.appointments import BOOKING_DAYS
from yichuang.queue.days import DayType, day_type
from yichuang.queue.hours import closed_message, opening
from yichuang.queue.models import AppointmentSchedule, ServiceCategory
from yichuang.queue.selectors import categories_offered, may_operate, queue_point, windows_for
from yichuang.queue.workflow import ACTION_LABELS
from yichuang.workdays.models import WEEKDAY_NAMES


def _point_or_404(code: str) -> Any:
    try:
        return queue_point(code)
    except NotFound as exc:
        raise Http404(str(exc.detail)) from exc


def _common_labels() -> dict[str, str]:
    return {
        "network": _("网络异常，请稍后再试。"),
        "error": _("操作失败"),
        "window": _("%(n)s号窗口"),
        "people": _("人"),
        # Times are shown in the hall's time zone, whatever the screen's own clock says.
        "tz": settings.TIME_ZONE,
    }


def kiosk(request: HttpRequest, code: str) -> HttpResponse:
    """The kiosk; outside the point's opening hours it says when the point opens and its buttons
    are off (the API refuses those numbers anyway). The page reloads itself when the point opens
    or closes (``change_at``)."""
    point = _point_or_404(code)
    now = timezone.now()
    state = opening(point, now)
    closed = closed_message(point, state, now) if state is not None and not state.open else ""
    change_at = None if state is None else state.opens_at or state.closes_at
    labels = {
        **_common_labels(),
        "ahead": _("前面还有 %(n)s 人等候"),
        "none_ahead": _("马上就到您，请留意叫号"),
        "waiting": _("等候"),
    }
    return render(
        request,
        "queue/kiosk.html",
        {
            "point": point,
            "categories": categories_offered(point),
            "labels": labels,
            "api": f"/api/v1/queue/points/{point.code}/",
            "closed": closed,
            "change_at": change_at.isoformat() if change_at else "",
        },
    )


def board(request: HttpRequest, code: str) -> HttpResponse:
    point = _point_or_404(code)
    labels = {
        **_common_labels(),
        "no_calls": _("暂无叫号"),
        "speech_on": _("语音播报已开启"),
        "speech_start": _("开启语音播报"),
        "speech_stop": _("关闭语音播报"),
    }
    return render(
        request,
        "queue/board.html",
        {"point": point, "labels": labels, "api": f"/api/v1/queue/points/{point.code}/board/"},
    )


def _days(point: Any) -> list[dict[str, Any]]:
    today = timezone.localdate()
    rows = []
    for n in range(BOOKING_DAYS):
        day = today + dt.timedelta(days=n)
        kind = day_type(day)
        rows.append(
            {
                "date": day.isoformat(),
                "label": _("%(month)s月%(day)s日") % {"month": day.month, "day": day.day},
                "weekday": WEEKDAY_NAMES[day.weekday()],
                "holiday": kind == DayType.HOLIDAY,
                "rest": kind == DayType.REST_DAY,
            }
        )
    return rows


def book_points(request: HttpRequest) -> HttpResponse:
    """Where appointments can be booked: the active points with an active schedule."""
    points = (
        ServicePoint.objects.filter(active=True, appointment_schedules__active=True)
        .distinct()
        .order_by("kind", "code")
    )
    return render(request, "queue/book_points.html", {"points": points})


def book(request: HttpRequest, code: str) -> HttpResponse:
    point = _point_or_404(code)
    categories = ServiceCategory.objects.filter(
        active=True, schedules__point=point, schedules__active=True
    ).distinct()
    labels = {
        **_common_labels(),
        "full": _("已约满"),
        "left": _("余%(n)s"),
        "extended": _("延时服务"),
        "no_slots": _("当天没有可预约的时段（节假日或未排班）。"),
        "choose_slot": _("请先选择时段。"),
        "booked_title": _("预约成功"),
        "cancelled": _("预约已取消。"),
        "status": _("状态"),
    }
    return render(
        request,
        "queue/book.html",
        {
            "point": point,
            "categories": categories,
            "days": _days(point),
            "labels": labels,
            "open": AppointmentSchedule.objects.filter(point=point, active=True).exists(),
        },
    )


@login_required
@ensure_csrf_cookie
def panel(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, Staff) or user.point is None or not may_operate(user, user.point.pk):
        raise PermissionDenied(_("叫号面板只供服务点窗口工作人员使用。"))
    point = user.point
    windows = sorted(
        windows_for(user).filter(point_id=user.point_id, active=True),
        key=lambda w: (len(w.number), w.number),
    )
    chosen = request.GET.get("window", "")
    current = next((w for w in windows if str(w.pk) == chosen), None)
    if current is None:
        current = next((w for w in windows if w.pk == user.window_id), windows[0] if windows else None)
    labels = {
        **_common_labels(),
        **{key: str(label) for key, label in ACTION_LABELS.items()},
        "idle": _("空闲，请叫号"),
        "waiting_here": _("本窗口可叫 %(n)s 人"),
        "priority": _("优先"),
        "taken": _("取号"),
        "waited": _("已等候 %(n)s 分钟"),
        "checked_in": _("签到成功，号码："),
        "taken_for": _("已取号："),
        "requeued": _("已重新排队。"),
        "no_one": _("暂无"),
    }
    return render(
        request,
        "queue/panel.html",
        {
            "point": point,
            "windows": windows,
            "window": current,
            "others": [w for w in windows if current is None or w.pk != current.pk],
            "categories": categories_offered(point),
            "labels": labels,
        },
    )
