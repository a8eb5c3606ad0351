"""The in-process signer: renders and signs this process's documents when there is no task queue.

Without Redis there is no Celery worker, and Celery would run the signing task eagerly — in the
request that issued the documents, adding the PDF (reportlab and the QR code, ~13 ms) and the
signature to every case action. Instead the request hands the document ids, after its transaction
commits, to one background thread per process, which renders and signs them, the documents of one
commit together (decision 149).

- Lazily started, and again after a fork (a gunicorn worker, the autoreloader's child): the parent's
  thread does not exist in the child, so the process id is checked on every submit.
- On start it also takes up the pending documents of the last ``DOCUMENTS_RECOVER_HOURS`` that
  nobody signed (a process killed between commit and signing), in random order and re-reading each
  one's status first, so that several workers starting together rarely render the same document.
  Older ones are signed when first asked for (``services.document_ready``).
- A document that fails to render or sign is logged as an error and tried again after 5 s, 30 s,
  2 min, 10 min; after that it waits for its first download (which signs an overdue document).
- The thread's database connection is checked before each document (one past ``CONN_MAX_AGE`` or
  broken is replaced), closed after a failure and at exit.
- ``DOCUMENTS_SIGN_IN_BACKGROUND = False`` (the tests) signs in the caller instead, at once: a
  test's transaction is never committed, so a thread could not see its documents.
"""

from __future__ import annotations

import atexit
import datetime as dt
import heapq
import logging
import os
import queue
import random
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

#: Seconds before each new attempt at a document that failed.
RETRY_DELAYS = (5.0, 30.0, 120.0, 600.0)
#: How long the exit handler waits for the documents still held.
EXIT_WAIT_SECONDS = 5.0
#: Queue markers: take up the documents left pending; close the database connection.
_RECOVER = "recover"
_CLOSE = "close"


class BackgroundSigner:
    def __init__(self) -> None:
        #: Markers, or the ids of the documents one commit issued (signed together: decision 149).
        self._queue: queue.Queue[str | tuple[str, ...]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        #: (when, document ids, attempts so far) of documents to try again.
        self._retries: list[tuple[float, tuple[str, ...], int]] = []

    def submit(self, document_ids: Iterable[str]) -> None:
        """Sign ``document_ids`` soon, in this process's background thread (started if need be)."""
        ids = tuple(str(document_id) for document_id in document_ids)
        if not ids:
            return
        if not getattr(settings, "DOCUMENTS_SIGN_IN_BACKGROUND", True):
            # in the caller, on the caller's connection (inside its transaction)
            self._sign(ids, attempt=0, own_connection=False)
            return
        self.ensure_running()
        self._queue.put(ids)

    def flush(self, timeout: float | None = None, *, close_connection: bool = False) -> bool:
        """Wait until every submitted document has been attempted once; False if ``timeout`` ran out.
        ``close_connection`` then also closes the thread's database connection (before a test
        database is dropped, or at exit)."""
        if not self.running():
            return True
        if close_connection:
            self._queue.put(_CLOSE)
        with self._queue.all_tasks_done:
            return self._queue.all_tasks_done.wait_for(lambda: not self._queue.unfinished_tasks, timeout)

    def running(self) -> bool:
        return self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()

    def ensure_running(self) -> None:
        if self.running():
            return
        with self._lock:
            if self.running():
                return
            if self._pid != os.getpid():  # a forked child: the parent's queue and thread are not ours
                self._queue = queue.Queue()
                self._retries = []
            self._pid = os.getpid()
            self._queue.put(_RECOVER)
            self._thread = threading.Thread(target=self._run, name="document-signer", daemon=True)
            self._thread.start()

    # —— the thread ——

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self._until_next_retry())
            except queue.Empty:
                self._retry_due()
                continue
            try:
                if item == _RECOVER:
                    self._recover()
                elif item == _CLOSE:
                    connection.close()
                elif isinstance(item, tuple):
                    self._sign(item, attempt=0)
                self._retry_due()
            finally:
                self._queue.task_done()

    def _until_next_retry(self) -> float | None:
        if not self._retries:
            return None
        return max(0.0, self._retries[0][0] - time.monotonic())

    def _retry_due(self) -> None:
        now = time.monotonic()
        while self._retries and self._retries[0][0] <= now:
            _when, document_ids, attempts = heapq.heappop(self._retries)
            self._sign(document_ids, attempt=attempts)

    def _recover(self) -> None:
        from yichuang.documents.models import Document, DocumentStatus

        since = timezone.now() - dt.timedelta(hours=float(settings.DOCUMENTS_RECOVER_HOURS))
        try:
            connection.close_if_unusable_or_obsolete()
            left = [
                str(pk)
                for pk in Document.objects.filter(status=DocumentStatus.PENDING, issued_at__gte=since)
                .order_by()
                .values_list("pk", flat=True)
            ]
        except Exception:
            logger.exception("the documents left pending could not be read; they are signed when asked for")
            connection.close()
            return
        if left:
            logger.info("%d document(s) pending at start: signing them", len(left))
        random.shuffle(left)
        for document_id in left:
            self._sign((document_id,), attempt=0)

    def _sign(self, document_ids: tuple[str, ...], *, attempt: int, own_connection: bool = True) -> None:
        """Sign the documents of one commit together; those that fail are tried again later."""
        from yichuang.documents.models import Document, DocumentStatus
        from yichuang.documents.services import documents_sign

        failed: tuple[str, ...] = ()
        try:
            if own_connection:
                connection.close_if_unusable_or_obsolete()
            # Signed meanwhile (another process, a download): nothing to do for those.
            pending = list(
                Document.objects.select_related("seal").filter(
                    pk__in=document_ids, status=DocumentStatus.PENDING
                )
            )
            if pending:
                _done, errors = documents_sign(documents=pending)
                failed = tuple(sorted(errors))
        except Exception:
            failed = document_ids
            logger.exception("documents %s could not be signed", ", ".join(document_ids))
        if not failed:
            return
        what = ", ".join(failed)
        if not own_connection:
            logger.error("documents %s could not be signed; they are signed when first asked for", what)
            return
        if attempt < len(RETRY_DELAYS):
            delay = RETRY_DELAYS[attempt]
            logger.error(
                "documents %s could not be signed (attempt %d); trying again in %g s",
                what,
                attempt + 1,
                delay,
            )
            heapq.heappush(self._retries, (time.monotonic() + delay, failed, attempt + 1))
        else:
            logger.error(
                "documents %s could not be signed (attempt %d); they are signed when first asked for",
                what,
                attempt + 1,
            )
        connection.close()


background_signer = BackgroundSigner()


@atexit.register
def _finish_at_exit() -> None:
    background_signer.flush(timeout=EXIT_WAIT_SECONDS, close_connection=True)
