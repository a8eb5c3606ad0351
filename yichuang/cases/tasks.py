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
