"""The daily rollup of the hall's tickets (``QueueDayFigure``), written after the nightly close.

A day's tickets are final once it is over and the close has ended those still waiting or called
(``tickets_close_day``): no service moves a ticket of an earlier day. So each day is summed once,
per point, window and category, and ``queue.figures`` reads those rows for it from then on. The
run is idempotent and safe on several workers: the state row is locked, the days after the last
one summed are (re)written whole, and a run that finds nothing new does nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from yichuang.queue.figures import DEFAULT_TARGET_MINUTES, ticket_aggregates
from yichuang.queue.models import QueueDayFigure, QueueRollupState, QueueTicket
from yichuang.queue.services import tickets_close_day

#: Days summed per statement, so that the first run over years of tickets stays bounded.
CHUNK_DAYS = 31


def _state() -> QueueRollupState:
    try:
        with transaction.atomic():
            QueueRollupState.objects.get_or_create(pk=1)
    except IntegrityError:  # pragma: no cover - two first runs at once; the other created it
        pass
    return QueueRollupState.objects.select_for_update().get(pk=1)


def queue_rollup(*, today: dt.date | None = None) -> int:
    """Close the days before ``today`` and sum every day not yet summed; returns the number of
    ``QueueDayFigure`` rows written."""
    today = today or timezone.localdate()
    tickets_close_day(today=today)
    last = today - dt.timedelta(days=1)
    written = 0
    with transaction.atomic():
        state = _state()
        start = state.last_day + dt.timedelta(days=1) if state.last_day else None
        if start is None:
            earliest = QueueTicket.objects.order_by("day").values_list("day", flat=True).first()
            start = earliest or today
        while start <= last:
            end = min(last, start + dt.timedelta(days=CHUNK_DAYS - 1))
            written += _sum_days(start, end)
            start = end + dt.timedelta(days=1)
        if state.last_day is None or state.last_day < last:
            state.last_day = last
            state.save(update_fields=["last_day", "updated_at"])
    return written


def _sum_days(first: dt.date, last: dt.date) -> int:
    QueueDayFigure.objects.filter(day__gte=first, day__lte=last).delete()
    rows = (
        QueueTicket.objects.filter(day__gte=first, day__lte=last)
        .values("day", "point_id", "window_id", "category_id")
        .annotate(**ticket_aggregates(DEFAULT_TARGET_MINUTES))
        .order_by()
    )
    figures = [
        QueueDayFigure(
            day=row["day"],
            point_id=row["point_id"],
            window_id=row["window_id"],
            category_id=row["category_id"],
            taken=row["taken"],
            called=row["called"],
            served=row["served"],
            no_show=row["no_show"],
            cancelled=row["cancelled"],
            unserved=row["unserved"],
            priority=row["priority"],
            from_appointments=row["from_appointments"],
            within_target=row["within"],
            wait_sum=row["wait_sum"] or 0,
            max_wait=row["max_wait"],
            service_sum=row["service_sum"] or 0,
            service_count=row["service_n"],
            max_service=row["max_service"],
        )
        for row in rows
    ]
    QueueDayFigure.objects.bulk_create(figures, batch_size=2000)
    return len(figures)
