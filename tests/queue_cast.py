"""The hall of the test county: categories, windows that serve them, the clerks at those windows.

The fixtures reach every test through ``pytest_plugins`` in ``tests/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from yichuang.org.models import Window, WindowKind
from yichuang.queue.models import ServiceCategory, WindowService

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
