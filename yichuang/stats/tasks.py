"""Background work of the statistics (style.md habit 9)."""

from __future__ import annotations

from celery import shared_task

from yichuang.stats.services import rollup_all


@shared_task(ignore_result=True)
def rollup_figures() -> int:
    """Every few minutes: fold new timeline events into the monthly figures."""
    return rollup_all()
