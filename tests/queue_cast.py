"""The hall of the test county: categories, windows that serve them, the clerks at those windows.

The fixtures reach every test through ``pytest_plugins`` in ``tests/conftest.py``: ``hall``, and
``morning``, a morning of numbers taken, called and served there (the dashboard's queue figures).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from yichuang.org.models import Window, WindowKind
from yichuang.queue import services
from yichuang.queue.appointments import (
    appointment_book,
    appointment_check_in,
    appointments_mark_missed,
    slots_sync,
)
from yichuang.queue.models import (
    AppointmentSchedule,
    AppointmentSlot,
    ScheduleDays,
    ServiceCategory,
    TicketSource,
    WindowService,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
#: A Wednesday, an ordinary working day, before the hall opens.
WEDNESDAY_MORNING = dt.datetime(2026, 10, 14, 8, 0, tzinfo=SHANGHAI)
PHONE = "13912345678"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@dataclass
class Hall:
    world: Any
    categories: dict[str, ServiceCategory]
    windows: dict[str, Window]

    @property
    def point(self) -> Any:
        return self.world.points["hall"]

    @property
    def clerk(self) -> Any:
        return self.world.staff["hall_clerk"]


@pytest.fixture
def hall(world: Any) -> Hall:
    """The county hall: two comprehensive windows (综合受理, 1 and 2) and a dedicated 不动产 window
    (10); the first town center has one comprehensive window. Categories: A 综合受理, B 社保医保
    (served at the town only), D 不动产登记."""
    categories = {
        "general": ServiceCategory.objects.create(code="general", letter="A", name="综合受理", order=1),
        "social": ServiceCategory.objects.create(code="social", letter="B", name="社保医保", order=2),
        "estate": ServiceCategory.objects.create(code="estate", letter="D", name="不动产登记", order=4),
    }
    point = world.points["hall"]
    windows = {
        "1": Window.objects.create(point=point, number="1", name="综合受理窗口"),
        "2": Window.objects.create(point=point, number="2", name="综合受理窗口"),
        "10": Window.objects.create(
            point=point, number="10", name="不动产登记窗口", kind=WindowKind.DEDICATED
        ),
        "town": Window.objects.create(point=world.points["center_a"], number="1", name="综合受理窗口"),
    }
    for key, codes in (
        ("1", ["general"]),
        ("2", ["general"]),
        ("10", ["estate"]),
        ("town", ["general", "social"]),
    ):
        for code in codes:
            WindowService.objects.create(window=windows[key], category=categories[code])
    return Hall(world=world, categories=categories, windows=windows)


@pytest.fixture
def morning(hall: Hall, time_machine: Any) -> Hall:
    """At 8:00 three numbers are taken at the hall (A001, A002, D001) and one at the town (A001), and
    two people book the hall's 11:00 slot. The town's A001 waits 2 minutes and is served in 3; at the
    hall, clerk ``hall`` calls A001 after 4 minutes and serves it in 6, clerk ``hall2`` calls A002 after
    12 and serves it in 10, ``hall`` calls D001 after 20 and nobody comes. One booked person checks in
    at 10:45 (a priority number, not called yet), the other never comes."""
    world = hall.world
    hall2 = f.StaffFactory(
        username="hall2", point=hall.point, region=world.regions["county"], window=hall.windows["2"]
    )
    town_clerk = world.staff["town_clerk"]
    general, estate = hall.categories["general"], hall.categories["estate"]
    AppointmentSchedule.objects.create(
        point=hall.point,
        category=general,
        days=ScheduleDays.WORKDAYS,
        start=dt.time(11, 0),
        end=dt.time(11, 30),
        capacity=2,
    )

    def clock(hour: int, minute: int) -> None:
        time_machine.move_to(at(day, hour, minute), tick=False)

    day = WEDNESDAY_MORNING.date()
    clock(8, 0)
    kiosk = TicketSource.KIOSK
    services.ticket_take(point=hall.point, category=general, source=kiosk)
    services.ticket_take(point=hall.point, category=general, source=kiosk)
    services.ticket_take(point=hall.point, category=estate, source=kiosk)
    services.ticket_take(point=world.points["center_a"], category=general, source=kiosk)
    slots_sync(point=hall.point)
    slot = AppointmentSlot.objects.get(point=hall.point, day=day, start=dt.time(11, 0))
    honoured, _code = appointment_book(slot=slot, name="王秀英", phone="13900000001")
    appointment_book(slot=slot, name="李建国", phone="13900000002")

    clock(8, 2)
    town_ticket = services.ticket_call_next(window=hall.windows["town"], actor=town_clerk)
    clock(8, 4)
    first = services.ticket_call_next(window=hall.windows["1"], actor=hall.clerk)
    clock(8, 5)
    services.ticket_serve(ticket=town_ticket, actor=town_clerk)
    clock(8, 10)
    services.ticket_serve(ticket=first, actor=hall.clerk)
    clock(8, 12)
    second = services.ticket_call_next(window=hall.windows["2"], actor=hall2)
    clock(8, 20)
    third = services.ticket_call_next(window=hall.windows["10"], actor=hall.clerk)
    clock(8, 21)
    services.ticket_no_show(ticket=third, actor=hall.clerk)
    clock(8, 22)
    services.ticket_serve(ticket=second, actor=hall2)
    clock(10, 45)
    appointment_check_in(appointment=honoured)
    clock(11, 31)
    appointments_mark_missed()
    return hall
