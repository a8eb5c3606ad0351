"""Background work of integrations: thin wrappers around the services (style.md habit 9)."""

from __future__ import annotations

from celery import shared_task

from yichuang.integrations.services import events_deliver


@shared_task(ignore_result=True)
def deliver_events_task(ids: list[int]) -> int:
    """Post the events one action produced, right after it committed (with a task queue)."""
    return events_deliver(ids=ids)


@shared_task(ignore_result=True)
def deliver_due_events() -> int:
    """The sweep: retries that have come due, and events whose task was lost. Run by beat."""
    total = 0
    while True:
        posted = events_deliver(limit=50)
        total += posted
        if posted < 50:
            return total


@shared_task(ignore_result=True)
def report_ratings() -> int:
    """好差评 records to the national system, batch after batch while there are due ones."""
    from django.conf import settings

    from yichuang.integrations.rating_report import BATCH, reports_push

    if not settings.RATING_REPORT_URL:
        return 0
    total = 0
    while True:
        posted = reports_push()
        total += posted
        if posted < BATCH:
            return total
