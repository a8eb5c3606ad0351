"""Background work of documents: thin wrappers around the services (style.md habit 9).

Only with a task queue (``REDIS_URL``): without one the process's own background signer
(``documents.signer``) does this work, never the request.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from yichuang.documents.models import Document, DocumentStatus
from yichuang.documents.services import document_sign, documents_sign

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, default_retry_delay=30, ignore_result=True)
def sign_document_task(self: Any, document_id: str | list[str]) -> str:
    """Render and sign the documents one action issued (a list of ids; one id, as queued before
    decision 149, is still taken) with one read, one lock and one commit. Idempotent: a signed one is
    left alone; those that failed are retried, the others stay signed."""
    ids = [document_id] if isinstance(document_id, str) else [str(i) for i in document_id]
    found = list(Document.objects.select_related("seal").filter(pk__in=ids))
    if not found:
        return "missing"
    try:
        done, failed = documents_sign(documents=found)
    except Exception as exc:  # the write failed: none of them is signed
        failed, done = dict.fromkeys(ids, exc), []
    if failed:
        why = next(iter(failed.values()))
        if self.request.is_eager or self.request.called_directly:
            raise why
        logger.error("documents %s could not be signed; the task is retried", sorted(failed), exc_info=why)
        raise self.retry(args=[sorted(failed)], exc=why) from why
    return ",".join(sorted({d.status for d in done}))


@shared_task(ignore_result=True)
def sign_pending_documents() -> int:
    """Sign the documents of the last ``DOCUMENTS_RECOVER_HOURS`` still pending a minute after they
    were issued: their task was lost (a worker killed while signing, a broker that forgot, a process
    killed before its background signer got to them). Run by beat every five minutes; documents are
    taken in random order and skipped when signed meanwhile, so two runs rarely render the same one."""
    now = timezone.now()
    left = list(
        Document.objects.filter(
            status=DocumentStatus.PENDING,
            issued_at__gte=now - dt.timedelta(hours=float(settings.DOCUMENTS_RECOVER_HOURS)),
            issued_at__lte=now - dt.timedelta(minutes=1),
        ).values_list("pk", flat=True)
    )
    random.shuffle(left)
    signed = 0
    for pk in left:
        document = (
            Document.objects.select_related("seal").filter(pk=pk, status=DocumentStatus.PENDING).first()
        )
        if document is not None:
            document_sign(document=document)
            signed += 1
    if signed:
        logger.info("signed %d document(s) left pending", signed)
    return signed
