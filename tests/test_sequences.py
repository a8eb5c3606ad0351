"""One way to draw readable numbers (common.sequences) for cases, handover lists, 12345 tickets and
queue tickets: per key, 1, 2, 3 … and another key starts again at 1."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from tests import factories as f
from yichuang.cases.models import CaseSequence
from yichuang.common.sequences import sequence_next
from yichuang.handover.models import HandoverSequence
from yichuang.hotline.models import TicketSequence
from yichuang.queue.models import QueueTicketSequence, ServiceCategory

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


def test_rows_in_the_key_are_given_as_rows_or_as_their_ids():
    hall = f.PointFactory(region=f.RegionFactory())
    general = ServiceCategory.objects.create(code="general", name="综合受理", letter="A")
    estate = ServiceCategory.objects.create(code="estate", name="不动产", letter="D")
    assert sequence_next(QueueTicketSequence, point=hall, day=DAY, category=general) == 1
    assert sequence_next(QueueTicketSequence, point=hall.pk, day=DAY, category=general.pk) == 2
    assert sequence_next(QueueTicketSequence, point=hall, day=DAY, category=estate) == 1


def test_a_number_drawn_in_a_transaction_that_rolls_back_is_drawn_again():
    sequence_next(HandoverSequence, county="411502", day=DAY)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert sequence_next(HandoverSequence, county="411502", day=DAY) == 2
        raise RuntimeError("the list was not saved")
    assert sequence_next(HandoverSequence, county="411502", day=DAY) == 2


@pytest.mark.django_db(transaction=True)
def test_clerks_drawing_at_the_same_moment_never_get_the_same_number():
    drawn: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def clerk() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                with transaction.atomic():
                    drawn.append(sequence_next(HandoverSequence, county="411502", day=DAY))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(drawn) == list(range(1, 21))
