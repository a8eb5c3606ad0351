"""HTTP API of the post: the window makes a waybill through the carrier for an approved case, then
delivers it with method ``mail`` (the waybill's number is taken when none is given)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.cases.selectors import case_get_for
from yichuang.cases.services import case_may
from yichuang.delivery import services
from yichuang.delivery.selectors import waybill_of
from yichuang.org.models import Staff


class WaybillInputSerializer(serializers.Serializer[Any]):
    address = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="不填则用网上申请时留的地址"
    )
    recipient_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    recipient_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class TrackEventOutputSerializer(serializers.Serializer[Any]):
    at = serializers.CharField()
    description = serializers.CharField()
    place = serializers.CharField()


class WaybillOutputSerializer(serializers.Serializer[Any]):
    carrier = serializers.CharField()
    carrier_name = serializers.CharField()
    number = serializers.CharField(help_text="运单号")
    address = serializers.CharField(help_text="收件地址（已脱敏）")
    events = TrackEventOutputSerializer(many=True, help_text="寄递服务的最近物流轨迹，新的在前")
    tracked_at = serializers.CharField(allow_null=True)


class WaybillApi(APIView):
    @extend_schema(
        responses={200: WaybillOutputSerializer, 404: OpenApiResponse(description="没有运单")},
        summary="办件的邮寄运单和物流轨迹",
    )
    def get(self, request: Request, number: str) -> Response:
        case = case_get_for(user=request.user, number=number, details=False)
        found = waybill_of(case)
        if found is None:
            raise exceptions.NotFound(_("该办件没有邮寄运单。"))
        return Response(found)

    @extend_schema(
        request=WaybillInputSerializer,
        responses={
            201: WaybillOutputSerializer,
            409: OpenApiResponse(description="未准予、已下单或寄递服务未受理"),
        },
        summary="邮寄下单：经寄递服务生成运单（送达时 method=mail 可不填 tracking_number）",
    )
    def post(self, request: Request, number: str) -> Response:
        user: Staff = request.user  # type: ignore[assignment]
        case = case_get_for(user=user, number=number)
        if not case_may(user, case, "deliver"):
            raise exceptions.PermissionDenied(_("您无权为此办件邮寄下单。"))
        data = WaybillInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.waybill_create(case=case, actor=user, **data.validated_data)
        return Response(waybill_of(case, refresh=False), status=status.HTTP_201_CREATED)
