"""The dashboard and the assessment, read from the monthly rollups (never by counting cases)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cached_property, partial
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from rest_framework.exceptions import NotFound

from yichuang.cases.calendar import uncovered_open_cases
from yichuang.cases.models import Case
from yichuang.cases.selectors import RUNNING_STATUSES, cases_for
from yichuang.org.models import PREFIX_LENGTH, Region, RegionLevel, ServicePoint, Staff, Window
from yichuang.org.selectors import is_platform_admin, scope_of
from yichuang.queue.figures import QueueReport, queue_figures
from yichuang.ratings.models import MonthlySatisfaction
from yichuang.ratings.selectors import satisfaction_from_sums, satisfaction_rollup, satisfaction_sums
from yichuang.stats.models import AssessmentIndicator, Indicator, MonthlyFigure
from yichuang.workdays.calendar import month_end
from yichuang.workdays.selectors import schedule_reminder

COUNTERS = [
    "accepted",
    "completed",
    "on_time",
    "workdays_used",
    "promised_days",
    "statutory_days",
    "visits",
    "one_visit",
    "agent_home",
    "agent_submitted",
]
TOWN_CODE_LENGTH = 9


@dataclass
class Unit:
    """What the figures are about: the whole scope, a region, a point, or one member of staff."""

    level: str  # "region" | "point" | "staff"
    code: str
    name: str
    region: Region | None = None
    point: ServicePoint | None = None
    staff: Staff | None = None


@dataclass
class Figures:
    accepted: int = 0
    immediate: int = 0
    completed: int = 0
    on_time: int = 0
    workdays_used: int = 0
    promised_days: int = 0
    statutory_days: int = 0
    visits: int = 0
    agent_home: int = 0
    agent_submitted: int = 0
    immediate_share: float | None = None
    on_time_rate: float | None = None
    average_workdays: float | None = None
    average_promised: float | None = None
    average_statutory: float | None = None
    #: 1 - average working days used / statutory days: how much faster than the law asks
    compression: float | None = None
    visits_per_case: float | None = None
    one_visit_rate: float | None = None
    one_visit: int = 0

    def finish(self) -> Figures:
        if self.accepted:
            self.immediate_share = round(self.immediate / self.accepted, 4)
        if self.completed:
            n = self.completed
            self.on_time_rate = round(self.on_time / n, 4)
            self.average_workdays = round(self.workdays_used / n, 2)
            self.average_promised = round(self.promised_days / n, 2)
            self.average_statutory = round(self.statutory_days / n, 2)
            self.visits_per_case = round(self.visits / n, 2)
            self.one_visit_rate = round(self.one_visit / n, 4)
            if self.statutory_days:
                self.compression = round(1 - self.workdays_used / self.statutory_days, 4)
        return self


def _sums() -> dict[str, Any]:
    # Aliases must differ from the field names they sum (Django refuses Sum over an alias).
    sums: dict[str, Any] = {f"sum_{name}": Sum(name) for name in COUNTERS}
    sums["sum_immediate"] = Sum("accepted", filter=Q(kind="immediate"))
    return sums


def _figures(row: dict[str, Any]) -> Figures:
    return Figures(**{k: int(row.get(f"sum_{k}") or 0) for k in [*COUNTERS, "immediate"]}).finish()


def month_range(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    return first.replace(day=1), last.replace(day=1)


def scoped_figures(user: Any) -> QuerySet[MonthlyFigure]:
    return scoped_rollup(MonthlyFigure.objects.all(), user)


def scoped_rollup(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Rollup rows (with ``region_code`` and ``point``) of the points inside the user's scope."""
    scope = scope_of(user)
    if scope.everything:
        return qs
    if scope.region is not None:
        return qs.filter(region_code__startswith=scope.region.prefix)
    if scope.point is not None:
        return qs.filter(point_id=scope.point.pk)
    return qs.none()


