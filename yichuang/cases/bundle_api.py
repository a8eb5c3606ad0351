"""HTTP API of 一件事一次办 applications: one application, linked cases, one set of materials, one receipt."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.cases import services
from yichuang.cases.api import (
    ApplicantOutputSerializer,
    CaseCreateSerializer,
    CaseListOutputSerializer,
    intake_arguments,
    masked_applicant,
)
from yichuang.cases.models import BundleApplication, MaterialState
from yichuang.cases.selectors import application_get_for, applications_for
from yichuang.catalog.models import Bundle
from yichuang.common.idempotency import run_idempotent
from yichuang.common.pagination import Pagination
from yichuang.org.models import Staff

#: When the cases of one application disagree about a material, the state the applicant must act on
#: shows first.
_STATE_ORDER = [
    MaterialState.MISSING,
    MaterialState.TOLERATED,
    MaterialState.COMMITTED,
    MaterialState.LICENSE,
    MaterialState.PRODUCED,
    MaterialState.PROVIDED,
    MaterialState.OPTIONAL_ABSENT,
]


class ApplicationCreateSerializer(CaseCreateSerializer):
    item = None  # type: ignore[assignment]
    situation = None  # type: ignore[assignment]  # 办理情形 are an item's; a bundle takes every material
    bundle = serializers.CharField(max_length=40, help_text="一件事编码")


class ApplicationMaterialSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField(help_text="各办件中最需要办理人关注的状态")
    cases = serializers.ListField(child=serializers.CharField(), help_text="需要此材料的办件编号")


class ApplicationOutputSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    bundle = serializers.CharField(source="bundle.code")
    bundle_name = serializers.CharField(source="bundle.name")
    point = serializers.CharField(source="point.code")
    point_name = serializers.CharField(source="point.name")
    channel = serializers.CharField()
    applicant = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    cases = CaseListOutputSerializer(many=True, source="cases.all")
    materials = serializers.SerializerMethodField()
    receipt = serializers.SerializerMethodField(help_text="一张受理回执：全部办件编号、状态与承诺办结日期")

    @extend_schema_field(ApplicantOutputSerializer)
    def get_applicant(self, obj: BundleApplication) -> dict[str, str]:
        return masked_applicant(obj)

    @extend_schema_field(ApplicationMaterialSerializer(many=True))
    def get_materials(self, obj: BundleApplication) -> list[dict[str, Any]]:
        merged: dict[str, dict[str, Any]] = {}
        for case in obj.cases.all():
            for row in case.materials.all():
                entry = merged.setdefault(
                    row.requirement,
                    {"code": row.requirement, "name": row.name, "state": row.state, "cases": []},
                )
                entry["cases"].append(case.number)
                if _STATE_ORDER.index(MaterialState(row.state)) < _STATE_ORDER.index(
                    MaterialState(entry["state"])
                ):
                    entry["state"] = row.state
        return list(merged.values())

    def get_receipt(self, obj: BundleApplication) -> str:
        lines = [
            _("一件事一次办受理回执：%(bundle)s，申请编号 %(number)s，受理地点 %(point)s。")
            % {"bundle": obj.bundle.name, "number": obj.number, "point": obj.point.name}
        ]
        for case in obj.cases.all():
            due = case.due_date.isoformat() if case.due_date else _("受理后确定")
            lines.append(
                _("%(item)s：办件编号 %(number)s，%(status)s，承诺办结日期 %(due)s。")
                % {
                    "item": case.item.name,
                    "number": case.number,
                    "status": case.get_status_display(),
                    "due": due,
                }
            )
        lines.append(_("可凭任一办件编号和申请手机号查询进度。"))
        return "\n".join(lines)


def _application_response(request: Request, number: str, status_code: int = 200) -> Response:
    application = application_get_for(user=request.user, number=number)
    return Response(ApplicationOutputSerializer(application).data, status=status_code)


class ApplicationListCreateApi(APIView):
    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = Pagination

    @extend_schema(
        parameters=[OpenApiParameter("page", int)],
        responses={200: ApplicationOutputSerializer(many=True)},
        summary="一件事申请列表 (限本人可见范围)",
    )
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        qs = (
            applications_for(request.user)
            .select_related("bundle", "point")
            .prefetch_related("cases__item", "cases__point", "cases__handling_department", "cases__materials")
            .order_by("-created_at", "-id")
        )
        page = paginator.paginate_queryset(qs, request, self)
        return paginator.get_paginated_response(ApplicationOutputSerializer(page, many=True).data)

    @extend_schema(
        request=ApplicationCreateSerializer,
        responses={201: ApplicationOutputSerializer},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False)
        ],
        summary="一件事一次办：一次申请，联办多个事项",
    )
    def post(self, request: Request) -> Response:
        return run_idempotent(request, "applications:create", lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = ApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user: Staff = request.user  # type: ignore[assignment]
        bundle = Bundle.objects.filter(code=v["bundle"]).first()
        if bundle is None:
            raise services.Invalid(_("没有这个“一件事”。"), fields={"bundle": [_("没有这个“一件事”。")]})
        receipt = services.bundle_apply(
            actor=user, bundle=bundle, form=v.get("form"), **intake_arguments(user, v)
        )
        return _application_response(request, receipt.application.number, status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    @extend_schema(responses={200: ApplicationOutputSerializer}, summary="一件事申请详情与受理回执")
    def get(self, request: Request, number: str) -> Response:
        return _application_response(request, number)
