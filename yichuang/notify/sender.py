"""The in-process sender: sends the SMS of this process's requests when there is no task queue.

Without Redis there is no Celery worker; the message a case action wrote is sent by this process
after the action's transaction commits. Sending it in the request itself would make every action
wait for the gateway and for a second commit (the message marked sent). Instead the request hands
the message id to one background thread per process, which sends whatever has gathered since its
last round in one transaction (``sms_send_batch``): under load many messages share one commit, and
when idle a message leaves at once.

Nothing is lost if the process dies first: the message row was committed with the case action and
stays ``queued``; the sweep (``yichuang send_pending_sms``, or Celery beat) sends it later. At exit
the thread is given a few seconds to finish what it holds.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading

from django.db import connection

logger = logging.getLogger(__name__)

#: At most this many messages in one transaction.
BATCH_MAX = 100
#: Put on the queue to make the thread close its database connection.
_CLOSE = -1
#: How long the exit handler waits for the messages still held.
EXIT_WAIT_SECONDS = 5.0


class BackgroundSender:
    def __init__(self) -> None:
        self._queue: queue.Queue[int] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, message_id: int) -> None:
        self._ensure_running()
        self._queue.put(message_id)

    def flush(self, timeout: float | None = None, *, close_connection: bool = False) -> bool:
        """Wait until every submitted message has been attempted; False if ``timeout`` ran out.
        ``close_connection`` then also closes the thread's database connection (before a test
        database is dropped, or at exit)."""
        if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
            return True
        if close_connection:
            self._queue.put(_CLOSE)
        with self._queue.all_tasks_done:
            return self._queue.all_tasks_done.wait_for(lambda: not self._queue.unfinished_tasks, timeout)

    def _ensure_running(self) -> None:
        # After a fork (gunicorn workers) the parent's thread does not exist in the child.
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            if self._pid != os.getpid():
                self._queue = queue.Queue()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="sms-sender", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        from yichuang.notify.services import sms_send_batch

        while True:
            batch = [self._queue.get()]
            while len(batch) < BATCH_MAX:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            close = _CLOSE in batch
            ids = [message_id for message_id in batch if message_id != _CLOSE]
            try:
                connection.close_if_unusable_or_obsolete()
                if ids:
                    sms_send_batch(message_ids=ids)
            except Exception:
                logger.exception("SMS %s not sent now; the sweep will send them", batch)
                connection.close()
            finally:
                if close:
                    connection.close()
                for _message_id in batch:
                    self._queue.task_done()


background_sender = BackgroundSender()


@atexit.register
def _finish_at_exit() -> None:
    background_sender.flush(timeout=EXIT_WAIT_SECONDS, close_connection=True)
