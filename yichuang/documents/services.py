"""Writes of seals and documents.

Issuing is split in two so actions stay fast (the lifecycle benchmark, docs/benchmarks.md):

1. ``document_issue`` (``documents_issue`` for several) runs inside the owner's transaction and only
   writes ``Document`` rows: the kind, the seal the owner chose, a verify code and a JSON snapshot
   of what the document says. The owner composes that (``cases/documents.py`` for a case,
   ``handover/documents.py`` for a handover list); this app never imports its owners. A rolled-back
   action leaves no document.
2. After commit the PDF is rendered, its SM3 digest signed with the seal's SM2 key and stored
   (``document_sign``): by a Celery worker when ``REDIS_URL`` is set, else by this process's one
   background signer (``documents.signer``) — never in the request that issued it. A download that
   comes first waits briefly for it (``document_ready``, decision 69).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from yichuang.documents.crypto import (
    decrypt_private_key,
    encrypt_private_key,
    sm2_generate,
    sm2_sign,
    sm3_hex,
)
from yichuang.documents.models import Document, DocumentKind, DocumentStatus, Seal
from yichuang.documents.pdf import SealImage
from yichuang.documents.selectors import (
    _CODE_ALPHABET,
    format_code,
    read_stored,
    seal_again,
    signed_statement,
)
from yichuang.org.models import Department, ServicePoint, Staff

logger = logging.getLogger(__name__)


# —— seals ——


@transaction.atomic
def seal_create(
    *,
    code: str,
    kind: str,
    name: str,
    holder_name: str,
    caption: str = "",
    number: str = "",
    department: Department | None = None,
    issuer: Department | None = None,
    point: ServicePoint | None = None,
    valid_from: dt.datetime | None = None,
) -> Seal:
    """Register a seal with a fresh SM2 key pair; the private key is stored SM4-encrypted only."""
    pair = sm2_generate()
    seal = Seal(
        code=code,
        kind=kind,
        name=name,
        holder_name=holder_name,
        caption=caption,
        number=number,
        department=department,
        issuer=issuer,
        point=point,
        valid_from=valid_from or timezone.now(),
        public_key=pair.public_key,
        private_key=encrypt_private_key(pair.private_key),
    )
    seal.full_clean()
    seal.save()
    return seal


def seal_give_keys(seal: Seal) -> None:
    """A seal made in the admin gets its key pair here, before it is first saved."""
    if not seal.public_key:
        pair = sm2_generate()
        seal.public_key = pair.public_key
        seal.private_key = encrypt_private_key(pair.private_key)


@transaction.atomic
def seal_revoke(*, seal: Seal, at: dt.datetime | None = None, reason: str = "") -> Seal:
    """停用: documents signed from ``at`` on no longer verify; earlier ones stay genuine."""
    locked = Seal.objects.select_for_update().get(pk=seal.pk)
    if locked.revoked_at is None:
        locked.revoked_at = at or timezone.now()
        locked.revoke_reason = reason
        locked.save(update_fields=["revoked_at", "revoke_reason"])
    return locked


def seal_image(seal: Seal | None) -> SealImage | None:
    if seal is None:
        return None
    return SealImage(holder_name=seal.holder_name, caption=seal.caption, number=seal.number)


# —— issuing ——


def new_verify_code() -> str:
    """16 characters of Crockford's base 32 (80 random bits): unguessable, easy to read out and type."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))


def _document(
    *,
    owner: models.Model,
    kind: str,
    data: Mapping[str, Any],
    seal: Seal | None,
    actor: Staff | None,
    at: dt.datetime,
) -> Document:
    title = str(data.get("title") or DocumentKind(kind).label)
    return Document(
        **{Document.owner_field(owner): owner},
        kind=kind,
        title=title,
        seal=seal,
        verify_code=new_verify_code(),
        data={**data, "title": title},
        issued_at=at,
        issued_by=actor,
    )


def documents_issue(
    *,
    owner: models.Model,
    documents: Sequence[tuple[str, Mapping[str, Any], Seal | None]],
    actor: Staff | None,
    at: dt.datetime | None = None,
) -> list[Document]:
    """Write the rows of the documents ``owner`` (a case, a handover list) issues, each ``(kind, data,
    seal)``, in one insert; call it inside the owner's transaction. ``data`` is what the document says
    (its ``title`` the document's title, else the kind's name), ``seal`` the seal the owner's rule
    chose (None: the document is stored unsealed). Nothing is rendered here: the documents are
    handed to the signer once the transaction commits."""
    moment = at or timezone.now()
    rows = [
        _document(owner=owner, kind=kind, data=data, seal=seal, actor=actor, at=moment)
        for kind, data, seal in documents
    ]
    Document.objects.bulk_create(rows)
    _sign_after_commit(rows)
    return rows


