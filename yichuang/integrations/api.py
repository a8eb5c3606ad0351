"""HTTP API for other systems (``/api/v1/system/…``), with OAuth2 client-credentials tokens from
``POST /o/token/`` only: a staff or citizen token opens nothing here, a system token nothing else.
Each endpoint names the scope it needs; a case outside the system's region answers 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import AccessToken
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.cases.models import Case
from yichuang.common.pagination import Pagination
from yichuang.integrations.models import EventStatus, EventType, OutboundEvent, SystemClient
from yichuang.integrations.services import event_redeliver, subscription_create


class SystemScope(BasePermission):
    """The token is a live system token holding the scope the view names for the method."""

    message = "令牌没有访问此接口所需的授权范围（scope）。"

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, AccessToken) or token.application is None:
            return False
        needed = view.required_scopes.get(request.method, ())
        return bool(needed) and token.is_valid(list(needed)) and _client(request) is not None


def _client(request: Request) -> SystemClient | None:
    token = request.auth
    application = getattr(token, "application", None)
    return getattr(application, "system", None) if application is not None else None


class SystemApi(APIView):
    authentication_classes = [OAuth2Authentication]
    permission_classes = [SystemScope]
    required_scopes: dict[str, tuple[str, ...]] = {}

    def client(self, request: Request) -> SystemClient:
        client = _client(request)
        assert client is not None  # SystemScope let it through
        return client


class SystemCaseSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    item = serializers.DictField(child=serializers.CharField())
    status = serializers.CharField()
    channel = serializers.CharField()
    point = serializers.CharField()
    region = serializers.CharField()
    handling_unit = serializers.CharField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


class SystemCaseApi(SystemApi):
    required_scopes = {"GET": ("cases:read",)}

    @extend_schema(
        responses={200: SystemCaseSerializer},
        summary="对接系统：读取办件（不含申请人个人信息；限本系统区划）",
        tags=["system"],
    )
    def get(self, request: Request, number: str) -> Response:
        client = self.client(request)
        case = (
            Case.objects.select_related("item", "point", "region", "handling_department")
            .filter(number=number)
            .first()
        )
        if case is None or (
            client.region is not None and not case.region.code.startswith(client.region.prefix)
        ):
            raise NotFound()
        unit = case.handling_department.name if case.handling_department else case.point.name
        return Response(
            SystemCaseSerializer(
                {
                    "number": case.number,
                    "item": {"code": case.item.code, "name": case.item.name},
                    "status": case.status,
                    "channel": case.channel,
                    "point": case.point.code,
                    "region": case.region.code,
                    "handling_unit": unit,
                    "accepted_at": case.accepted_at,
                    "due_date": case.due_date,
                    "decided_at": case.decided_at,
                    "delivered_at": case.delivered_at,
                }
            ).data
        )


class OutboundEventSerializer(serializers.Serializer[Any]):
    """An outbound event as its system sees it. A plain serializer, not a ModelSerializer: the schema
    holds an instance of it (``many=True``), and a ModelSerializer instance decides its fields' labels
    once, in whatever language is active then — the OpenAPI file came out different after a test that
    left English active."""

    id = serializers.UUIDField(source="uid", read_only=True)
    type = serializers.ChoiceField(choices=EventType.choices)
    case_number = serializers.CharField()
    url = serializers.CharField(source="subscription.url")
    status = serializers.ChoiceField(choices=EventStatus.choices)
    attempts = serializers.IntegerField()
    last_status = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    next_attempt_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    payload = serializers.JSONField()


class EventListApi(SystemApi):
    required_scopes = {"GET": ("events:read",)}
    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=EventStatus.values, description="dead：死信"),
            OpenApiParameter("case", str),
            OpenApiParameter("page", int),
        ],
        responses={200: OutboundEventSerializer(many=True)},
        summary="对接系统：本系统的外发事件（含死信）",
        tags=["system"],
    )
    def get(self, request: Request) -> Response:
        events = OutboundEvent.objects.filter(subscription__client=self.client(request)).select_related(
            "subscription"
        )
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in EventStatus.values:
                raise serializers.ValidationError(
                    {"status": [f"状态只能是 {', '.join(EventStatus.values)}。"]}
                )
            events = events.filter(status=wanted)
        if request.query_params.get("case"):
            events = events.filter(case_number=request.query_params["case"])
        paginator = Pagination()
        page = paginator.paginate_queryset(events.order_by("-created_at"), request, view=self)
        return paginator.get_paginated_response(OutboundEventSerializer(page, many=True).data)


class EventRedeliverApi(SystemApi):
    required_scopes = {"POST": ("events:write",)}

    @extend_schema(
        request=None,
        responses={200: OutboundEventSerializer},
        summary="对接系统：重发一条事件",
        tags=["system"],
    )
    def post(self, request: Request, pk: str) -> Response:
        event = OutboundEvent.objects.filter(uid=pk, subscription__client=self.client(request)).first()
        if event is None:
            raise NotFound()
        return Response(OutboundEventSerializer(event_redeliver(event=event)).data)


class SubscriptionInputSerializer(serializers.Serializer[Any]):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), required=False, default=list
    )

    def validate_url(self, value: str) -> str:
        from django.conf import settings

        if settings.YICHUANG_ENV == "production" and not value.startswith("https://"):
            raise serializers.ValidationError("生产环境的接收地址必须是 https。")
        return value


class SubscriptionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class SubscriptionListApi(SystemApi):
    required_scopes = {"GET": ("events:subscribe",), "POST": ("events:subscribe",)}

    @extend_schema(
        responses={200: SubscriptionSerializer(many=True)},
        summary="对接系统：本系统的事件订阅",
        tags=["system"],
    )
    def get(self, request: Request) -> Response:
        rows = self.client(request).subscriptions.order_by("pk")
        return Response(SubscriptionSerializer(rows, many=True).data)

    @extend_schema(
        request=SubscriptionInputSerializer,
        responses={
            201: inline_serializer(
                "SubscriptionCreated",
                {
                    "id": serializers.IntegerField(),
                    "url": serializers.CharField(),
                    "events": serializers.ListField(child=serializers.CharField()),
                    "secret": serializers.CharField(help_text="签名密钥，只显示这一次"),
                },
            )
        },
        summary="对接系统：订阅办件事件（返回签名密钥，仅此一次）",
        tags=["system"],
    )
    def post(self, request: Request) -> Response:
        data = SubscriptionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription, secret = subscription_create(
            client=self.client(request), url=data.validated_data["url"], events=data.validated_data["events"]
        )
        return Response(
            {"id": subscription.pk, "url": subscription.url, "events": subscription.events, "secret": secret},
            status=201,
        )
