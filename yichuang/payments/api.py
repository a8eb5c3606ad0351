"""HTTP API of fees: the platform's signed callback, the citizen paying his own case's order, the
window recording a fee paid at the counter."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.cases.selectors import case_get_for
from yichuang.cases.services import case_may
from yichuang.citizens.api import _Citizen
from yichuang.citizens.selectors import citizen_case_get
from yichuang.common.errors import Conflict
from yichuang.org.models import Staff
from yichuang.payments import services
from yichuang.payments.gateway import DemoPaymentService, payment_service
from yichuang.payments.models import OrderStatus, PaymentOrder
from yichuang.payments.selectors import order_of, order_output

#: The demo cashier's address carries a signed token, not the order's number.
PAY_SALT = "yichuang.payments.demo"


class PaymentOrderSerializer(serializers.Serializer[Any]):
    number = serializers.CharField(help_text="缴费单号")
    title = serializers.CharField()
    standard = serializers.CharField(help_text="收费标准")
    basis = serializers.CharField(help_text="收费依据")
    amount = serializers.CharField(help_text="金额（元，两位小数）")
    amount_fen = serializers.IntegerField(help_text="金额（分）")
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    status_display = serializers.CharField()
    provider = serializers.CharField(help_text="支付渠道：demo、window 等")
    paid_at = serializers.CharField(allow_null=True)
    refund_reason = serializers.CharField()
    refunded_at = serializers.CharField(allow_null=True)
    pay_url = serializers.CharField(allow_null=True, help_text="待缴费时：统一公共支付的收银台地址")


def pay_url(order: PaymentOrder) -> str | None:
    if order.status != OrderStatus.UNPAID:
        return None
    service = payment_service()
    if isinstance(service, DemoPaymentService):
        return reverse("web:pay-demo", kwargs={"token": signing.dumps(order.number, salt=PAY_SALT)})
    return service.pay_url(order)


class PaymentNotifyApi(APIView):
    """The payment platform's callback (统一公共支付 → 一窗), verified by its signature."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        request={"application/json": {"type": "object"}},
        parameters=[OpenApiParameter("X-Signature", str, location=OpenApiParameter.HEADER, required=True)],
        responses={
            200: OpenApiResponse(description='{"code": "SUCCESS"}'),
            422: OpenApiResponse(description="签名不符或与缴费单不符"),
        },
        auth=[],
        summary="支付平台缴费结果通知（验签）",
    )
    def post(self, request: Request) -> Response:
        body = request.body
        services.payment_notified(body=body, signature=request.headers.get("X-Signature", ""))
        return Response({"code": "SUCCESS"})


class WindowPaymentInputSerializer(serializers.Serializer[Any]):
    receipt = serializers.CharField(max_length=64, help_text="现场缴费的票据号或POS流水号")


class CasePaymentApi(APIView):
    @extend_schema(
        responses={200: PaymentOrderSerializer, 404: OpenApiResponse(description="没有缴费单")},
        summary="办件的缴费单",
    )
    def get(self, request: Request, number: str) -> Response:
        case = case_get_for(user=request.user, number=number)
        order = order_of(case)
        if order is None:
            raise exceptions.NotFound(_("该办件没有缴费单。"))
        return Response(order_output(order, pay_url=pay_url(order)))

    @extend_schema(
        request=WindowPaymentInputSerializer,
        responses={200: PaymentOrderSerializer, 409: OpenApiResponse(description="没有待缴的缴费单")},
        summary="现场缴费：窗口登记已收取的费用",
    )
    def post(self, request: Request, number: str) -> Response:
        user: Staff = request.user  # type: ignore[assignment]
        case = case_get_for(user=user, number=number)
        if not case_may(user, case, "deliver") and not case_may(user, case, "accept"):
            raise exceptions.PermissionDenied(_("您无权为此办件登记缴费。"))
        data = WindowPaymentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.payment_at_window(case=case, actor=user, receipt=data.validated_data["receipt"])
        return Response(order_output(order))


class CitizenPaymentApi(_Citizen):
    @extend_schema(
        responses={200: PaymentOrderSerializer, 404: OpenApiResponse(description="没有缴费单")},
        summary="本人办件的缴费单",
    )
    def get(self, request: Request, number: str) -> Response:
        return Response(self._output(number, starting=False))

    @extend_schema(
        request=None,
        responses={200: PaymentOrderSerializer, 409: OpenApiResponse(description="已缴费、退费或撤销")},
        summary="网上缴费：取得统一公共支付的收银台地址（pay_url）",
    )
    def post(self, request: Request, number: str) -> Response:
        return Response(self._output(number, starting=True))

    def _output(self, number: str, *, starting: bool) -> dict[str, Any]:
        case = citizen_case_get(citizen=self.citizen, number=number)
        order = order_of(case)
        if order is None:
            raise exceptions.NotFound(_("该办件没有缴费单。"))
        if starting and order.status != OrderStatus.UNPAID:
            raise Conflict(
                _("该缴费单当前为“%(status)s”。") % {"status": order.get_status_display()}, code="not_unpaid"
            )
        return order_output(order, pay_url=pay_url(order))
