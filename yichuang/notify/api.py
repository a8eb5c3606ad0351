"""HTTP API of the outbox: platform administrators audit what was sent to applicants."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.common.pagination import Pagination
from yichuang.notify.models import SmsMessage, SmsStatus, StaffNotice
from yichuang.notify.selectors import can_read_outbox, sms_list


class IsPlatformAdmin(BasePermission):
    message = _("只有平台管理员可以查看短信发件箱。")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can_read_outbox(request.user)  # type: ignore[arg-type]


class NotificationOutputSerializer(serializers.ModelSerializer[SmsMessage]):
    to = serializers.CharField(source="masked_to", help_text=_("手机号（已脱敏）"))
    case = serializers.CharField(source="case_number", help_text=_("办件编号，可为空"))

    class Meta:
        model = SmsMessage
        fields = [
            "to",
            "template",
            "body",
            "status",
            "created_at",
            "sent_at",
            "case",
            "receipt",
            "receipt_at",
        ]
        extra_kwargs = {
            "receipt": {"help_text": _("送达回执：delivered 已送达、undelivered 未送达，空为尚无回执")},
            "receipt_at": {"help_text": _("运营商报告送达（或未送达）的时间")},
        }


class NotificationListApi(ListAPIView[SmsMessage]):
    """The SMS outbox, newest first. Phone numbers are masked: auditing needs no full number."""

    permission_classes = [IsAuthenticated, IsPlatformAdmin]
    serializer_class = NotificationOutputSerializer

    class FilterSerializer(serializers.Serializer[Any]):
        case = serializers.RegexField(
            r"^[0-9A-Za-z_-]{1,40}$",
            required=False,
            error_messages={"invalid": _("办件编号只能包含字母、数字、- 和 _，最长40位。")},
        )
        status = serializers.ChoiceField(
            choices=SmsStatus.choices,
            required=False,
            error_messages={"invalid_choice": _("状态应为 queued、sent 或 failed。")},
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("case", str, description=_("办件编号：只列出该办件的短信")),
            OpenApiParameter(
                "status", str, enum=[c for c, _label in SmsStatus.choices], description=_("发送状态")
            ),
        ],
        summary=_("短信发件箱"),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[SmsMessage]:
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        return sms_list(case_number=params.get("case"), status=params.get("status"))


class NoticeOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("deadline_soon 到期预警 / case_overdue 超期督办"))
    case = serializers.CharField(source="case_number")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NoticeListApi(APIView):
    """The caller's own reminders, unread first."""

    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = Pagination

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool), OpenApiParameter("page", int)],
        responses={200: NoticeOutputSerializer(many=True)},
        summary=_("我的工作提醒（到期预警、超期督办）"),
    )
    def get(self, request: Request) -> Response:
        qs = StaffNotice.objects.filter(recipient_id=request.user.pk)
        if request.query_params.get("unread") in ("true", "1"):
            qs = qs.filter(read_at__isnull=True)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            qs.order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id"), request, self
        )
        return paginator.get_paginated_response(NoticeOutputSerializer(page, many=True).data)


class NoticeReadApi(APIView):
    @extend_schema(request=None, responses={200: NoticeOutputSerializer}, summary=_("标记提醒为已读"))
    def post(self, request: Request, pk: int) -> Response:
        notice = StaffNotice.objects.filter(recipient_id=request.user.pk, pk=pk).first()
        if notice is None:
            raise NotFound()
        if notice.read_at is None:
            notice.read_at = timezone.now()
            notice.save(update_fields=["read_at"])
        return Response(NoticeOutputSerializer(notice).data)
