"""Background work of documents: thin wrappers around the services (style.md habit 9)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from yichuang.documents.models import Document
from yichuang.documents.services import document_sign, documents_sign_pending


@shared_task(bind=True, max_retries=5, default_retry_delay=30, ignore_result=True)
def sign_document_task(self: Any, document_id: str) -> str:
    """Render and sign one document. Idempotent: a signed one is left alone. On a worker a failure is
    retried; run in-process it is logged, and the document is signed on its first request instead."""
    document = Document.objects.select_related("seal").filter(pk=document_id).first()
    if document is None:
        return "missing"
    try:
        return document_sign(document=document).status
    except Exception as exc:
        in_process = self.request.is_eager or self.request.called_directly or self.app.conf.task_always_eager
        if in_process:
            raise
        raise self.retry(exc=exc) from exc


@shared_task(ignore_result=True)
def sign_pending_documents() -> int:
    """The periodic sweep (Celery beat): documents whose own task never ran."""
    return documents_sign_pending()
