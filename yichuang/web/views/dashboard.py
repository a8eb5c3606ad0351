"""数据看板: the dashboard of the API as a page, with ECharts charts and every figure in a table.

The page asks exactly what ``GET /api/v1/stats/dashboard/`` asks (the same query serializer, the same
``resolve_unit`` scope rule: out of scope is a 404) and reads the same selectors, so the page, the API
and the Excel exports it links to always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError

from yichuang.org.models import PREFIX_LENGTH, Region, RegionLevel
from yichuang.org.selectors import points_in_scope, scope_of
from yichuang.stats.api import QuerySerializer
from yichuang.stats.models import Indicator
from yichuang.stats.selectors import (
    Child,
    Dashboard,
    Figures,
    Ranked,
    Unit,
    assessment,
    dashboard,
    resolve_unit,
)
from yichuang.web.views.common import problem_from, staff, staff_view

#: The levels a breadcrumb walks down (a village station's trail goes county › town › station).
TRAIL_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWN)


@dataclass
class Link:
    name: str
    url: str = ""


@dataclass
class Row:
    """A unit one level down (a child of the drill-down, or a ranked unit) and where it leads."""

    name: str
    url: str
    #: 本级: the county's own points, each a link, where the county itself would lead nowhere new
    points: list[Link] = field(default_factory=list)


def _months(first: dt.date, last: dt.date) -> dict[str, str]:
    return {"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"}


def _param(level: str, code: str) -> dict[str, str]:
    return {level: code} if level in ("region", "point", "staff") and code else {}


def _unit_param(unit: Unit) -> dict[str, str]:
    return _param(unit.level, unit.code)


def _href(months: dict[str, str], param: dict[str, str]) -> str:
    return reverse("web:dashboard") + "?" + urlencode({**months, **param})


def _trail(user: Any, unit: Unit, months: dict[str, str]) -> list[Link]:
    """The way back up: the regions above the unit that the user may see (down to the town), the
    point, the member of staff. The last one is where we are and is not a link."""
    scope = scope_of(user)
    place = unit.region if unit.region is not None else (unit.point.region if unit.point else None)
    links: list[Link] = []
    if place is not None:
        codes = {place.code[: PREFIX_LENGTH[level]].ljust(12, "0") for level in TRAIL_LEVELS}
        if unit.region is not None:
            codes.add(place.code)
        chain = sorted(
            Region.objects.filter(code__in=codes),
            key=lambda r: PREFIX_LENGTH[RegionLevel(r.level)],
        )
        for region in chain:
            if scope.everything or (scope.region is not None and region.code.startswith(scope.region.prefix)):
                links.append(Link(region.name, _href(months, {"region": region.code})))
    elif unit.level == "region":
        links.append(Link(unit.name, _href(months, {})))
    if unit.point is not None:
        links.append(Link(unit.point.name, _href(months, {"point": unit.point.code})))
    if unit.staff is not None:
        links.append(Link(unit.name, _href(months, {"staff": unit.code})))
    if links:
        links[-1].url = ""
    return links


def _rows(user: Any, unit: Unit, children: list[Child] | list[Ranked], months: dict[str, str]) -> list[Row]:
    """Where each unit one level down leads. The county's own row (本级, the hall and other points at
    county level) carries the county's code: it leads to those points instead of to the county again."""
    own_points: list[Link] | None = None
    rows = []
    for child in children:
        if child.level == "region" and unit.region is not None and child.code == unit.region.code:
            if own_points is None:
                own_points = [
                    Link(p.name, _href(months, {"point": p.code}))
                    for p in points_in_scope(user).filter(region__code=child.code).order_by("code")
                ]
            rows.append(Row(child.name, "", own_points))
        else:
            param = _param(child.level, child.code)
            rows.append(Row(child.name, _href(months, param) if param else ""))
    return rows


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _series(figures: list[Figures]) -> dict[str, list[Any]]:
    return {
        "accepted": [f.accepted for f in figures],
        "completed": [f.completed for f in figures],
        "on_time": [_percent(f.on_time_rate) for f in figures],
    }


