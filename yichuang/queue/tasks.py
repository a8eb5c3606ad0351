"""Background work of the hall (style.md habit 9: thin and idempotent)."""

from __future__ import annotations

from celery import shared_task

from yichuang.queue.appointments import appointments_mark_missed, slots_sync_all
from yichuang.queue.rollup import queue_rollup


@shared_task(ignore_result=True)
def sync_slots() -> int:
    """Nightly: the booking period's slots of every point follow its schedules."""
    return slots_sync_all()


@shared_task(ignore_result=True)
def mark_missed() -> int:
    """Every quarter of an hour: appointments whose slot ended without a check-in are 爽约."""
    return appointments_mark_missed()


@shared_task(ignore_result=True)
def close_day() -> int:
    """Nightly: yesterday's tickets still waiting or called end as 当日未办理, and the closed days
    are summed for the figures."""
    return queue_rollup()
