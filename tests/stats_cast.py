"""The month of work the dashboard tests read: cases made through the API, rolled up.

The fixtures reach every test through ``pytest_plugins`` in ``tests/conftest.py``. The API helpers of
``tests/test_cases.py`` are imported when a fixture runs, not when this plugin loads, so that module is
still collected (and its asserts rewritten) by pytest itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from yichuang.stats.services import rollup_all

#: Rolled up as if the sweep ran a few minutes later, when the events have settled.
LATER = dt.timedelta(minutes=5)


@pytest.fixture
def month_of_work(county: Any, clerk: Any, reviewer: Any) -> Any:
    """Town A: two 低保 cases (one approved and picked up on the spot), one immediate 高龄津贴 done in one
    sitting; the county hall: one 低保 still open."""
    from tests.test_cases import act, application, client_for

    def complete(client: Any, **extra: Any) -> Any:
        return application(client, provide=("M001", "M002", "M020"), commitments=["M010"], **extra)

    numbers = [
        clerk.post("/api/v1/cases/", complete(clerk), format="json").json()["number"] for _ in range(2)
    ]
    act(reviewer, numbers[0], "approve")
    act(clerk, numbers[0], "deliver", method="pickup")
    immediate = clerk.post(
        "/api/v1/cases/", application(clerk, item="GL", provide=("M001",)), format="json"
    ).json()
    act(clerk, immediate["number"], "approve")
    act(clerk, immediate["number"], "deliver", method="pickup")
    hall = client_for(county.staff["hall_clerk"])
    hall.post("/api/v1/cases/", complete(hall, point="HALL"), format="json")
    rollup_all(now=timezone.now() + LATER)
    return county