def document_issue(
    *,
    owner: models.Model,
    kind: str,
    data: Mapping[str, Any],
    seal: Seal | None,
    actor: Staff | None,
    at: dt.datetime | None = None,
) -> Document:
    """One document of ``owner``: ``documents_issue`` for a single row."""
    document = _document(owner=owner, kind=kind, data=data, seal=seal, actor=actor, at=at or timezone.now())
    document.save(force_insert=True)
    _sign_after_commit([document])
    return document


def _sign_after_commit(documents: list[Document]) -> None:
    if getattr(settings, "DOCUMENTS_RENDER_AFTER_COMMIT", True) and not _deferred.get():
        ids = [str(d.pk) for d in documents]
        # Not robust=True: that would only log a failure; schedule_signing handles its own.
        transaction.on_commit(lambda: schedule_signing(ids))


_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar("documents_signing_deferred", default=False)


@contextlib.contextmanager
def signing_deferred() -> Iterator[None]:
    """Documents issued inside are signed on their first request, not after commit (bulk runs such as
    ``yichuang simulate``, where rendering thousands of PDFs nobody opens would dominate)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def signs_in_process() -> bool:
    """Whether this process signs its own documents: no task queue (Celery eager, no Redis)."""
    from yichuang.documents.tasks import sign_document_task

    return bool(sign_document_task.app.conf.task_always_eager)


def schedule_signing(document_ids: Iterable[str]) -> None:
    """After commit: hand the documents to whoever signs them, never signing here.

    With a task queue, one Celery task for them all (the documents of one action: decision 149). A
    broker that refuses it is logged as an error, and the documents go to this process's background
    signer instead, which retries (and the download of a document nobody signed for minutes signs
    it: ``document_ready``). Without a task
    queue, straight to the background signer (with ``DOCUMENTS_SIGN_IN_BACKGROUND`` off — the tests —
    it signs them at once, in the caller).
    """
    from yichuang.documents.signer import background_signer

    ids = list(document_ids)
    if not ids:
        return
    if signs_in_process():
        try:
            background_signer.submit(ids)
        except Exception:  # the action has committed: its answer must not become a 500
            logger.exception("documents %s could not be handed to the background signer", ids)
        return
    from yichuang.documents.tasks import sign_document_task

    try:
        # One task for the documents of one commit: one read, one lock, one commit (decision 149).
        sign_document_task.delay(ids)
    except Exception:
        logger.exception("documents %s could not be handed to the task queue", ", ".join(ids))
        logger.error("%d document(s) refused by the task queue are signed by this process instead", len(ids))
        background_signer.submit(ids)


# —— rendering and signing ——


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_URL}/verify/{code}"


def document_sign(*, document: Document) -> Document:
    """Render the PDF, store it, sign its SM3 digest with the seal; idempotent.

    The seal picked at issue signs it, unless it was revoked since: then the rule picks again (a
    revoked seal must not sign). Rendering happens before the row is locked; the lock only guards
    the write, so a worker and an on-demand request never both store a file for one document.
    """
    if document.status != DocumentStatus.PENDING:
        return document
    return _store_signed([_rendered(document, timezone.now())])[0]


def documents_sign(*, documents: Sequence[Document]) -> tuple[list[Document], dict[str, Exception]]:
    """``document_sign`` for the documents one action issued, in one transaction: each rendered (one
    that fails to render is left pending and reported, the others go on), then all their rows locked
    and written with one lock and one commit (decision 149). The documents as stored, and the ids of
    those that failed with why."""
    now = timezone.now()
    done: list[Document] = [d for d in documents if d.status != DocumentStatus.PENDING]
    rendered: list[_Rendered] = []
    failed: dict[str, Exception] = {}
    for document in documents:
        if document.status != DocumentStatus.PENDING:
            continue
        try:
            rendered.append(_rendered(document, now))
        except Exception as exc:
            logger.exception("document %s could not be rendered", document.pk)
            failed[str(document.pk)] = exc
    if rendered:
        done += _store_signed(rendered)
    return done, failed


class _Rendered:
    """A document's PDF made outside the lock, with its digest and the seal (and key) that signs it."""

    __slots__ = ("digest", "document", "pdf", "private_key", "seal")

    def __init__(self, document: Document, pdf: bytes, seal: Seal | None, private_key: str) -> None:
        self.document, self.pdf, self.seal, self.private_key = document, pdf, seal, private_key
        self.digest = sm3_hex(pdf)


def _rendered(document: Document, now: dt.datetime) -> _Rendered:
    seal = document.seal
    if seal is None or not seal.valid_at(now):
        seal = seal_again(document, now)
    issuer = (
        seal.holder_name
        if seal is not None
        else str(document.data.get("issuer") or document.data.get("case", {}).get("department", ""))
    )
    from yichuang.documents.render import render_document

    pdf = render_document(
        kind=document.kind,
        data=document.data,
        verify_code=format_code(document.verify_code),
        verify_url=verify_url(document.verify_code),
        issuer=issuer,
        seal=seal_image(seal),
    )
    private_key = (
        decrypt_private_key(seal.private_key, public_key=seal.public_key) if seal is not None else ""
    )
    return _Rendered(document, pdf, seal, private_key)


