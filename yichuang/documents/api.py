"""HTTP API of documents: a case's documents (contract.md ``documents: [{id, type, url, verify_code}]``)
and a handover list's, one document's details and its PDF. Out of scope answers 404, like the case
(or list) itself."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.documents.crypto import KeyDecryptionError, MasterKeyError
from yichuang.documents.models import Document, DocumentKind
from yichuang.documents.selectors import document_get_for
from yichuang.documents.services import DocumentPending, document_content, document_ready, verify_url

logger = logging.getLogger(__name__)


class SigningUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "signing_unavailable"


class DocumentNotReady(exceptions.APIException):
    """409 ``document_pending`` with ``Retry-After``: the document is being rendered and signed."""

    status_code = 409
    default_code = "document_pending"
    default_detail = gettext_lazy("文书正在生成，请稍后再试。")

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.wait = retry_after  # DRF's handler turns it into Retry-After


def pending_page(request: HttpRequest, pending: DocumentPending) -> HttpResponse:
    """What a browser gets instead of the JSON: a Chinese page that reloads itself."""
    response = render(
        request,
        "documents/pending.html",
        {"title": pending.document.title, "retry_after": pending.retry_after},
        status=409,
    )
    response["Retry-After"] = str(pending.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def wants_html(request: HttpRequest) -> bool:
    """A browser following a link (``Accept: text/html…``), not an API client."""
    accept = request.META.get("HTTP_ACCEPT", "")
    return "text/html" in accept


def document_bytes(request: Request, document: Document, *, sign_now: bool = False) -> bytes | HttpResponse:
    """The stored PDF once it is signed (``document_ready``), or the answer to give instead: 正在生成
    (JSON 409, or a page for a browser), 503 when the seal's key cannot be used, 404 when the
    stored file is gone. Shared by a document's download and a handover list's PDF. ``sign_now``
    signs a pending document here at once (one issued by this very request, which no signer has)."""
    try:
        if not sign_now:
            document = document_ready(document=document)
        return document_content(document=document)
    except DocumentPending as pending:
        if wants_html(request):
            return pending_page(request, pending)
        raise DocumentNotReady(pending.retry_after) from pending
    except (KeyDecryptionError, MasterKeyError) as exc:
        logger.error("document %s cannot be signed: %s", document.pk, exc)
        raise SigningUnavailable(_("印章密钥不可用，文书暂时无法签章，请联系管理员。")) from exc
    except FileNotFoundError as exc:
        logger.error("document %s: %s", document.pk, exc)
        raise exceptions.NotFound(_("文书文件已不存在，请联系管理员。")) from exc


DOCUMENT_ID = OpenApiParameter(
    "id", OpenApiTypes.UUID, location=OpenApiParameter.PATH, description="文书编号"
)


def content_url(document: Document) -> str:
    return reverse("v1:document-content", kwargs={"id": str(document.pk)})


def document_refs(documents: Iterable[Document], *, titles: bool = False) -> list[dict[str, str]]:
    """``[{id, type, url, verify_code}]``, as a case (contract.md) and a handover list show their
    documents; ``titles`` adds each document's title (for the staff pages)."""
    return [document_ref(d.pk, d.kind, d.verify_code, d.title, titles=titles) for d in documents]


def document_ref(pk: Any, kind: str, verify_code: str, title: str, *, titles: bool = False) -> dict[str, str]:
    """One entry of ``document_refs``, from the columns it shows."""
    return {
        "id": str(pk),
        "type": kind,
        "url": reverse("v1:document-content", kwargs={"id": str(pk)}),
        "verify_code": verify_code,
        **({"title": title} if titles else {}),
    }


class SealOutputSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    holder = serializers.CharField(source="holder_name")
    number = serializers.CharField()
    fingerprint = serializers.CharField(help_text="公钥 SM3 摘要前 16 位")


class DocumentDetailOutputSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    type = serializers.ChoiceField(source="kind", choices=DocumentKind.choices)
    title = serializers.CharField()
    case = serializers.CharField(source="case.number", allow_null=True)
    handover = serializers.CharField(source="handover.number", allow_null=True, help_text="移交清单编号")
    status = serializers.CharField()
    url = serializers.SerializerMethodField()
    verify_code = serializers.CharField()
    verify_url = serializers.SerializerMethodField()
    seal = SealOutputSerializer(allow_null=True)
    issued_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(allow_null=True)
    sm3 = serializers.CharField(help_text="PDF 文件的 SM3 摘要（签章后）")

    def get_url(self, obj: Document) -> str:
        return content_url(obj)

    def get_verify_url(self, obj: Document) -> str:
        return verify_url(obj.verify_code)


class DocumentDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[DOCUMENT_ID],
        responses={200: DocumentDetailOutputSerializer},
        summary="文书信息",
        description="范围外或不存在的文书一律答 404。",
    )
    def get(self, request: Request, id: str) -> Response:
        return Response(
            DocumentDetailOutputSerializer(document_get_for(user=request.user, document_id=id)).data
        )


def _owner_number(document: Document) -> str:
    if document.case is not None:
        return document.case.number
    if document.handover is not None:
        return document.handover.number
    return document.verify_code


class DocumentContentApi(APIView):
    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[Any, str]:
        # A browser asks for application/pdf; errors still answer JSON.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        parameters=[DOCUMENT_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
            409: OpenApiResponse(
                description="document_pending：文书刚出具、正在生成签章（已等待数秒）；按 Retry-After 秒后重试"
            ),
        },
        summary="下载文书 PDF",
        description=(
            "文书在出具后由后台生成并签章。尚未签章时本接口最多等待数秒；仍未完成则答 409 "
            "document_pending 并带 Retry-After（浏览器得到一页中文提示并自动刷新），绝不返回未签章的文件。"
            "范围外或不存在的文书一律答 404。"
        ),
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        return pdf_response(request, document_get_for(user=request.user, document_id=id))


def pdf_response(request: Request, document: Document) -> HttpResponse:
    """The signed PDF shown inline, or the answer ``document_bytes`` gives instead (409 正在生成…)."""
    content = document_bytes(request, document)
    if isinstance(content, HttpResponse):
        return content
    response = HttpResponse(content, content_type="application/pdf")
    name = f"{document.title}-{_owner_number(document)}.pdf"
    from yichuang.files.api import content_disposition

    response["Content-Disposition"] = content_disposition(name).replace("attachment", "inline", 1)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
