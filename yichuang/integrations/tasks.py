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