#: The columns signing writes (the rest of the row — its JSON snapshot above all — stays as issued).
_SIGNED_FIELDS = ["file", "size", "sm3", "seal", "signed_at", "signature", "status"]


def _store_signed(rendered: Sequence[_Rendered]) -> list[Document]:
    """Lock the rows of ``rendered``, and store and sign those still pending, in one transaction."""
    with transaction.atomic():
        # FOR UPDATE OF the document only: PostgreSQL refuses to lock the nullable side of a join.
        locked = Document.objects.select_for_update(of=("self",))
        if len(rendered) == 1:
            rows = {rendered[0].document.pk: locked.get(pk=rendered[0].document.pk)}
        else:
            rows = {row.pk: row for row in locked.filter(pk__in=[r.document.pk for r in rendered])}
        out, written = [], []
        for made in rendered:
            row = rows[made.document.pk]
            out.append(row)
            if row.status != DocumentStatus.PENDING:
                continue  # signed meanwhile (another worker, a download): its file stays
            row.file.save(f"{row.pk.hex}.pdf", ContentFile(made.pdf), save=False)
            row.size = len(made.pdf)
            row.sm3 = made.digest
            row.seal = made.seal
            if made.seal is not None:
                row.signed_at = timezone.now()
                row.signature = sm2_sign(
                    private_key=made.private_key,
                    public_key=made.seal.public_key,
                    message=signed_statement(row, digest=made.digest),
                )
                row.status = DocumentStatus.SIGNED
            else:
                # An applicant's own form (申请表) carries no seal by design; any other kind should.
                log = logger.info if row.kind == DocumentKind.APPLICATION_FORM else logger.warning
                log("document %s (%s): no seal in force, stored unsealed", row.pk, row.kind)
                row.status = DocumentStatus.UNSEALED
            written.append(row)
        if len(written) == 1:
            written[0].save(update_fields=_SIGNED_FIELDS)
        elif written:
            Document.objects.bulk_update(written, _SIGNED_FIELDS)
    return out


class DocumentPending(Exception):
    """The document is being made: ask again in ``retry_after`` seconds."""

    def __init__(self, document: Document, retry_after: int) -> None:
        super().__init__(f"document {document.pk} is still being signed")
        self.document = document
        self.retry_after = retry_after


def document_ready(*, document: Document, wait: float | None = None) -> Document:
    """``document`` signed (or stored unsealed), for a download or the verify page.

    A pending one is being made by the worker or the background signer: wait for it up to ``wait``
    seconds (``DOCUMENTS_PENDING_WAIT_SECONDS``), then raise ``DocumentPending`` — never hand out an
    unsigned file. Unless it has been pending for ``DOCUMENTS_SIGN_ON_DEMAND_AFTER_SECONDS``: then no
    signer is coming (a process killed before it signed, documents of ``signing_deferred``, a task
    lost with its broker) and it is signed here, in the request (decision 69).
    """
    if document.status != DocumentStatus.PENDING:
        return document
    if _overdue(document):
        return document_sign(document=document)
    budget = float(settings.DOCUMENTS_PENDING_WAIT_SECONDS if wait is None else wait)
    deadline = time.monotonic() + budget
    pause = 0.05
    while time.monotonic() < deadline:
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.25)
        status = Document.objects.filter(pk=document.pk).values_list("status", flat=True).first()
        if status is not None and status != DocumentStatus.PENDING:
            return Document.objects.select_related("seal", "case", "handover").get(pk=document.pk)
    raise DocumentPending(document, retry_after=max(1, round(budget) or 1))


def _overdue(document: Document) -> bool:
    after = dt.timedelta(seconds=float(settings.DOCUMENTS_SIGN_ON_DEMAND_AFTER_SECONDS))
    return document.issued_at <= timezone.now() - after


def document_content(*, document: Document) -> bytes:
    """The stored PDF, signed first here if nobody has yet (``document_ready`` decides whether a
    request may: this is for code that must have the file now — the tests, a handover list's PDF
    sent before lists were sealed)."""
    if document.status == DocumentStatus.PENDING:
        document = document_sign(document=document)
    content = read_stored(document)
    if content is None:
        raise FileNotFoundError(f"document {document.pk}: stored file missing")
    return content


@transaction.atomic
def document_resign(*, document: Document) -> Document:
    """An unsealed document (no seal was registered) is made again once a seal exists (admin action)."""
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.status != DocumentStatus.UNSEALED:
        raise ValidationError("只有未盖章的文书可以重新签章。")
    stale = locked.file.name
    locked.status = DocumentStatus.PENDING
    locked.seal = None
    locked.file = ""
    locked.save(update_fields=["status", "seal", "file"])

    def after_commit() -> None:
        if stale:
            locked.file.storage.delete(stale)
        schedule_signing([str(locked.pk)])

    transaction.on_commit(after_commit)
    return locked