def _charts(board: Dashboard, rows: list[Row]) -> dict[str, Any]:
    """What the charts draw (the tables show the same numbers), and their words in the page's language."""
    return {
        "labels": {
            "accepted": _("受理件数"),
            "completed": _("办结件数"),
            "on_time": _("按时办结率"),
            "cases": _("件"),
            "rate": _("办结率"),
            "missing": _("图表组件 ECharts 未安装（运行 make setup），下表列出了全部数据。"),
        },
        "months": {
            "names": [f"{month:%Y-%m}" for month, _figures in board.by_month],
            **_series([figures for _month, figures in board.by_month]),
        },
        "children": {
            "names": [child.name for child in board.children],
            **_series([child.figures for child in board.children]),
            "links": [row.url for row in rows],
        },
    }


#: How far back the month pickers reach (older months still work when typed into the address).
PICKER_MONTHS = 36


def month_choices(today: dt.date, *picked: str) -> list[tuple[str, str]]:
    """The months to pick from, newest first, written the Chinese way (2026年12月): a select rather
    than ``<input type="month">``, whose look and language differ by browser (Firefox and Safari
    show a bare text box) and which screen readers announce unevenly."""
    month = today.replace(day=1)
    values = []
    for _step in range(PICKER_MONTHS):
        values.append(f"{month:%Y-%m}")
        month = (month - dt.timedelta(days=1)).replace(day=1)
    for value in picked:
        if value and value not in values and len(value) == 7 and value[4] == "-":
            values.append(value)
    values.sort(reverse=True)
    return [(v, _("%(year)s年%(month)s月") % {"year": v[:4], "month": int(v[5:])}) for v in values]


def _presets(today: dt.date) -> list[tuple[str, dict[str, str]]]:
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    return [
        (_("本月"), _months(this_month, this_month)),
        (_("上月"), _months(last_month, last_month)),
        (_("今年以来"), _months(this_month.replace(month=1), this_month)),
    ]


@staff_view
def dashboard_page(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    query = QuerySerializer(data=request.GET)
    try:
        query.is_valid(raise_exception=True)
    except ValidationError as exc:
        raw = {name: request.GET.get(name, "") for name in ("from", "to", "region", "point", "staff")}
        return render(
            request,
            "web/dashboard/page.html",
            {
                "problem": problem_from(exc),
                "picked": raw,
                "hidden": _hidden(raw),
                "month_choices": month_choices(timezone.localdate()),
            },
            status=400,
        )
    values = query.validated_data
    try:
        unit = resolve_unit(user=user, region=values["region"], point=values["point"], staff=values["staff"])
    except NotFound:
        raise Http404(_("没有找到该单位，或不在您的权限范围内。")) from None
    board = dashboard(user=user, unit=unit, first=values["from"], last=values["to"])
    ranked = assessment(user=user, unit=unit, first=values["from"], last=values["to"])
    months = _months(board.first, board.last)
    rows = _rows(user, unit, board.children, months)
    param = _unit_param(unit)
    export_query = urlencode({**months, **param})
    indicators = list(ranked[0].metrics) if ranked else []
    return render(
        request,
        "web/dashboard/page.html",
        {
            "board": board,
            "unit": unit,
            "trail": _trail(user, unit, months),
            "picked": months,
            "month_choices": month_choices(timezone.localdate(), months["from"], months["to"]),
            "hidden": _hidden(param),
            "presets": [(label, _href(preset, param)) for label, preset in _presets(timezone.localdate())],
            "children": list(zip(board.children, rows, strict=True)),
            "child_level": _child_level(unit),
            "ranked": list(zip(ranked, _rows(user, unit, ranked, months), strict=True)),
            "indicators": [(key, Indicator(key).label) for key in indicators],
            "queue": board.queue,
            "charts": _charts(board, rows),
            "dashboard_export": reverse("v1:stats-dashboard-export") + "?" + export_query,
            "assessment_export": reverse("v1:stats-assessment-export") + "?" + export_query,
        },
    )


def _hidden(param: dict[str, str]) -> list[tuple[str, str]]:
    """The unit stays the same when only the months change."""
    return [(name, param[name]) for name in ("region", "point", "staff") if param.get(name)]


def _child_level(unit: Unit) -> str:
    if unit.point is not None:
        return _("窗口 · 工作人员")
    if unit.region is not None and unit.region.level in (RegionLevel.TOWN, RegionLevel.VILLAGE):
        return _("服务点")
    if unit.region is not None and unit.region.level == RegionLevel.PROVINCE:
        return _("市")
    if unit.region is not None and unit.region.level == RegionLevel.CITY:
        return _("县(区)")
    return _("乡镇（街道）")