def resolve_unit(*, user: Any, region: str = "", point: str = "", staff: str = "") -> Unit:
    """The unit asked for, if it lies inside the user's scope (else 404); the user's own scope when
    nothing is asked."""
    scope = scope_of(user)
    if staff:
        person = Staff.objects.select_related("point__region", "region").filter(username=staff).first()
        if (
            person is None
            or person.point is None
            or not scope.covers(region=person.point.region, point_id=person.point_id)
        ):
            raise NotFound()
        return Unit(
            "staff",
            person.username,
            person.get_full_name() or person.username,
            staff=person,
            point=person.point,
        )
    if point:
        found = ServicePoint.objects.select_related("region").filter(code=point).first()
        if found is None or not scope.covers(region=found.region, point_id=found.pk):
            raise NotFound()
        return Unit("point", found.code, found.name, point=found)
    if region:
        place = Region.objects.filter(code=region).first()
        if place is None or not (
            scope.everything or (scope.region is not None and place.code.startswith(scope.region.prefix))
        ):
            raise NotFound()
        return Unit("region", place.code, place.name, region=place)
    if scope.region is not None:
        return Unit("region", scope.region.code, scope.region.name, region=scope.region)
    if scope.point is not None:
        return Unit("point", scope.point.code, scope.point.name, point=scope.point)
    if scope.everything:
        top = Region.objects.filter(parent__isnull=True).order_by("code").first()
        if top is not None and Region.objects.filter(parent__isnull=True).count() == 1:
            return Unit("region", top.code, top.name, region=top)
        return Unit("region", "", "全部")
    raise NotFound()


def _limit(qs: QuerySet[Any], unit: Unit, *, region: str, point: str, staff: str) -> QuerySet[Any]:
    if unit.staff is not None:
        return qs.filter(**{staff: unit.staff.pk})
    if unit.point is not None:
        return qs.filter(**{point: unit.point.pk})
    if unit.region is not None:
        return qs.filter(**{f"{region}__startswith": unit.region.prefix})
    return qs


@dataclass
class Child:
    level: str
    code: str
    name: str
    figures: Figures


@dataclass
class Dashboard:
    unit: Unit
    first: dt.date
    last: dt.date
    totals: Figures
    by_month: list[tuple[dt.date, Figures]]
    children: list[Child]
    satisfaction: dict[str, Any]
    hotline: dict[str, Any]
    overdue_count: int
    overdue: list[Case] = field(default_factory=list)
    #: open cases whose due dates were counted through a year without an official holiday schedule
    uncovered_count: int = 0
    #: November and December: next year's official schedule is missing (for admins only)
    calendar_reminder: str | None = None
    #: Reads the hall's figures of the unit when first asked for (the page, the API, the export);
    #: the assessment, which builds a dashboard per unit for its satisfaction, never pays for them.
    queue_loader: Callable[[], QueueReport] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def queue(self) -> QueueReport | None:
        """取号排队: waiting and service times of the tickets taken at the unit in the months shown."""
        return self.queue_loader() if self.queue_loader is not None else None


def dashboard(*, user: Any, unit: Unit, first: dt.date, last: dt.date) -> Dashboard:
    first, last = month_range(first, last)
    rows = _figure_rows(user, unit, first, last)
    sums = _sums()
    totals = _figures(rows.aggregate(**sums))
    by_month = [(r["month"], _figures(r)) for r in rows.values("month").annotate(**sums).order_by("month")]
    children = _children(rows, unit, sums)
    ratings = _satisfaction_rows(user, unit, first, last)
    today = timezone.localdate()
    late = _limit(
        cases_for(user).filter(status__in=RUNNING_STATUSES, due_date__lt=today),
        unit,
        region="region__code",
        point="point_id",
        staff="accepted_by_id",
    )
    return Dashboard(
        unit=unit,
        first=first,
        last=last,
        totals=totals,
        by_month=by_month,
        children=children,
        satisfaction=asdict(satisfaction_rollup(ratings)),
        hotline=_hotline(user, unit, first, month_end(last)),
        overdue_count=late.count(),
        overdue=_first_overdue(late),
        uncovered_count=_limit(
            uncovered_open_cases(cases_for(user)),
            unit,
            region="region__code",
            point="point_id",
            staff="accepted_by_id",
        ).count(),
        calendar_reminder=schedule_reminder() if _keeps_calendar(user) else None,
        queue_loader=partial(_queue, user, unit, first, month_end(last)),
    )


def _first_overdue(late: QuerySet[Case], limit: int = 20) -> list[Case]:
    """The ``limit`` most overdue cases, in two steps: their ids from the running cases' index alone
    (``case_running_due``), then those rows. Asked in one query, PostgreSQL walked the plain
    ``due_date`` index of the year's partition instead and read 2.4 million closed cases before the
    first late open one (10 000 000 cases: 15 s for a county; decision 155)."""
    ids = list(late.order_by("due_date", "id").values_list("id", flat=True)[:limit])
    if not ids:
        return []
    return list(Case.objects.filter(pk__in=ids).select_related("item", "point").order_by("due_date", "id"))


