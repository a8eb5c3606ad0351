"""HTTP API of the outbox: platform administrators audit what was sent to applicants."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.notify.models import SmsMessage, SmsStatus
from yichuang.notify.selectors import can_read_outbox, sms_list


class IsPlatformAdmin(BasePermission):
    message = _("只有平台管理员可以查看短信发件箱。")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can_read_outbox(request.user)  # type: ignore[arg-type]


class NotificationOutputSerializer(serializers.ModelSerializer):
    to = serializers.CharField(source="masked_to", help_text=_("手机号（已脱敏）"))
    case = serializers.CharField(source="case_number", help_text=_("办件编号，可为空"))

    class Meta:
        model = SmsMessage
        fields = ["to", "template", "body", "status", "created_at", "sent_at", "case"]


class NotificationListApi(ListAPIView):
    """The SMS outbox, newest first. Phone numbers are masked: auditing needs no full number."""

    permission_classes = [IsAuthenticated, IsPlatformAdmin]
    serializer_class = NotificationOutputSerializer

    class FilterSerializer(serializers.Serializer):
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
