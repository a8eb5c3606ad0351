"""HTTP API of the organization: token login, who am I, service points."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, logout
from django.contrib.auth.signals import user_logged_out
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.audit.models import SecurityKind
from yichuang.audit.services import security_record
from yichuang.common.auth import DEMO_REFUSED
from yichuang.common.loginpace import login_gate, login_succeeded, slowed_message
from yichuang.org.checks import demo_username_refused
from yichuang.org.models import PointKind, Region, ServicePoint, Staff
from yichuang.org.selectors import scope_of
from yichuang.org.tokens import token_issue, token_revoke, tokens_revoke_all


class LockedOut(exceptions.APIException):
    status_code = 403
    default_detail = _("登录失败次数过多，账号已被暂时锁定，请稍后再试。")
    default_code = "locked_out"


class LoginSlowed(exceptions.Throttled):
    """429 ``throttled`` with ``Retry-After``: too many failures for this username from anywhere
    (``common.loginpace``); the password was not checked."""

    def __init__(self, wait: int) -> None:
        super().__init__(wait=wait, detail=slowed_message(wait))


class DemoAccountRefused(exceptions.APIException):
    status_code = 403
    default_detail = DEMO_REFUSED
    default_code = "demo_account"


class TokenObtainApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []

    class TokenRequestSerializer(serializers.Serializer[Any]):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(
            max_length=128, trim_whitespace=False, style={"input_type": "password"}
        )

    class TokenSerializer(serializers.Serializer[Any]):
        token = serializers.CharField(
            help_text=_("以 Authorization: Bearer <token> 使用；只在此答复中出现一次")
        )
        expires_at = serializers.DateTimeField(help_text=_("令牌失效时间"))

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            429: OpenApiResponse(
                description=_(
                    "throttled：该用户名近期多次登录失败（来自任何地址），按 Retry-After 秒后再试；"
                    "在本人近期成功登录过的地址不受此限制。"
                )
            ),
        },
        auth=[],
        summary=_("登录取得令牌"),
        description=_(
            "每次登录（每台设备、每个对接系统）得到一个自己的令牌，有效期默认12小时；退出登录（auth/logout）"
            "注销该令牌，修改密码注销该用户的全部令牌。数据库只保存令牌的摘要。"
        ),
    )
    def post(self, request: Request) -> Response:
        data = self.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if demo_username_refused(data.validated_data["username"]):
            raise DemoAccountRefused()
        wait = login_gate(request, data.validated_data["username"])
        if wait:
            raise LoginSlowed(wait)
        user = authenticate(
            request=request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if getattr(request._request, "axes_locked_out", False):
            raise LockedOut()
        if user is None or not user.is_active:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("用户名或密码错误。")]}, code="invalid_credentials"
            )
        row, token = token_issue(user=user)
        # A sign-in for the record (the address it came from is then one of his usual ones) that
        # forgets the username's failures; not user_logged_in, which would start a web session.
        security_record(SecurityKind.LOGIN, actor=user, request=request._request, note="api")
        login_succeeded(user.get_username())
        return Response({"token": token, "expires_at": row.expiry})


class LogoutApi(APIView):
    """Sign out: the token this request carries stops working (with ``all``: every token of the user);
    a session (the browsable API) ends."""

    permission_classes = [IsAuthenticated]

    class LogoutSerializer(serializers.Serializer[Any]):
        all = serializers.BooleanField(
            required=False, default=False, help_text=_("为真时注销本人的全部令牌（所有设备）")
        )

    @extend_schema(
        request=LogoutSerializer,
        responses={204: None},
        summary=_("退出登录（注销令牌）"),
    )
    def post(self, request: Request) -> Response:
        from knox.models import AuthToken

        data = self.LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        if data.validated_data["all"]:
            tokens_revoke_all(user=user)
        if isinstance(request.auth, AuthToken):
            token_revoke(token=request.auth)
            user_logged_out.send(sender=type(user), request=request._request, user=user)
        else:
            logout(request._request)
        return Response(status=204)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    class MeSerializer(serializers.Serializer[Any]):
        username = serializers.CharField()
        name = serializers.CharField()
        role = serializers.CharField()
        role_display = serializers.CharField()
        point = serializers.CharField(allow_null=True, help_text=_("所在服务点编码"))
        point_name = serializers.CharField(allow_null=True)
        region = serializers.CharField(allow_null=True, help_text=_("可见范围的区划代码 (管理员为空: 全部)"))
        region_name = serializers.CharField(allow_null=True)
        department = serializers.CharField(allow_null=True)

    @extend_schema(responses={200: MeSerializer}, summary=_("当前用户"))
    def get(self, request: Request) -> Response:
        user: Staff = request.user  # type: ignore[assignment]
        scope = scope_of(user)
        region: Region | None = scope.region or (user.point.region if user.point else None)
        return Response(
            {
                "username": user.username,
                "name": user.get_full_name(),
                "role": user.role,
                "role_display": user.get_role_display(),
                "point": user.point.code if user.point else None,
                "point_name": user.point.name if user.point else None,
                "region": region.code if region else None,
                "region_name": region.name if region else None,
                "department": user.department.code if user.department else None,
            }
        )


class PointOutputSerializer(serializers.ModelSerializer[ServicePoint]):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    kind_display = serializers.CharField(source="get_kind_display")
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)  # type: ignore[assignment]

    class Meta:
        model = ServicePoint
        fields = [
            "code",
            "name",
            "kind",
            "kind_display",
            "region",
            "region_name",
            "parent",
            "address",
            "hours",
            "phone",
            "open_all_year",
        ]


class PointListApi(ListAPIView[ServicePoint]):
    """Service points; public information (people need to know where to go)."""

    permission_classes = [AllowAny]
    serializer_class = PointOutputSerializer

    class FilterSerializer(serializers.Serializer[Any]):
        kind = serializers.ChoiceField(choices=PointKind.choices, required=False)
        region = serializers.RegexField(
            r"^\d{12}$", required=False, error_messages={"invalid": _("区划代码应为12位数字。")}
        )
        item = serializers.CharField(required=False, max_length=40)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=[c for c, _ in PointKind.choices]),
            OpenApiParameter("region", str, description=_("区划代码：列出该区划及其下级的服务点")),
            OpenApiParameter("item", str, description=_("事项实施编码：列出认领该事项的服务点")),
        ],
        summary=_("服务点列表"),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[ServicePoint]:
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        qs = ServicePoint.objects.filter(active=True).select_related("region", "parent").order_by("code")
        params = filters.validated_data
        if "kind" in params:
            qs = qs.filter(kind=params["kind"])
        if "region" in params:
            region = Region.objects.filter(code=params["region"]).first()
            if region is None:
                raise exceptions.ValidationError({"region": [_("没有这个区划。")]})
            qs = qs.filter(region__code__startswith=region.prefix)
        if "item" in params:
            qs = qs.filter(offers__item__code=params["item"], offers__active=True)
        return qs
