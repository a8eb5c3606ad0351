"""HTTP API of material files: upload, metadata, content. Staff only, each read limited to scope."""

from __future__ import annotations

import logging
import re
from typing import Any, cast
from urllib.parse import quote

from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from yichuang.citizens.auth import CitizenTokenAuthentication
from yichuang.common.parsers import MultiPartParser
from yichuang.files.models import FileType, StoredFile
from yichuang.files.selectors import file_get_for
from yichuang.files.services import file_max_bytes, file_store, too_large
from yichuang.org.models import Role, Staff

logger = logging.getLogger(__name__)

#: Room for the multipart boundaries and part headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024

#: Roles that take in materials. Supervisors (督查) only look; they never upload.
UPLOAD_ROLES = frozenset(
    {
        Role.ADMIN,
        Role.WINDOW_CLERK,
        Role.REVIEWER,
        Role.VILLAGE_AGENT,
        Role.BANK_CLERK,
        Role.CENTER_MANAGER,
    }
)

FILE_ID = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("文件编号（上传时返回的 id）")
)


class CanUploadFiles(BasePermission):
    message = _("您的角色不能上传材料。")

    def has_permission(self, request: Request, view: Any) -> bool:
        from yichuang.citizens.models import Citizen

        user = request.user
        if isinstance(user, Citizen):
            return True  # his own materials for his own applications
        return isinstance(user, Staff) and (user.is_superuser or user.role in UPLOAD_ROLES)


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading an upload the moment a file passes the limit, before it is all on disk."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise too_large(self.limit)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class FileOutputSerializer(serializers.ModelSerializer[StoredFile]):
    class Meta:
        model = StoredFile
        ref_name = "StoredFile"
        fields = ["id", "name", "size", "content_type", "digest", "created_at"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": _("文件编号（UUID），创建办件时按此引用材料")},
            "name": {"help_text": _("上传时的文件名（去掉路径）")},
            "size": {"help_text": _("字节数")},
            "digest": {"help_text": _("内容的 SHA-256，64 位小写十六进制，不带 sha256: 前缀")},
        }

    # A plain string, not an enum: the type list may grow without renaming a schema component.
    content_type = serializers.CharField(
        read_only=True,
        help_text=_("按内容识别的类型：application/pdf、image/jpeg、image/png、application/ofd"),
    )


class FileUploadApi(APIView):
    parser_classes = [MultiPartParser]
    # A citizen's token (``cz_…``) too: his files are his own (``citizens``); staff tokens as ever.
    authentication_classes = [
        CitizenTokenAuthentication,
        *cast(list[type[BaseAuthentication]], api_settings.DEFAULT_AUTHENTICATION_CLASSES),
    ]
    permission_classes = [IsAuthenticated, CanUploadFiles]

    class InputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "FileUpload"

        file = serializers.FileField(
            allow_empty_file=False,
            use_url=False,
            help_text=_("PDF、JPEG、PNG 或 OFD，按内容识别，扩展名不起作用"),
            error_messages={
                "required": _("请上传文件（表单字段 file）。"),
                "null": _("请上传文件（表单字段 file）。"),
                "invalid": _("提交的不是文件，请以 multipart/form-data 上传。"),
                "no_name": _("无法确定文件名。"),
                "empty": _("文件为空。"),
            },
        )

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Authenticated and allowed: now refuse a body that cannot fit before reading any of it, and
        # make the parser stop at the limit when the length is not declared (chunked) or lies.
        limit = file_max_bytes()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + MULTIPART_OVERHEAD:
            raise too_large(limit)
        django_request = request._request
        if not hasattr(django_request, "_files"):
            django_request.upload_handlers = [
                SizeLimitUploadHandler(django_request, limit=limit),
                *django_request.upload_handlers,
            ]

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={
            201: FileOutputSerializer,
            400: OpenApiResponse(description=_("没有 file 字段，或文件为空（code: invalid）")),
            413: OpenApiResponse(description=_("文件超过大小上限，默认 20 MiB（code: file_too_large）")),
            415: OpenApiResponse(description=_("不是 PDF、JPEG、PNG 或 OFD（code: unsupported_file_type）")),
        },
        summary=_("上传材料文件"),
        description=_(
            "上传一份申请材料，返回的 id 在创建办件时引用。类型和大小按文件内容检查，不看扩展名："
            "只接受 PDF、JPEG、PNG 与 OFD（根目录含 OFD.xml 的 ZIP 包）。"
            "上传人及其管辖范围内的工作人员可以读取。"
        ),
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        from yichuang.citizens.models import Citizen

        if isinstance(request.user, Citizen):
            from yichuang.citizens.services import file_store_for

            stored = file_store_for(citizen=request.user, upload=data.validated_data["file"])
        else:
            user: Staff = request.user  # type: ignore[assignment]
            stored = file_store(upload=data.validated_data["file"], actor=user)
        return Response(FileOutputSerializer(stored).data, status=status.HTTP_201_CREATED)


class FileDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[FILE_ID],
        responses={200: FileOutputSerializer},
        summary=_("材料文件信息"),
        description=_("范围外或不存在的文件一律答 404。"),
    )
    def get(self, request: Request, id: str) -> Response:
        stored = file_get_for(user=request.user, file_id=id)
        return Response(FileOutputSerializer(stored).data)


_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._ ()\-]")


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    fallback = _ASCII_SAFE.sub("_", name).strip() or "file"
    if "." in name and "." not in fallback:
        fallback += "." + name.rsplit(".", 1)[-1]
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class FileContentApi(APIView):
    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[Any, str]:
        # Any Accept header is fine here (a browser asks for image/*); errors still answer JSON.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        parameters=[FILE_ID],
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description=label)
            for content_type, label in FileType.choices
        },
        summary=_("下载材料文件"),
        description=_(
            "返回文件内容，Content-Type 为识别出的类型，Content-Disposition 为 attachment 并带 UTF-8 文件名，"
            "X-Content-Type-Options: nosniff。范围外或不存在的文件一律答 404。"
        ),
    )
    def get(self, request: Request, id: str) -> FileResponse:
        stored = file_get_for(user=request.user, file_id=id)
        try:
            handle = stored.file.storage.open(stored.file.name, "rb")
        except FileNotFoundError as exc:
            logger.error("file %s: content missing at %s", stored.pk, stored.file.name)
            raise exceptions.NotFound(_("文件内容已不存在，请联系管理员。")) from exc
        from yichuang.audit.models import SecurityKind
        from yichuang.audit.services import security_record

        # An applicant's material (an ID card scan, a household register) is personal data: who
        # downloaded it is a security event.
        security_record(
            SecurityKind.PERSONAL_DATA, actor=request.user, request=request, subject=f"file:{stored.pk}"
        )
        response = FileResponse(handle, content_type=stored.content_type)
        response["Content-Disposition"] = content_disposition(stored.download_name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response
