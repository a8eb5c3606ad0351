"""Background work of cases (style.md habit 9: thin and idempotent)."""

from __future__ import annotations

from celery import shared_task

from yichuang.cases.deadlines import sweep_deadlines


@shared_task(ignore_result=True)
def sweep_deadlines_task() -> dict[str, int]:
    """Daily: 到期预警 to handlers two working days ahead, 超期督办 to supervisors after."""
    result = sweep_deadlines()
    return {"warned": result.warned, "escalated": result.escalated}


@shared_task(ignore_result=True)
def remind_postchecks_task() -> int:
    """Daily: reviewers reminded of 告知承诺 post-checks due soon or overdue (once a day per check)."""
    from yichuang.cases.services.postcheck import remind_due_postchecks

    return remind_due_postchecks()


@shared_task(ignore_result=True)
def create_partitions_task() -> list[str]:
    """Daily: this and next year's partitions of cases, case events and the SMS outbox on PostgreSQL,
    so a new year's first case never lands in the DEFAULT partition (decision 146); idempotent."""
    from yichuang.common.partitions import partitions_ahead

    return partitions_ahead()
