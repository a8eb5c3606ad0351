"""Test helpers for anyone computing deadlines: a pytest fixture that starts from a fresh calendar.

The compiled calendar lives in process memory and a rolled-back test transaction leaves no trace
a change marker could see, so a test that imports or edits holidays must not leak its calendar
into the next test. Use it with ``from yichuang.workdays.testing import fresh_calendar``; it is
autouse, so importing it into a test module is enough.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from yichuang.workdays.selectors import invalidate_calendar_cache


@pytest.fixture(autouse=True)
def fresh_calendar() -> Iterator[None]:
    invalidate_calendar_cache()
    yield
    invalidate_calendar_cache()
