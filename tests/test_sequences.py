"""One way to draw readable numbers (common.sequences) for cases, handover lists, 12345 tickets and
queue tickets: per key, 1, 2, 3 … and another key starts again at 1."""

from __future__ import annotations

import datetime as dt

import pytest

from yichuang.cases.models import CaseSequence
from yichuang.common.sequences import sequence_next
from yichuang.hotline.models import TicketSequence

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 7)


def test_each_county_and_day_counts_from_one():
    drawn = [sequence_next(CaseSequence, county="411502", day=DAY) for _ in range(3)]
    assert drawn == [1, 2, 3]
    assert sequence_next(CaseSequence, county="411503", day=DAY) == 1
    assert sequence_next(CaseSequence, county="411502", day=DAY + dt.timedelta(days=1)) == 1
    assert CaseSequence.objects.get(county="411502", day=DAY).last == 3


def test_a_counter_keyed_by_the_day_alone_counts_the_same_way():
    assert [sequence_next(TicketSequence, day=DAY) for _ in range(2)] == [1, 2]
