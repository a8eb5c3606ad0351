"""The demo county's hall: service categories, which windows serve them, appointment schedules.

``load_queue`` is called by the demo loader (``yichuang loaddemo``) with the points and windows it
has just loaded; like the loader it is idempotent: rows are found by their natural keys and
created, updated or (for the demo points only) removed. Slots are not loaded: they follow from
the schedules for the coming days, made when someone asks (``appointments.slots_sync``).

The hours follow ``demo.data.places``: the county hall works 8:30-12:00 and 14:30-17:30, does not
close at noon (中午不打烊), stays till 19:00 on Tuesdays and Thursdays and opens on weekends
9:00-16:00 (延时服务); town centers close at noon and open on Saturday mornings 9:00-12:00. The
same hours are loaded as the points' opening hours (the kiosk gives numbers only then) and, per
category, as appointment schedules. Other points get no opening hours: their kiosks are not limited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

from yichuang.org.models import PointKind, ServicePoint, Window
from yichuang.queue.models import (
    AppointmentSchedule,
    OpeningHours,
    ScheduleDays,
    ServiceCategory,
    WindowService,
)

HALL = "411502-ZWZX"
FIRST_TOWN_CENTER = "411502100-BMZX"


class Category(NamedTuple):
    code: str
    letter: str
    name: str
    description: str


CATEGORIES: tuple[Category, ...] = (
    Category("general", "A", "综合受理", "各类政务服务事项，综合窗口无差别受理"),
    Category("social", "B", "社保医保", "社会保险、医疗保险参保缴费、社保卡、待遇认证"),
    Category("civil", "C", "民政救助", "低保、特困、临时救助、高龄津贴、婚姻登记"),
    Category("estate", "D", "不动产登记", "不动产登记、查询、证明"),
    Category("market", "E", "市场主体", "企业开办、个体工商户登记、食品经营"),
    Category("police", "F", "公安户政", "户籍、居住证、出入境"),
    Category("tax", "G", "税务", "税费申报、发票、社保费缴纳"),
    Category("pickup", "H", "领取证照", "统一出件：领取办理结果、证照"),
)

# Window number → categories, per kind of point.
HALL_WINDOWS: dict[str, tuple[str, ...]] = {
    "1": ("general",),
    "2": ("general",),
    "3": ("general",),
    "4": ("general",),
    "5": ("general",),
    "6": ("general",),
    "7": ("pickup",),
    "8": ("police",),
    "9": ("police",),
    "10": ("estate",),
    "11": ("estate",),
    "12": ("tax",),
    "13": ("social",),
    "14": ("social",),
    "15": ("market",),
    "16": ("civil",),
}
TOWN_WINDOWS: dict[str, tuple[str, ...]] = {
    "1": ("general", "social"),
    "2": ("general", "social"),
    "3": ("general", "social"),
    "4": ("general", "social"),
    "5": ("pickup",),
    "6": ("civil",),
    "7": ("police",),
    "8": ("estate",),  # only the first town has a window 8 (不动产登记受理)
}
SMALL_WINDOWS: dict[str, tuple[str, ...]] = {"1": ("general",)}


class Line(NamedTuple):
    category: str
    days: str
    start: str
    end: str
    capacity: int
    extended: bool = False
    weekdays: str = ""
    slot_minutes: int = 30


W, R = ScheduleDays.WORKDAYS, ScheduleDays.REST_DAYS

HALL_SCHEDULE: tuple[Line, ...] = (
    Line("general", W, "08:30", "12:00", 6),
    Line("general", W, "12:00", "14:30", 2, extended=True),  # 中午不打烊
    Line("general", W, "14:30", "17:30", 6),
    Line("general", W, "17:30", "19:00", 2, extended=True, weekdays="24"),  # 周二、周四晚间延时
    Line("general", R, "09:00", "16:00", 3, extended=True),  # 周末延时服务
    Line("social", W, "08:30", "12:00", 3),
    Line("social", W, "14:30", "17:30", 3),
    Line("estate", W, "08:30", "12:00", 4),
    Line("estate", W, "14:30", "17:30", 4),
    Line("market", W, "08:30", "12:00", 3),
    Line("market", W, "14:30", "17:30", 3),
    Line("market", R, "09:00", "12:00", 2, extended=True),
)
TOWN_SCHEDULE: tuple[Line, ...] = (
    Line("general", W, "08:30", "12:00", 3),
    Line("general", W, "14:30", "17:30", 3),
    Line("general", R, "09:00", "12:00", 2, extended=True, weekdays="6"),  # 周六上午延时服务
    Line("civil", W, "08:30", "12:00", 2),
)
FIRST_TOWN_EXTRA: tuple[Line, ...] = (Line("estate", W, "08:30", "12:00", 2),)


class Hours(NamedTuple):
    days: str
    start: str
    end: str
    extended: bool = False
    weekdays: str = ""


HALL_HOURS: tuple[Hours, ...] = (
    Hours(W, "08:30", "17:30"),  # 中午不打烊: one stretch
    Hours(W, "17:30", "19:00", extended=True, weekdays="24"),
    Hours(R, "09:00", "16:00", extended=True),
)
TOWN_HOURS: tuple[Hours, ...] = (
    Hours(W, "08:30", "12:00"),
    Hours(W, "14:30", "17:30"),
    Hours(R, "09:00", "12:00", extended=True, weekdays="6"),
)


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def load_queue(
    *, points: Mapping[str, ServicePoint], windows: Mapping[tuple[str, str], Window]
) -> dict[str, int]:
    """Categories, window services and schedules of the demo points; returns row counts."""
    categories: dict[str, ServiceCategory] = {}
    for order, c in enumerate(CATEGORIES, start=1):
        category, _created = ServiceCategory.objects.update_or_create(
            code=c.code,
            defaults={
                "letter": c.letter,
                "name": c.name,
                "description": c.description,
                "order": order,
                "active": True,
            },
        )
        categories[c.code] = category

    wanted_services: set[tuple[int, int]] = set()
    for (point_code, number), window in windows.items():
        point = points[point_code]
        if point_code == HALL:
            table = HALL_WINDOWS
        elif point.kind == PointKind.TOWN_CENTER:
            table = TOWN_WINDOWS
        else:
            table = SMALL_WINDOWS
        for code in table.get(number, ()):
            wanted_services.add((window.pk, categories[code].pk))
    window_ids = [w.pk for w in windows.values()]
    existing = set(
        WindowService.objects.filter(window_id__in=window_ids).values_list("window_id", "category_id")
    )
    WindowService.objects.bulk_create(
        [WindowService(window_id=w, category_id=k) for w, k in sorted(wanted_services - existing)]
    )
    for w, k in existing - wanted_services:
        WindowService.objects.filter(window_id=w, category_id=k).delete()

    plans: dict[str, tuple[Line, ...]] = {HALL: HALL_SCHEDULE}
    for code, point in points.items():
        if point.kind == PointKind.TOWN_CENTER:
            plans[code] = TOWN_SCHEDULE + (FIRST_TOWN_EXTRA if code == FIRST_TOWN_CENTER else ())
    kept: set[int] = set()
    for code, lines in plans.items():
        point = points[code]
        for line in lines:
            schedule, _created = AppointmentSchedule.objects.update_or_create(
                point=point,
                category=categories[line.category],
                days=line.days,
                weekdays=line.weekdays,
                start=_time(line.start),
                defaults={
                    "end": _time(line.end),
                    "slot_minutes": line.slot_minutes,
                    "capacity": line.capacity,
                    "extended": line.extended,
                    "active": True,
                },
            )
            kept.add(schedule.pk)
    AppointmentSchedule.objects.filter(point__in=[points[c] for c in plans]).exclude(pk__in=kept).delete()
    return {
        "categories": len(categories),
        "window_services": len(wanted_services),
        "schedules": len(kept),
        "opening_hours": _load_hours(points, list(plans)),
    }


def _load_hours(points: Mapping[str, ServicePoint], codes: list[str]) -> int:
    kept: set[int] = set()
    for code in codes:
        point = points[code]
        for line in HALL_HOURS if code == HALL else TOWN_HOURS:
            hours, _created = OpeningHours.objects.update_or_create(
                point=point,
                days=line.days,
                weekdays=line.weekdays,
                start=_time(line.start),
                defaults={"end": _time(line.end), "extended": line.extended, "active": True},
            )
            kept.add(hours.pk)
    OpeningHours.objects.filter(point__in=[points[c] for c in codes]).exclude(pk__in=kept).delete()
    return len(kept)


def describe(counts: dict[str, Any]) -> str:
    return (
        f"排队叫号 queue: {counts['categories']} 类业务, {counts['window_services']} 个窗口业务, "
        f"{counts['schedules']} 条预约排班, {counts['opening_hours']} 条办公时间"
    )
