"""一件事 online (``POST /api/v1/citizen/bundle-applications/``): the citizen applies for a whole
bundle with one set of materials and one form; the answer lists the cases made, each his own (and
followed like any other at ``/api/v1/citizen/cases/{number}/``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from yichuang.catalog.models import Bundle
from yichuang.citizens import services
from yichuang.citizens.api import (
    IDEMPOTENCY_KEY,
    ApplicationInputSerializer,
    CitizenCaseListSerializer,
    _Citizen,
    _materials,
    case_row,
    point_named,
)
from yichuang.citizens.selectors import citizen_cases
from yichuang.common.errors import Invalid
from yichuang.common.idempotency import run_idempotent


class BundleApplicationInputSerializer(ApplicationInputSerializer):
    item = None  # type: ignore[assignment]
    situation = None  # type: ignore[assignment]  # 办理情形 are an item's; a bundle asks every material
    bundle = serializers.CharField(max_length=40, help_text="一件事编码")


class BundleApplicationOutputSerializer(serializers.Serializer[Any]):
    number = serializers.CharField(help_text="一件事申请编号")
    bundle = serializers.CharField()
    bundle_name = serializers.CharField()
    point_name = serializers.CharField()
    cases = CitizenCaseListSerializer(many=True, help_text="每个事项一个办件，均待窗口预审")


class BundleApplicationApi(_Citizen):
    @extend_schema(
        request=BundleApplicationInputSerializer,
        responses={201: BundleApplicationOutputSerializer, 403: OpenApiResponse(description="尚未实名认证")},
        parameters=[IDEMPOTENCY_KEY],
        summary="网上申请“一件事”：一套材料、一张申请表，联办多个事项",
    )
    def post(self, request: Request) -> Response:
        return run_idempotent(
            request,
            f"citizens:{self.citizen.pk}:bundle",
            lambda: self._apply(request),
            actor=services.online_account(),
        )

    def _apply(self, request: Request) -> Response:
        data = BundleApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        bundle = Bundle.objects.filter(code=v["bundle"]).first()
        if bundle is None:
            raise Invalid(_("没有这个“一件事”。"), fields={"bundle": [_("没有这个“一件事”。")]})
        point = point_named(v["point"])
        receipt = services.citizen_bundle_apply(
            citizen=self.citizen,
            bundle=bundle,
            point=point,
            materials=_materials(self.citizen, v["materials"]),
            commitments=v["commitments"],
            delivery_method=v["delivery"]["method"],
            delivery_address=v["delivery"]["address"],
            form=v.get("form"),
        )
        cases = citizen_cases(self.citizen).filter(application=receipt.application).order_by("id")
        answer = {
            "number": receipt.application.number,
            "bundle": bundle.code,
            "bundle_name": bundle.name,
            "point_name": point.name,
            "cases": [case_row(case) for case in cases],
        }
        return Response(answer, status=status.HTTP_201_CREATED)
