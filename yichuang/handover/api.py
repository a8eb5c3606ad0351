"""HTTP API of handover lists (移交清单) under ``/api/v1/handovers/``."""

from __future__ import annotations

import io
import logging
from typing import Any

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.cases.api import CaseListOutputSerializer, DocumentOutputSerializer
from yichuang.common.idempotency import run_idempotent
from yichuang.common.identity import mask_name, mask_phone
from yichuang.common.pagination import Pagination
from yichuang.documents.api import document_bytes, document_refs
from yichuang.documents.models import Document, DocumentKind
from yichuang.handover import services
from yichuang.handover.documents import SENT_STATUSES, document_of, draft_pdf
from yichuang.handover.excel import XLSX_CONTENT_TYPE, export_handovers
from yichuang.handover.models import RECEIVER_STATES, Handover, HandoverEntry, HandoverStatus
from yichuang.handover.selectors import (
    allowed_actions,
    handover_candidates,
    handover_get_for,
    handover_list,
    unit_from_ref,
    unit_get,
    with_details,
)
from yichuang.handover.workflow import ACTIONS
from yichuang.org.models import Staff
from yichuang.org.units import Unit

logger = logging.getLogger(__name__)
UNIT_REF_HELP = gettext_lazy("point:编码 或 department:编码，例如 department:MZJ")

# ------------------------------------------------------------------------------------------ input


class HandoverUnitInputSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(
        max_length=20, help_text=gettext_lazy("point（服务点）或 department（部门）")
    )
    code = serializers.CharField(max_length=30, help_text=gettext_lazy("服务点编码或部门编码"))


class HandoverEntryInputSerializer(serializers.Serializer[Any]):
    case = serializers.CharField(max_length=24, help_text=gettext_lazy("办件编号"))
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        default="",
        help_text=gettext_lazy("移交说明，如“原件3份”"),
    )


class HandoverCreateSerializer(serializers.Serializer[Any]):
    to_unit = HandoverUnitInputSerializer(help_text=gettext_lazy("接收单位"))
    from_unit = HandoverUnitInputSerializer(
        required=False,
        help_text=gettext_lazy("移交单位；默认为本人所在单位（审批人员：所属部门；窗口人员：所在服务点）"),
    )
    contact_name = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default="", help_text=gettext_lazy("默认为制单人")
    )
    contact_phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        default="",
        help_text=gettext_lazy("手机号或带区号的固定电话；默认为制单人的手机号"),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    entries = serializers.ListField(
        child=HandoverEntryInputSerializer(), required=False, default=list, max_length=services.MAX_ENTRIES
    )


class HandoverUpdateSerializer(serializers.Serializer[Any]):
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    entries = serializers.ListField(
        child=HandoverEntryInputSerializer(),
        required=False,
        max_length=services.MAX_ENTRIES,
        help_text=gettext_lazy("整体替换清单中的办件"),
    )


class HandoverReceiptInputSerializer(serializers.Serializer[Any]):
    case = serializers.CharField(max_length=24, help_text=gettext_lazy("办件编号"))
    state = serializers.ChoiceField(choices=[(s.value, s.label) for s in RECEIVER_STATES])
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class HandoverActionInputSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    entries = serializers.ListField(
        child=HandoverReceiptInputSerializer(),
        required=False,
        default=list,
        max_length=services.MAX_ENTRIES,
        help_text=gettext_lazy("确认接收时逐件填写纸质材料状态；未填写的视为已接收"),
    )


# ----------------------------------------------------------------------------------------- output


class HandoverUnitOutputSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()


def _unit(unit: Unit) -> dict[str, str]:
    return {"kind": unit.kind, "code": unit.code, "name": unit.name}


def _staff_name(user: Staff | None) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


class HandoverEntryOutputSerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    item_name = serializers.CharField(source="case.item.name")
    applicant_name = serializers.SerializerMethodField()
    case_status = serializers.CharField(source="case.status")
    state = serializers.CharField()
    state_display = serializers.CharField(source="get_state_display")
    note = serializers.CharField()
    receipt_note = serializers.CharField()

    def get_applicant_name(self, obj: HandoverEntry) -> str:
        return mask_name(obj.case.applicant_name)


class HandoverListOutputSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    from_unit = serializers.SerializerMethodField()
    to_unit = serializers.SerializerMethodField()
    contact_name = serializers.CharField()
    contact_phone = serializers.SerializerMethodField(help_text=gettext_lazy("已脱敏"))
    entry_count = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(HandoverUnitOutputSerializer)
    def get_from_unit(self, obj: Handover) -> dict[str, str]:
        return _unit(obj.from_unit)

    @extend_schema_field(HandoverUnitOutputSerializer)
    def get_to_unit(self, obj: Handover) -> dict[str, str]:
        return _unit(obj.to_unit)

    def get_contact_phone(self, obj: Handover) -> str:
        return mask_phone(obj.contact_phone)

    def get_entry_count(self, obj: Handover) -> int:
        counted = getattr(obj, "entry_count", None)
        return int(counted) if counted is not None else len(obj.entries.all())


