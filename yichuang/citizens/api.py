"""HTTP API for citizens (contract.md "Citizens"): sign in by SMS code, bind the real name, apply,
follow, supplement and rate one's own cases, download their sealed documents, list one's licences.

Every view but the two sign-in steps takes the citizen's token only; a case, a document or a licence
that is not his answers 404, like one that does not exist."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.cases.actions import citizen_lines
from yichuang.cases.api import FormValueOutputSerializer, MaterialInputSerializer, form_output
from yichuang.cases.calendar import case_warnings_of
from yichuang.cases.models import Case, CaseEvent, CaseStatus
from yichuang.cases.services import MaterialInput
from yichuang.catalog.models import ServiceItem
from yichuang.citizens import services
from yichuang.citizens.auth import CitizenTokenAuthentication, IsCitizen
from yichuang.citizens.models import Citizen, CitizenToken
from yichuang.citizens.schema import CitizenSchema
from yichuang.citizens.selectors import case_missing, citizen_case_get, citizen_cases
from yichuang.common.errors import Invalid
from yichuang.common.idempotency import run_idempotent
from yichuang.common.identity import mask_name, mask_phone, mask_resident_id
from yichuang.common.pagination import Pagination
from yichuang.common.throttles import ClientAddressThrottle, ScopedRateThrottle, personal_ident
from yichuang.delivery.api import WaybillOutputSerializer
from yichuang.delivery.selectors import waybill_of
from yichuang.files.selectors import files_for
from yichuang.org.models import ServicePoint
from yichuang.ratings.api import PublicRatingOutputSerializer

CITIZEN_AUTH = [CitizenTokenAuthentication]
CITIZEN_ONLY = [IsCitizen]


class PhoneRateThrottle(ClientAddressThrottle):
    """Codes per phone number, whatever address asks for them."""

    scope = "citizen_code_phone"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        data = request.data if isinstance(request.data, dict) else {}
        raw = data.get("phone")
        phone = raw.strip()[:20] if isinstance(raw, str) else ""
        if not phone:
            return None  # not a phone number: refused by the serializer, counted per address
        return self.cache_format % {
            "scope": self.scope,
            "ident": personal_ident(phone, scope=str(self.scope)),
        }


class _Citizen(APIView):
    authentication_classes = CITIZEN_AUTH
    permission_classes = CITIZEN_ONLY
    schema = CitizenSchema()

    @property
    def citizen(self) -> Citizen:
        user: Citizen = self.request.user  # type: ignore[assignment]
        return user


# —— sign in ——


class CodeInputSerializer(serializers.Serializer[Any]):
    phone = serializers.CharField(max_length=20, help_text="手机号码")


class CodeSentSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="有效秒数")


class LoginCodeApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_scope = "citizen_code"
    throttle_classes = [ScopedRateThrottle, PhoneRateThrottle]

    @extend_schema(
        request=CodeInputSerializer,
        responses={202: CodeSentSerializer},
        auth=[],
        summary="群众登录：发送短信验证码",
        description="向该手机号发送6位验证码（5分钟内有效，最多尝试5次）。按手机号和来访地址限流（429）。",
    )
    def post(self, request: Request) -> Response:
        data = CodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.code_send(phone=data.validated_data["phone"])
        return Response(
            {"detail": _("验证码已发送，请查收短信。"), "expires_in": services.code_minutes() * 60},
            status=status.HTTP_202_ACCEPTED,
        )


class LoginInputSerializer(serializers.Serializer[Any]):
    phone = serializers.CharField(max_length=20)
    code = serializers.CharField(max_length=10)


class TokenOutputSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="以 Authorization: Bearer <token> 使用")
    expires_at = serializers.DateTimeField()


class LoginApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_scope = "citizen_login"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        request=LoginInputSerializer,
        responses={200: TokenOutputSerializer, 400: OpenApiResponse(description="验证码错误或已失效")},
        auth=[],
        summary="群众登录：验证码换取令牌",
        description="令牌有效期7天（自签发起算），可用 logout 提前注销。",
    )
    def post(self, request: Request) -> Response:
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        citizen, key = services.code_sign_in(**data.validated_data)
        token = citizen.tokens.order_by("-created_at", "-id").first()
        return Response({"token": key, "expires_at": token.expires_at if token else None})


class LogoutApi(_Citizen):
    @extend_schema(request=None, responses={204: None}, summary="群众退出登录（注销令牌）")
    def post(self, request: Request) -> Response:
        token: CitizenToken = request.auth  # type: ignore[assignment]
        services.token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


# —— identity ——


class IdentityInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18)


class MeOutputSerializer(serializers.Serializer[Any]):
    phone = serializers.CharField(help_text="已脱敏")
    name = serializers.CharField(help_text="已脱敏")
    id_number = serializers.CharField(help_text="已脱敏")
    verified = serializers.BooleanField()


def me_output(citizen: Citizen) -> dict[str, Any]:
    return {
        "phone": mask_phone(citizen.phone),
        "name": mask_name(citizen.name) if citizen.name else "",
        "id_number": mask_resident_id(citizen.id_number) if citizen.id_number else "",
        "verified": citizen.verified,
    }


class IdentityApi(_Citizen):
    throttle_scope = "citizen_identity"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        request=IdentityInputSerializer,
        responses={200: MeOutputSerializer},
        summary="实名认证：绑定姓名和身份证号码",
        description="经配置的身份核验服务核验（演示环境核对校验码和姓名格式）；申请办件前必须完成。",
    )
    def post(self, request: Request) -> Response:
        data = IdentityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        citizen = services.identity_bind(citizen=self.citizen, **data.validated_data)
        return Response(me_output(citizen))


class MeApi(_Citizen):
    @extend_schema(responses={200: MeOutputSerializer}, summary="群众本人信息（号码脱敏）")
    def get(self, request: Request) -> Response:
        return Response(me_output(self.citizen))


# —— cases ——


class DeliverySerializer(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=["pickup", "mail"], help_text="pickup 到点领取，mail 邮寄")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ApplicationInputSerializer(serializers.Serializer[Any]):
    item = serializers.CharField(max_length=40, help_text="事项编码")
    point = serializers.CharField(max_length=20, help_text="受理服务点编码")
    materials = MaterialInputSerializer(many=True, required=False, default=list)
    commitments = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        default=list,
        help_text="告知承诺的材料编码",
    )
    delivery = DeliverySerializer()
    form = serializers.DictField(
        required=False,
        allow_null=True,
        default=None,
        help_text="申请表：事项 form_fields 的字段标识 → 填写的值；填写有误时返回422，fields 为 form.<字段标识>",
    )
    situation = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="办理情形编码（事项 situations 之一）：按该情形的材料清单核对",
    )


class SupplementInputSerializer(serializers.Serializer[Any]):
    materials = MaterialInputSerializer(many=True)


class RatingInputSerializer(serializers.Serializer[Any]):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CitizenMaterialSerializer(serializers.Serializer[Any]):
    requirement = serializers.CharField()
    name = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    state = serializers.CharField()


class MissingMaterialSerializer(serializers.Serializer[Any]):
    requirement = serializers.CharField(help_text="材料编码")
    name = serializers.CharField()


class CitizenEventSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()


class CitizenDocumentSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    type = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="凭本人令牌下载签章 PDF")
    verify_code = serializers.CharField()


class CitizenCaseListSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    item_name = serializers.CharField()
    point_name = serializers.CharField()
    channel = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    created_at = serializers.DateTimeField()
    due_date = serializers.DateField(allow_null=True)
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="提示（中文句子），无问题时为空：例如期限所在年度尚无官方节假日安排",
    )


class CitizenCaseSerializer(CitizenCaseListSerializer):
    accepted_at = serializers.DateTimeField(allow_null=True)
    supplement_due_date = serializers.DateField(allow_null=True)
    decision_reason = serializers.CharField()
    delivery = DeliverySerializer()
    delivery_method = serializers.CharField(help_text="实际送达方式（送达后）")
    tracking_number = serializers.CharField()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="一次性告知需补正的材料名称（待补正时）"
    )
    missing_materials = MissingMaterialSerializer(
        many=True, help_text="同 missing，带材料编码：补正时按编码上传"
    )
    materials = CitizenMaterialSerializer(many=True)
    timeline = CitizenEventSerializer(many=True, help_text="不含工作人员姓名")
    documents = CitizenDocumentSerializer(many=True)
    form = FormValueOutputSerializer(many=True, help_text="申请表填写内容（身份证号码、手机号码脱敏）")

    waybill = WaybillOutputSerializer(allow_null=True, help_text="邮寄送达：运单号和寄递服务的最近物流轨迹")
    payment = serializers.DictField(
        allow_null=True, help_text="缴费单（同 GET cases/{number}/payment/）；不收费为空"
    )


def _payment(case: Case) -> dict[str, Any] | None:
    from yichuang.payments.api import pay_url
    from yichuang.payments.selectors import order_of, order_output

    order = order_of(case)
    return order_output(order, pay_url=pay_url(order)) if order is not None else None


def _status_display(status_code: str) -> str:
    return str(CaseStatus(status_code).label) if status_code in CaseStatus.values else status_code


def case_row(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "item_name": case.item.name,
        "point_name": case.point.name,
        "channel": case.channel,
        "status": case.status,
        "status_display": _status_display(case.status),
        "created_at": serializers.DateTimeField().to_representation(case.created_at),
        "due_date": case.due_date.isoformat() if case.due_date else None,
        "warnings": case_warnings_of(case),
    }


def case_detail(case: Case) -> dict[str, Any]:
    from yichuang.documents.selectors import documents_of

    materials = list(case.materials.order_by("id").values("requirement", "name", "required", "state"))
    events = citizen_lines(CaseEvent.objects.filter(case=case).order_by("at", "id"))
    missing_materials: list[dict[str, str]] = []
    if case.status == CaseStatus.NEEDS_SUPPLEMENT:
        missing_materials = [{"requirement": code, "name": name} for code, name in case_missing(case)]
    missing = [m["name"] for m in missing_materials]
    link = getattr(case, "citizen_link", None)
    field = serializers.DateTimeField()
    return {
        **case_row(case),
        "accepted_at": field.to_representation(case.accepted_at) if case.accepted_at else None,
        "supplement_due_date": case.supplement_due_date.isoformat() if case.supplement_due_date else None,
        "decision_reason": case.decision_reason,
        "delivery": {
            "method": link.delivery_method if link else "",
            "address": link.delivery_address if link else "",
        },
        "delivery_method": case.delivery_method,
        "tracking_number": case.tracking_number,
        "waybill": waybill_of(case),
        "payment": _payment(case),
        "missing": missing,
        "missing_materials": missing_materials,
        "materials": materials,
        "timeline": [
            {
                "at": field.to_representation(e.at),
                "action": e.action,
                "status": e.to_status,
                "status_display": _status_display(e.to_status),
            }
            for e in events
        ],
        "documents": [
            {
                "id": str(d.pk),
                "type": d.kind,
                "title": d.title,
                "url": reverse("v1:citizen-document", kwargs={"id": str(d.pk)}),
                "verify_code": d.verify_code,
            }
            for d in documents_of(case)
        ],
        "form": form_output(case, user=None),
    }


def point_named(code: str) -> ServicePoint:
    """The service point an application names (422 on the field when there is none)."""
    point = ServicePoint.objects.select_related("region").filter(code=code).first()
    if point is None:
        raise Invalid(_("没有这个服务点。"), fields={"point": [_("没有这个服务点。")]})
    return point


def _materials(citizen: Citizen, rows: list[dict[str, Any]]) -> list[MaterialInput]:
    """The files each material names, each one his own upload (else 422, like the window's)."""
    ids = [i for row in rows for i in row.get("files", [])]
    found = {f.pk: f for f in files_for(citizen).filter(pk__in=set(ids))} if ids else {}
    lost = list(dict.fromkeys(str(i) for i in ids if i not in found))
    if lost:
        raise Invalid(
            _("文件不存在或无权使用。"),
            fields={"materials": [_("找不到文件：%(files)s") % {"files": ", ".join(lost)}]},
        )
    return [
        MaterialInput(requirement=row["requirement"], files=[found[i] for i in row.get("files", [])])
        for row in rows
    ]


IDEMPOTENCY_KEY = OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False)