def _keeps_calendar(user: Any) -> bool:
    return is_platform_admin(user)  # the holiday calendar is the platform's, not a county's


def _figure_rows(user: Any, unit: Unit, first: dt.date, last: dt.date) -> QuerySet[MonthlyFigure]:
    """The case-figure rollup of the unit in the months shown."""
    rows = scoped_figures(user).filter(month__gte=first, month__lte=last)
    return _limit(rows, unit, region="region_code", point="point_id", staff="staff_id")


def _satisfaction_rows(user: Any, unit: Unit, first: dt.date, last: dt.date) -> QuerySet[MonthlySatisfaction]:
    """The satisfaction rollup of the unit's ratings given in the months shown."""
    rows = scoped_rollup(MonthlySatisfaction.objects.all(), user).filter(month__gte=first, month__lte=last)
    return _limit(rows, unit, region="region_code", point="point_id", staff="staff_id")


def _child_satisfaction(rows: QuerySet[MonthlySatisfaction], unit: Unit) -> dict[str, dict[str, Any]]:
    """The satisfaction of each unit one level down, by the code ``_children`` gives it."""
    sums = satisfaction_sums()
    if unit.staff is not None:
        return {}
    if unit.point is not None:
        grouped = list(rows.values("staff_id").annotate(**sums).order_by())
        names = dict(
            Staff.objects.filter(pk__in={g["staff_id"] for g in grouped}).values_list("pk", "username")
        )
        return {names.get(g["staff_id"], ""): asdict(satisfaction_from_sums(g)) for g in grouped}
    level = unit.region.level if unit.region is not None else ""
    if level in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE) or unit.region is None:
        _child_level, length = _region_children(unit)
        towns = rows.annotate(town=Substr("region_code", 1, length)).values("town")
        return {
            g["town"].ljust(12, "0"): asdict(satisfaction_from_sums(g))
            for g in towns.annotate(**sums).order_by()
        }
    grouped = list(rows.values("point_id").annotate(**sums).order_by())
    codes = dict(
        ServicePoint.objects.filter(pk__in={g["point_id"] for g in grouped}).values_list("pk", "code")
    )
    return {codes[g["point_id"]]: asdict(satisfaction_from_sums(g)) for g in grouped}


def _hotline(user: Any, unit: Unit, first: dt.date, last: dt.date) -> dict[str, Any]:
    """12345 figures of the tickets the user may see, registered in the months shown: of a region,
    those about a place in it; of a point (or one of its clerks), those it was responsible for or
    was assigned."""
    from yichuang.hotline.selectors import ticket_figures

    within = None
    if unit.point is not None:
        within = Q(responsible_point=unit.point) | Q(assigned_point=unit.point)
    elif unit.region is not None:
        within = Q(region__code__startswith=unit.region.prefix)
    rows = ticket_figures(user=user, start=first, end=last, period=None, within=within)
    if not rows:
        return {
            "received": 0,
            "closed": 0,
            "on_time_rate": None,
            "revisit_rate": None,
            "satisfaction_rate": None,
        }
    row = rows[0]
    return {
        "received": row.received,
        "closed": row.closed,
        "on_time_rate": row.on_time_rate,
        "revisit_rate": row.revisit_rate,
        "satisfaction_rate": row.satisfaction_rate,
    }


def _queue(user: Any, unit: Unit, first: dt.date, last: dt.date) -> QueueReport:
    """The hall's figures of the unit, per point of a region, per window of a point or of a clerk."""
    return queue_figures(
        user=user,
        first=first,
        last=last,
        by="point" if unit.level == "region" else "window",
        point=unit.point.code if unit.point is not None and unit.staff is None else "",
        region=unit.region,
        staff=unit.staff,
    )


def _region_children(unit: Unit) -> tuple[RegionLevel, int]:
    """The level one down from a region and the length of its codes' significant prefix: a province
    shows its cities, a city its counties (issue 17: a city supervisor drills county → town → point),
    a county its towns; the whole platform, as before, its towns."""
    level = RegionLevel(unit.region.level) if unit.region is not None else None
    child = {RegionLevel.PROVINCE: RegionLevel.CITY, RegionLevel.CITY: RegionLevel.COUNTY}.get(
        level or RegionLevel.COUNTY, RegionLevel.TOWN
    )
    return child, PREFIX_LENGTH[child]


