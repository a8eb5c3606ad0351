"""The monthly rollup of the hall's tickets (``QueueMonthFigure``), written after the nightly close.

A day's tickets are final once it is over and the close has ended those still waiting or called
(``tickets_close_day``): no service moves a ticket of an earlier day (a no-show may be requeued
only on its own day). Each night the months from the one holding the first day not yet summed to
yesterday's are summed again from their first day to yesterday, per point, window and category,
and ``queue.figures`` reads those rows for them from then on. The run is idempotent and safe on
several workers: the state row is locked, the months are rewritten whole.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yichuang.common.locks import locked_singleton
from yichuang.queue.figures import DEFAULT_TARGET_MINUTES, PARTIAL_MAXIMA, PARTIAL_SUMS, ticket_aggregates
from yichuang.queue.models import QueueMonthFigure, QueueRollupState, QueueTicket
from yichuang.queue.services import tickets_close_day
from yichuang.workdays.calendar import month_end, next_month


def queue_rollup(*, today: dt.date | None = None, since: dt.date | None = None) -> int:
    """Close the days before ``today`` and sum every month that has days not yet summed, up to
    yesterday; returns the number of ``QueueMonthFigure`` rows written. ``since`` sums again from
    that day's month even if it was summed (tickets written for past days: ``simulate``, an import)."""
    today = today or timezone.localdate()
    tickets_close_day(today=today)
    yesterday = today - dt.timedelta(days=1)
    written = 0
    with transaction.atomic():
        state = locked_singleton(QueueRollupState)
        previous = state.last_day
        if previous is None:
            earliest = QueueTicket.objects.filter(day__lte=yesterday).order_by("day")
            start = earliest.values_list("day", flat=True).first() or yesterday
        else:
            start = previous + dt.timedelta(days=1)
        if since is not None and since < start:
            start = since
        if start > yesterday:
            return 0
        month = start.replace(day=1)
        while month <= yesterday:
            written += _sum_month(month, min(month_end(month), yesterday), previous)
            month = next_month(month)
        _drop_unread_versions(previous)
        state.last_day = max(yesterday, previous or yesterday)
        state.save(update_fields=["last_day", "updated_at"])
    return written


def _read_version(month: dt.date, last_day: dt.date | None) -> dt.date | None:
    """The version of ``month``'s rows that a reader who saw ``last_day`` reads."""
    return None if last_day is None or last_day < month else min(month_end(month), last_day)


def _sum_month(month: dt.date, last: dt.date, previous: dt.date | None) -> int:
    """Write a new version of ``month``'s rows, from its first day to ``last``; keep the version a
    reader of the previous state may be reading, drop the others."""
    kept = _read_version(month, previous)
    old = QueueMonthFigure.objects.filter(month=month)
    (old.exclude(through=kept) if kept is not None and kept != last else old).delete()
    rows = (
        QueueTicket.objects.filter(day__gte=month, day__lte=last)
        .values("point_id", "window_id", "category_id")
        .annotate(**ticket_aggregates(DEFAULT_TARGET_MINUTES))
        .order_by()
    )
    figures = [
        QueueMonthFigure(
            month=month,
            through=last,
            **{name: row[name] or 0 for name in PARTIAL_SUMS},
            **{name: row[name] for name in ("point_id", "window_id", "category_id", *PARTIAL_MAXIMA)},
        )
        for row in rows
    ]
    QueueMonthFigure.objects.bulk_create(figures, batch_size=2000)
    return len(figures)


def _drop_unread_versions(previous: dt.date | None) -> None:
    """Versions older than the one a reader of the previous state reads (a month that ended keeps
    only its whole-month version)."""
    if previous is None:
        return
    pairs = QueueMonthFigure.objects.filter(through__lt=previous).values_list("month", "through").distinct()
    for month, through in pairs:
        if through != month_end(month) and through != _read_version(month, previous):
            QueueMonthFigure.objects.filter(month=month, through=through).delete()
