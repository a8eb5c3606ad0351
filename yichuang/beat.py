"""Celery beat inside the serving process, for an installation without Redis (``yichuang demo``).

With ``REDIS_URL`` set, ``celery -A yichuang beat`` is a process of its own beside the workers
(docs/deployment.md) and nothing here runs. Without Redis there is no worker either: tasks run eagerly
(``CELERY_TASK_ALWAYS_EAGER``), so when the embedded beat's scheduler calls ``apply_async`` for a due
entry of ``CELERY_BEAT_SCHEDULE`` the task runs right there, in the beat thread. The schedule, its
persistent file and the error handling are Celery's own (``celery.beat.EmbeddedService``): a task that
raises is logged by the scheduler and the thread goes on to the next entry.

Started only by ``yichuang demo`` just before it serves: never by tests, other management commands or
app servers behind a proxy (several gunicorn workers would each run the schedule).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from celery.beat import EmbeddedService, PersistentScheduler
from django.conf import settings
from django.db import close_old_connections, connections

from yichuang.celery import app

if TYPE_CHECKING:
    from celery.beat import _Threaded

logger = logging.getLogger(__name__)

#: The schedule file (Celery's shelve of each entry's last run) under ``YICHUANG_DATA_DIR``.
SCHEDULE_FILE = "celerybeat-schedule"


class InProcessScheduler(PersistentScheduler):
    """Celery's persistent scheduler, treating its thread's database connection as a request does:
    checked before and after each task (a connection past ``CONN_MAX_AGE`` or broken is dropped), and
    closed when the beat stops."""

    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        close_old_connections()
        try:
            super().apply_entry(entry, producer=producer)
        finally:
            close_old_connections()

    def close(self) -> None:
        try:
            super().close()
        finally:
            connections.close_all()


def in_process_beat_wanted() -> bool:
    """Whether the schedule must run in this process: no Redis, hence no ``celery beat``, and tasks
    that run where they are applied (a task sent to the in-memory broker would wait for ever)."""
    return not settings.REDIS_URL and bool(app.conf.task_always_eager)


def in_process_beat_start() -> Any | None:
    """Start the beat thread (a daemon: it never keeps the process alive) and return it, or ``None``
    when ``celery beat`` runs elsewhere (``REDIS_URL`` is set)."""
    if not in_process_beat_wanted():
        return None
    # An entry whose task is not registered would be sent to the in-memory broker that nobody reads:
    # import every app's tasks module first (what a worker does at start).
    app.loader.import_default_modules()
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    # thread=True: the service is the thread flavour (the stubs give the union of both).
    beat = cast(
        "_Threaded",
        EmbeddedService(
            app,
            thread=True,
            schedule_filename=str(Path(settings.DATA_DIR) / SCHEDULE_FILE),
            scheduler_cls=InProcessScheduler,
        ),
    )
    beat.start()
    logger.info(
        "Celery beat runs in this process (no REDIS_URL): %d periodic tasks", len(app.conf.beat_schedule)
    )
    return beat


def in_process_beat_stop(beat: Any, *, timeout: float = 60.0) -> bool:
    """Ask the beat thread to stop after the task it may be running, and wait for it to save its
    schedule file; ``True`` when it has stopped within ``timeout`` seconds."""
    beat.service.stop()
    beat.join(timeout)
    return not beat.is_alive()