def _children(rows: QuerySet[MonthlyFigure], unit: Unit, sums: dict[str, Any]) -> list[Child]:
    """One level down: province → cities → counties → towns, town → points, point → staff (drill
    down to the window)."""
    if unit.staff is not None:
        return []
    if unit.point is not None:
        grouped = rows.values("staff_id", "window_id").annotate(**sums)
        people = {s.pk: s for s in Staff.objects.filter(pk__in={r["staff_id"] for r in grouped})}
        windows = {w.pk: w for w in Window.objects.filter(pk__in={r["window_id"] for r in grouped})}
        children = []
        for r in grouped:
            person = people.get(r["staff_id"])
            window = windows.get(r["window_id"])
            name = (person.get_full_name() or person.username) if person else "—"
            if window is not None:
                name = f"{window.number}号窗口 · {name}"
            children.append(Child("staff", person.username if person else "", name, _figures(r)))
        return sorted(children, key=lambda c: -c.figures.accepted)
    level = unit.region.level if unit.region is not None else ""
    if level in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE) or unit.region is None:
        child_level, length = _region_children(unit)
        grouped = rows.annotate(town=Substr("region_code", 1, length)).values("town").annotate(**sums)
        names = {
            r.code[:length]: r
            for r in Region.objects.filter(
                level=child_level, code__in=[g["town"].ljust(12, "0") for g in grouped]
            )
        }
        children = []
        for g in grouped:
            town = names.get(g["town"])
            if town is not None:
                children.append(Child("region", town.code, town.name, _figures(g)))
            else:  # a point of the region itself (a county's hall): the region, 本级
                code = g["town"].ljust(12, "0")
                place = Region.objects.filter(code=code).first()
                children.append(Child("region", code, f"{place.name if place else code}本级", _figures(g)))
        return sorted(children, key=lambda c: c.code)
    grouped = rows.values("point_id").annotate(**sums)
    points = {p.pk: p for p in ServicePoint.objects.filter(pk__in={g["point_id"] for g in grouped})}
    return sorted(
        (
            Child("point", points[g["point_id"]].code, points[g["point_id"]].name, _figures(g))
            for g in grouped
        ),
        key=lambda c: c.code,
    )


# —— assessment (考核) ——


@dataclass
class Ranked:
    rank: int
    level: str
    code: str
    name: str
    score: float | None
    metrics: dict[str, float | None]


def indicator_value(indicator: str, figures: Figures, satisfaction: dict[str, Any]) -> float | None:
    if indicator == Indicator.SATISFACTION_RATE:
        return satisfaction.get("satisfaction_rate")
    if indicator == Indicator.RECTIFICATION_RATE:
        return satisfaction.get("rectification_rate")
    if indicator == Indicator.COMPRESSION:
        return None if figures.compression is None else max(0.0, min(1.0, figures.compression))
    return getattr(figures, str(indicator), None)


def assessment(*, user: Any, unit: Unit, first: dt.date, last: dt.date) -> list[Ranked]:
    """Score each unit one level below ``unit`` on the active indicators (0–100, weighted; an
    indicator with no data for a unit is left out of that unit's weights) and rank them."""
    weights = {a.indicator: a.weight for a in AssessmentIndicator.objects.filter(active=True, weight__gt=0)}
    first, last = month_range(first, last)
    rows = _figure_rows(user, unit, first, last)
    satisfactions = _child_satisfaction(_satisfaction_rows(user, unit, first, last), unit)
    ranked = []
    for child in _children(rows, unit, _sums()):
        satisfaction = satisfactions.get(child.code, {})
        metrics = {key: indicator_value(key, child.figures, satisfaction) for key in weights}
        counted = {k: v for k, v in metrics.items() if v is not None}
        total_weight = sum(weights[k] for k in counted)
        score = (
            round(100 * sum(weights[k] * v for k, v in counted.items()) / total_weight, 2)
            if total_weight
            else None
        )
        ranked.append(Ranked(0, child.level, child.code, child.name, score, metrics))
    ranked.sort(key=lambda r: (r.score is None, -(r.score or 0), r.code))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    return ranked
