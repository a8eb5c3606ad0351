"""HTTP API of documents: a case's documents (contract.md ``documents: [{id, type, url, verify_code}]``)
and a handover list's, one document's details and its PDF. Out of scope answers 404, like the case
(or list) itself."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
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
from yichuang.documents.selectors import document_get_for, documents_of_case
from yichuang.documents.services import document_content, verify_url

logger = logging.getLogger(__name__)


class SigningUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "signing_unavailable"


DOCUMENT_ID = OpenApiParameter(
    "id", OpenApiTypes.UUID, location=OpenApiParameter.PATH, description="文书编号"
)


def content_url(document: Document) -> str:
    return reverse("v1:document-content", kwargs={"id": str(document.pk)})


def document_refs(documents: Iterable[Document], *, titles: bool = False) -> list[dict[str, str]]:
    """``[{id, type, url, verify_code}]``, as a case (contract.md) and a handover list show their
    documents; ``titles`` adds each document's title (for the staff pages)."""
    return [
        {
            "id": str(d.pk),
            "type": d.kind,
            "url": content_url(d),
            "verify_code": d.verify_code,
            **({"title": d.title} if titles else {}),
        }
        for d in documents
    ]


def case_documents(case: Any, *, titles: bool = False) -> list[dict[str, str]]:
    """The ``documents`` list of a case in the case detail (contract.md)."""
    return document_refs(documents_of_case(case), titles=titles)


class SealOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    holder = serializers.CharField(source="holder_name")
    number = serializers.CharField()
    fingerprint = serializers.CharField(help_text="公钥 SM3 摘要前 16 位")


class DocumentDetailOutputSerializer(serializers.Serializer):
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
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF")},
        summary="下载文书 PDF",
        description="尚未签章的文书此时生成并签章。范围外或不存在的文书一律答 404。",
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        document = document_get_for(user=request.user, document_id=id)
        try:
            content = document_content(document=document)
        except (KeyDecryptionError, MasterKeyError) as exc:
            logger.error("document %s cannot be signed: %s", document.pk, exc)
            raise SigningUnavailable(_("印章密钥不可用，文书暂时无法签章，请联系管理员。")) from exc
        except FileNotFoundError as exc:
            logger.error("document %s: %s", document.pk, exc)
            raise exceptions.NotFound(_("文书文件已不存在，请联系管理员。")) from exc
        response = HttpResponse(content, content_type="application/pdf")
        name = f"{document.title}-{_owner_number(document)}.pdf"
        from yichuang.files.api import content_disposition

        response["Content-Disposition"] = content_disposition(name).replace("attachment", "inline", 1)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
