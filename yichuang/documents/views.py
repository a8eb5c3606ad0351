"""The public verify page ``/verify/{code}`` (contract.md): no login, plain HTML, no CDN.

GET recomputes the stored file's SM3 digest and the SM2 signature and says whether the document is
genuine, which seal signed it, for which case (applicant masked) — or for which handover list, from
which unit to which — and when; of a document issued moments ago and still being signed it says
"正在生成" (503 with Retry-After) rather than judge an unsigned file. POST takes a copy someone
holds and says, in addition, whether it is byte for byte the document that was signed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yichuang.common.throttles import page_allowed
from yichuang.documents.crypto import KeyDecryptionError, MasterKeyError, Sm3Stream
from yichuang.documents.models import HANDOVER_KINDS, Document, DocumentStatus
from yichuang.documents.selectors import (
    Verdict,
    document_by_code,
    format_code,
    normalise_code,
    verify_document,
)
from yichuang.documents.services import DocumentPending, document_ready

logger = logging.getLogger(__name__)
CHUNK = 64 * 1024


def _copy_digest(request: HttpRequest) -> tuple[str | None, str]:
    """The SM3 digest of the uploaded copy, or an error message for the form."""
    upload = request.FILES.get("file")
    if upload is None:
        return None, _("请选择要核验的 PDF 文件。")
    limit = int(getattr(settings, "FILE_MAX_BYTES", 20 * 1024 * 1024))
    if upload.size is not None and upload.size > limit:
        return None, _("文件过大，不能超过 %(mib)s MiB。") % {"mib": f"{limit / 1048576:g}"}
    digest = Sm3Stream()
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    return digest.hexdigest(), ""


def _unit_name(ref: str) -> str:
    """The name of the unit a signed ``point:CA`` / ``department:MZJ`` names, as the organization
    holds it (the ref is signed; the name copied into the document's data is not)."""
    from yichuang.org.models import Department, ServicePoint

    kind, _sep, code = (ref or "").partition(":")
    found: str | None = None
    if kind == "point" and code:
        found = ServicePoint.objects.filter(code=code).values_list("name", flat=True).first()
    elif kind == "department" and code:
        found = Department.objects.filter(code=code).values_list("name", flat=True).first()
    return str(found or ref or "")


def _facts(document: Document) -> dict[str, Any]:
    """Only what the seal's signature covers (``selectors.signed_statement``): the kind, the case (or
    the handover list's number), the file's SM3 digest, the seal and the signing time. The title, the
    applicant, the item, the units' names and the times kept beside them in the database are not
    signed: edited there they would still show beside "真实有效", so they are not shown; the signed
    PDF itself says them (a copy uploaded below is compared byte for byte)."""
    seal = document.seal
    case = document.data.get("case", {})
    handover = document.data.get("handover")
    return {
        "title": document.get_kind_display(),
        "kind": document.get_kind_display(),
        **(
            {
                "handover_number": handover.get("number", ""),
                "from_unit": _unit_name(handover.get("from_unit", {}).get("ref", "")),
                "to_unit": _unit_name(handover.get("to_unit", {}).get("ref", "")),
            }
            if document.kind in HANDOVER_KINDS and handover
            else {}
        ),
        "case_number": case.get("number", ""),
        "signed_at": timezone.localtime(document.signed_at) if document.signed_at else None,
        "seal_name": str(seal) if seal else "",
        "seal_kind": seal.get_kind_display() if seal else "",
        "seal_holder": seal.holder_name if seal else "",
        "seal_issuer": seal.issuer.name if seal and seal.issuer else "",
        "seal_fingerprint": seal.fingerprint if seal else "",
        "seal_revoked_at": timezone.localtime(seal.revoked_at) if seal and seal.revoked_at else None,
        "sm3": document.sm3,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest, code: str) -> HttpResponse:
    if not page_allowed(request, scope="verify"):
        # Codes are long and random, but each look-up checks a signature: a probe gets no free CPU.
        response = _page(request, code, Verdict(False), None, 429, "", throttled=True)
        response["Retry-After"] = "60"
        return response
    document = document_by_code(code)
    status = 200
    form_error = ""
    if document is not None and document.status == DocumentStatus.PENDING:
        try:
            document = document_ready(document=document)
        except DocumentPending as pending:
            # Just issued, being signed: never judged before it is (it would read "not genuine").
            response = _page(
                request, code, Verdict(False, document=document), None, 503, "", pending.retry_after
            )
            response["Retry-After"] = str(pending.retry_after)
            return response
        except (KeyDecryptionError, MasterKeyError):
            logger.exception("document %s could not be signed for verification", document.pk)
            verdict = Verdict(False, [_("系统暂时无法完成签章验证，请稍后再试。")], document=document)
            return _page(request, code, verdict, None, 503, "")
    copy_digest = None
    if request.method == "POST" and document is not None:
        copy_digest, form_error = _copy_digest(request)
    verdict = verify_document(document, copy_digest=copy_digest)
    if document is None:
        status = 404
    return _page(request, code, verdict, document, status, form_error)


def _page(
    request: HttpRequest,
    code: str,
    verdict: Verdict,
    document: Document | None,
    status: int,
    form_error: str,
    retry_after: int = 0,
    *,
    throttled: bool = False,
) -> HttpResponse:
    normalised = normalise_code(code)
    context = {
        "pending": bool(retry_after),
        "throttled": throttled,
        "retry_after": retry_after,
        "code": format_code(normalised) if normalised else code[:40],
        "verdict": verdict,
        "facts": _facts(document) if document is not None else None,
        "form_error": form_error,
        "checked_at": timezone.localtime(),
    }
    response = render(request, "documents/verify.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