class ApplicationApi(_Citizen):
    @extend_schema(
        request=ApplicationInputSerializer,
        responses={201: CitizenCaseSerializer, 403: OpenApiResponse(description="尚未实名认证")},
        parameters=[IDEMPOTENCY_KEY],
        summary="网上申请办件",
        description=(
            "申请人为本人实名认证的身份和登录手机号；办件渠道 online，状态 submitted，等待窗口预审"
            "（受理、一次性告知或不予受理）。带 Idempotency-Key 重发时返回第一次的结果。"
        ),
    )
    def post(self, request: Request) -> Response:
        return run_idempotent(
            request,
            f"citizens:{self.citizen.pk}:apply",
            lambda: self._apply(request),
            actor=services.online_account(),
        )

    def _apply(self, request: Request) -> Response:
        data = ApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        item = ServiceItem.objects.filter(code=v["item"]).first()
        if item is None:
            raise Invalid(_("没有这个事项。"), fields={"item": [_("没有这个事项。")]})
        point = point_named(v["point"])
        case = services.citizen_apply(
            citizen=self.citizen,
            item=item,
            point=point,
            materials=_materials(self.citizen, v["materials"]),
            commitments=v["commitments"],
            delivery_method=v["delivery"]["method"],
            delivery_address=v["delivery"]["address"],
            form=v.get("form"),
            situation=v["situation"],
        )
        case = citizen_case_get(citizen=self.citizen, number=case.number)
        return Response(case_detail(case), status=status.HTTP_201_CREATED)