class HandoverOutputSerializer(HandoverListOutputSerializer):
    note = serializers.CharField()
    receipt_note = serializers.CharField()
    created_by = serializers.SerializerMethodField()
    sent_by = serializers.SerializerMethodField()
    received_by = serializers.SerializerMethodField()
    cancelled_by = serializers.SerializerMethodField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    entries = HandoverEntryOutputSerializer(many=True)
    documents = serializers.SerializerMethodField(
        help_text=gettext_lazy("加盖电子印章的文书：移交后为移交清单，确认接收后另有回执")
    )
    allowed_actions = serializers.SerializerMethodField()

    def get_created_by(self, obj: Handover) -> str:
        return _staff_name(obj.created_by)

    def get_sent_by(self, obj: Handover) -> str:
        return _staff_name(obj.sent_by)

    def get_received_by(self, obj: Handover) -> str:
        return _staff_name(obj.received_by)

    def get_cancelled_by(self, obj: Handover) -> str:
        return _staff_name(obj.cancelled_by)

    @extend_schema_field(DocumentOutputSerializer(many=True))
    def get_documents(self, obj: Handover) -> list[dict[str, str]]:
        return document_refs(obj.documents.all())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj: Handover) -> list[str]:
        user = self.context.get("user")
        return allowed_actions(user=user, handover=obj) if user is not None else []


def _detail_response(request: Request, handover: Handover, status_code: int = 200) -> Response:
    fresh = with_details(Handover.objects.filter(pk=handover.pk)).get()
    return Response(HandoverOutputSerializer(fresh, context={"user": request.user}).data, status=status_code)


def _entries(rows: list[dict[str, Any]]) -> list[services.EntryInput]:
    return [services.EntryInput(case=row["case"], note=row.get("note", "")) for row in rows]


def _unit_param(request: Request, name: str) -> Unit | None:
    ref = request.query_params.get(name)
    return unit_from_ref(ref, field_name=name) if ref else None


# ------------------------------------------------------------------------------------------ views


class HandoverListCreateApi(APIView):
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=HandoverStatus.choices, required=False)
        direction = serializers.ChoiceField(choices=["incoming", "outgoing"], required=False)
        from_unit = serializers.CharField(required=False, max_length=60)
        to_unit = serializers.CharField(required=False, max_length=60)
        case = serializers.CharField(required=False, max_length=24)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=HandoverStatus.values),
            OpenApiParameter(
                "direction",
                str,
                enum=["incoming", "outgoing"],
                description=gettext_lazy("incoming：发给本人单位的；outgoing：本人单位发出的"),
            ),
            OpenApiParameter("from_unit", str, description=UNIT_REF_HELP),
            OpenApiParameter("to_unit", str, description=UNIT_REF_HELP),
            OpenApiParameter("case", str, description=gettext_lazy("含该办件的清单")),
        ],
        responses={200: HandoverListOutputSerializer(many=True)},
        summary=gettext_lazy("移交清单列表 (移交方或接收方可见)"),
    )
    def get(self, request: Request) -> Response:
        data = self.FilterSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        filters = dict(data.validated_data)
        for name in ("from_unit", "to_unit"):
            filters[name] = _unit_param(request, name)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(handover_list(user=request.user, filters=filters), request, self)
        return paginator.get_paginated_response(HandoverListOutputSerializer(page, many=True).data)

    @extend_schema(
        request=HandoverCreateSerializer,
        responses={201: HandoverOutputSerializer},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False)
        ],
        summary=gettext_lazy("制作移交清单 (草稿)"),
    )
    def post(self, request: Request) -> Response:
        return run_idempotent(request, "handovers:create", lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = HandoverCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        target = unit_get(v["to_unit"]["kind"], v["to_unit"]["code"], field_name="to_unit")
        source = (
            unit_get(v["from_unit"]["kind"], v["from_unit"]["code"], field_name="from_unit")
            if v.get("from_unit")
            else None
        )
        handover = services.handover_create(
            actor=request.user,  # type: ignore[arg-type]
            target=target,
            source=source,
            entries=_entries(v["entries"]),
            contact_name=v["contact_name"],
            contact_phone=v["contact_phone"],
            note=v["note"],
        )
        return _detail_response(request, handover, status.HTTP_201_CREATED)


class HandoverDetailApi(APIView):
    @extend_schema(responses={200: HandoverOutputSerializer}, summary=gettext_lazy("移交清单详情"))
    def get(self, request: Request, number: str) -> Response:
        handover = handover_get_for(user=request.user, number=number)
        return Response(HandoverOutputSerializer(handover, context={"user": request.user}).data)

    @extend_schema(
        request=HandoverUpdateSerializer,
        responses={200: HandoverOutputSerializer},
        summary=gettext_lazy("修改草稿清单 (办件、联系人、备注)；已移交的返回409"),
    )
    def patch(self, request: Request, number: str) -> Response:
        handover = handover_get_for(user=request.user, number=number, details=False)
        data = HandoverUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.handover_update(
            handover=handover,
            actor=request.user,  # type: ignore[arg-type]
            entries=_entries(v["entries"]) if "entries" in v else None,
            contact_name=v.get("contact_name"),
            contact_phone=v.get("contact_phone"),
            note=v.get("note"),
        )
        return _detail_response(request, handover)


class HandoverActionApi(APIView):
    @extend_schema(
        request=HandoverActionInputSerializer,
        responses={200: HandoverOutputSerializer},
        parameters=[
            OpenApiParameter("action", str, location=OpenApiParameter.PATH, enum=list(ACTIONS)),
            OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False),
        ],
        summary=gettext_lazy("清单操作：send 移交、confirm 确认接收、cancel 作废；当前状态不允许时返回409"),
    )
    def post(self, request: Request, number: str, action: str) -> Response:
        if action not in ACTIONS:
            raise exceptions.NotFound(_("没有这个操作。"))
        return run_idempotent(
            request, f"handovers:{number}:{action}", lambda: self._act(request, number, action)
        )

    def _act(self, request: Request, number: str, action: str) -> Response:
        handover = handover_get_for(user=request.user, number=number, details=False)
        data = HandoverActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        actor: Staff = request.user  # type: ignore[assignment]
        if action == "send":
            services.handover_send(handover=handover, actor=actor, note=v["note"])
        elif action == "confirm":
            receipts = [
                services.ReceiptInput(case=row["case"], state=row["state"], note=row.get("note", ""))
                for row in v["entries"]
            ]
            services.handover_confirm(handover=handover, actor=actor, receipts=receipts, note=v["note"])
        elif action == "cancel":
            services.handover_cancel(handover=handover, actor=actor, note=v["note"])
        return _detail_response(request, handover)


class HandoverCandidatesApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("to_unit", str, required=True, description=UNIT_REF_HELP),
            OpenApiParameter(
                "from_unit", str, description=gettext_lazy("默认为本人所在单位；格式同 to_unit")
            ),
        ],
        responses={200: CaseListOutputSerializer(many=True)},
        summary=gettext_lazy("待移交办件：纸质材料须从本单位移交到接收单位、尚未列入未办结清单的办件"),
    )
    def get(self, request: Request) -> Response:
        target = _unit_param(request, "to_unit")
        if target is None:
            raise exceptions.ValidationError({"to_unit": [_("请指定接收单位。")]})
        source = _unit_param(request, "from_unit")
        paginator = self.pagination_class()
        cases = handover_candidates(user=request.user, target=target, source=source)
        page = paginator.paginate_queryset(cases, request, self)
        return paginator.get_paginated_response(CaseListOutputSerializer(page, many=True).data)


class HandoverExportApi(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # A client that asks for the spreadsheet itself must not get 406; errors still answer JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
        summary=gettext_lazy("导出移交清单 (Excel，供打印签字)"),
    )
    def get(self, request: Request, number: str) -> FileResponse:
        from yichuang.audit.models import SecurityKind
        from yichuang.audit.services import security_record

        handover = handover_get_for(user=request.user, number=number)
        security_record(
            SecurityKind.EXPORT, actor=request.user, request=request, subject=f"handover:{handover.number}"
        )
        return FileResponse(
            io.BytesIO(export_handovers([handover])),
            as_attachment=True,
            filename=f"{handover.number}.xlsx",
            content_type=XLSX_CONTENT_TYPE,
        )


class HandoverPdfApi(APIView):
    """The list as a PDF in Chinese. Once sent it is the sealed 移交清单 the sending unit issued: the
    stored file, the same bytes on every request, so its verify code checks it; a draft (or a
    cancelled list) is drawn each time, marked 草稿 (已作废), without seal or verify code."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary=gettext_lazy("移交清单 PDF：已移交的为加盖电子印章、可验证的移交清单；草稿不盖章"),
    )
    def get(self, request: Request, number: str) -> HttpResponseBase:
        handover = handover_get_for(user=request.user, number=number)
        content = self._sealed(request, handover) if handover.status in SENT_STATUSES else draft_pdf(handover)
        if isinstance(content, HttpResponse):  # 正在生成
            return content
        response = FileResponse(
            io.BytesIO(content),
            as_attachment=True,
            filename=f"{handover.number}.pdf",
            content_type="application/pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response

    @staticmethod
    def _sealed(request: Request, handover: Handover) -> bytes | HttpResponse:
        document = document_of(handover, DocumentKind.HANDOVER_LIST)
        if document is None:  # sent before lists were sealed: issued and signed now, once
            services.handover_documents_issue(handover=handover)
            document = Document.objects.select_related("seal").get(
                handover=handover, kind=DocumentKind.HANDOVER_LIST
            )
            return document_bytes(request, document, sign_now=True)
        return document_bytes(request, document)
