"""Handing work to the task queue (Celery on Redis) without ever losing it silently.

A case action writes its SMS and documents in its transaction, then queues their sending and
signing after commit. If the queue cannot take them (Redis down, or a transport that cannot even be
imported, as when kombu 5.7 moved ``packaging`` into its ``redis`` extra: issue 13), the request
must still succeed, since the rows are committed, but the failure must be loud: it is logged at
ERROR with its traceback and says which sweep will retry the work. Django's
``on_commit(..., robust=True)`` would log it under ``django.db.backends.base`` with nothing about
what was lost; the app servers and workers also refuse to start when the broker's transport cannot
be loaded (``broker_transport_problem``), and ``/readyz`` answers 503 while the broker is down.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

logger = logging.getLogger("yichuang.enqueue")


def enqueue(task: Any, *args: Any, what: str, retry: str) -> bool:
    """``task.delay(*args)``; False (and an ERROR naming ``what`` and ``retry``) when the queue
    refused it. Never raises: the caller's transaction has committed already."""
    try:
        task.delay(*args)
    except Exception as exc:
        logger.error(
            "任务队列不可用，%s 未能排队（%s: %s）；%s。Could not queue %s; %s.",
            what,
            type(exc).__name__,
            exc,
            retry,
            what,
            retry,
            exc_info=True,
        )
        return False
    return True


def uses_broker() -> bool:
    """Whether tasks go to a broker (Redis) rather than running in the calling process."""
    from yichuang.celery import app

    return not app.conf.task_always_eager


def broker_transport_problem() -> str | None:
    """Why the broker's transport cannot be loaded (a missing module), or None. Loads the transport
    class (what the first ``delay`` would do) without connecting."""
    if not uses_broker():
        return None
    from yichuang.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.transport  # noqa: B018 - imports kombu's transport module
    except ImportError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def refuse_without_broker_transport() -> None:
    """Called where a server or a worker starts: without its transport no task could ever be queued."""
    from django.core.exceptions import ImproperlyConfigured

    problem = broker_transport_problem()
    if problem:
        raise ImproperlyConfigured(
            f"任务队列（REDIS_URL={_masked(settings.REDIS_URL)}）的传输模块无法加载：{problem}。"
            "请用 pip install '.[prod]'（含 celery[redis]）重新安装。"
            f"The task queue's transport cannot be loaded ({problem}); reinstall with celery[redis]."
        )


def _masked(url: str) -> str:
    """A broker URL without its password, for messages."""
    if "@" not in url:
        return url
    scheme, _sep, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"