class CaseListApi(_Citizen):
    pagination_class = Pagination

    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: CitizenCaseListSerializer(many=True)},
        summary="本人的办件（分页，与工作人员的办件列表相同：count、next、previous、results）",
    )
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(citizen_cases(self.citizen), request, self)
        return paginator.get_paginated_response([case_row(c) for c in page or []])


class CaseDetailApi(_Citizen):
    @extend_schema(responses={200: CitizenCaseSerializer}, summary="本人办件详情（他人的办件答 404）")
    def get(self, request: Request, number: str) -> Response:
        return Response(case_detail(citizen_case_get(citizen=self.citizen, number=number)))


class SupplementApi(_Citizen):
    @extend_schema(
        request=SupplementInputSerializer,
        responses={200: CitizenCaseSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="按一次性告知补正材料",
    )
    def post(self, request: Request, number: str) -> Response:
        return run_idempotent(
            request,
            f"citizens:{self.citizen.pk}:{number}:supplement",
            lambda: self._supplement(request, number),
            actor=services.online_account(),
        )

    def _supplement(self, request: Request, number: str) -> Response:
        case = citizen_case_get(citizen=self.citizen, number=number)
        from yichuang.cases.services import case_check_action

        case_check_action(case=case, action="supplement")
        data = SupplementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.citizen_supplement(
            citizen=self.citizen,
            case=case,
            materials=_materials(self.citizen, data.validated_data["materials"]),
        )
        return Response(case_detail(citizen_case_get(citizen=self.citizen, number=number)))


class RatingApi(_Citizen):
    @extend_schema(
        request=RatingInputSerializer,
        responses={201: PublicRatingOutputSerializer},
        summary="好差评：本人办结的办件（网上评价，一次）",
    )
    def post(self, request: Request, number: str) -> Response:
        case = citizen_case_get(citizen=self.citizen, number=number)
        data = RatingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.citizen_rate(case=case, **data.validated_data)
        return Response(PublicRatingOutputSerializer(rating).data, status=status.HTTP_201_CREATED)


class DocumentContentApi(_Citizen):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[Any, str]:
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, location=OpenApiParameter.PATH)],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="签章 PDF"),
            409: OpenApiResponse(description="document_pending：正在生成签章，按 Retry-After 秒后重试"),
        },
        summary="下载本人办件的签章文书",
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        import uuid

        from yichuang.documents.api import pdf_response
        from yichuang.documents.models import Document

        try:
            pk = uuid.UUID(str(id))
        except ValueError as exc:
            raise exceptions.NotFound(_("未找到该文书。")) from exc
        document = (
            Document.objects.select_related("seal", "case")
            .filter(pk=pk, case__citizen_link__citizen=self.citizen)
            .first()
        )
        if document is None:
            raise exceptions.NotFound(_("未找到该文书。"))
        return pdf_response(request, document)


def _license_serializer() -> Any:
    from yichuang.licenses.api import LicenseOutputSerializer

    return LicenseOutputSerializer(many=True)


class LicenseApi(_Citizen):
    @extend_schema(responses={200: _license_serializer()}, summary="本人的电子证照（按实名认证的身份证号码）")
    def get(self, request: Request) -> Response:
        from yichuang.licenses.api import LicenseOutputSerializer
        from yichuang.licenses.selectors import licenses_of_holder

        if not self.citizen.verified:
            raise exceptions.PermissionDenied(_("请先完成实名认证，再查看电子证照。"))
        rows = licenses_of_holder(holder_id_number=self.citizen.id_number)
        return Response(LicenseOutputSerializer(rows, many=True).data)
