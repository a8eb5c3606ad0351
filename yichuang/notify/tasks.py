"""Background work of the outbox: thin wrappers around the services (style.md habit 9)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from yichuang.notify.services import sms_retry_pending, sms_send


@shared_task(bind=True, max_retries=None, ignore_result=True)
def send_sms_task(self: Any, message_id: int) -> str:
    """Send one message; on a worker, retry a failure with the backoff ``sms_send`` chose.

    Run eagerly (no Redis) or called directly there is no worker to come back later: the failure is
    recorded with its next attempt time and the ``retry_pending_sms`` sweep picks it up.
    """
    outcome = sms_send(message_id=message_id)
    in_process = self.request.is_eager or self.request.called_directly or self.app.conf.task_always_eager
    if outcome.retry_in is not None and not in_process:
        raise self.retry(countdown=outcome.retry_in.total_seconds())
    return outcome.status


@shared_task(ignore_result=True)
def retry_pending_sms() -> int:
    """The periodic sweep (Celery beat, or ``yichuang send_pending_sms`` from cron)."""
    return sms_retry_pending().attempted
