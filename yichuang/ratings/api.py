"""HTTP API of 好差评: the citizen rates (public, by number and phone); staff follow bad ratings."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.cases.selectors import case_track
from yichuang.common.pagination import Pagination
from yichuang.common.throttles import ScopedRateThrottle
from yichuang.org.models import Staff
from yichuang.ratings import services
from yichuang.ratings.models import (
    Appeal,
    Rating,
    RatingChannel,
    Rectification,
    RectificationSource,
    RectificationStatus,
)
from yichuang.ratings.selectors import (
    appeals_for,
    get_for,
    ratings_for,
    rectifications_for,
    satisfaction_figures,
)

RECTIFICATION_RELATIONS = ("rating__case", "ticket__case", "owner", "owner_department", "owner_point")
PUBLIC_CHANNELS = [c for c in RatingChannel.choices if c[0] != RatingChannel.HOTLINE]


class RateInputSerializer(serializers.Serializer[Any]):
    phone = serializers.CharField(max_length=20, help_text="申请时留的手机号")
    score = serializers.IntegerField(min_value=1, max_value=5, help_text="5 非常满意 … 1 非常不满意")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    channel = serializers.ChoiceField(choices=PUBLIC_CHANNELS, default=RatingChannel.WEB)
    dimensions = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        required=False,
        default=dict,
        help_text="分项评价：网上 efficiency/guide_accuracy/convenience/operability；现场 efficiency/competence/attitude",
    )


class RatingOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    channel = serializers.CharField()
    score = serializers.IntegerField()
    level = serializers.CharField(source="get_score_display")
    dimensions = serializers.DictField(child=serializers.IntegerField())
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()
    excluded = serializers.BooleanField()


class PublicRatingOutputSerializer(serializers.Serializer[Any]):
    case = serializers.CharField(source="case.number")
    channel = serializers.CharField()
    score = serializers.IntegerField()
    level = serializers.CharField(source="get_score_display")
    created_at = serializers.DateTimeField()


class RateApi(APIView):
    """好差评 by the applicant: a POST with the phone, like progress tracking; throttled alike."""

    permission_classes: list[Any] = []
    authentication_classes: list[Any] = []
    throttle_scope = "track"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        request=RateInputSerializer,
        responses={201: PublicRatingOutputSerializer},
        auth=[],
        summary="好差评：办结后评价 (每个渠道一次)",
    )
    def post(self, request: Request, number: str) -> Response:
        data = RateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = case_track(number=number, phone=v["phone"])
        rating = services.rating_submit(
            case=case,
            channel=v["channel"],
            score=v["score"],
            dimensions=v["dimensions"],
            comment=v["comment"],
        )
        return Response(PublicRatingOutputSerializer(rating).data, status=status.HTTP_201_CREATED)


class RectificationOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    source = serializers.CharField(help_text="rating 差评 | ticket 12345回访不满意")  # type: ignore[assignment]
    case = serializers.SerializerMethodField(help_text="办件编号（差评的办件，或工单涉及的办件）")
    ticket = serializers.CharField(source="ticket.number", allow_null=True, default=None)
    score = serializers.IntegerField(source="rating.score", allow_null=True, default=None)
    comment = serializers.SerializerMethodField(help_text="差评内容，或工单标题")
    unit = serializers.SerializerMethodField(help_text="整改责任单位")
    owner = serializers.CharField(source="owner.username")
    owner_name = serializers.SerializerMethodField()
    status = serializers.CharField()
    due_date = serializers.DateField()
    callback_at = serializers.DateTimeField(allow_null=True)
    callback_note = serializers.CharField()
    rater_satisfied = serializers.BooleanField(allow_null=True)
    outcome = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_owner_name(self, obj: Rectification) -> str:
        return obj.owner.get_full_name() or obj.owner.username

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_case(self, obj: Rectification) -> str | None:
        if obj.rating is not None:
            return obj.rating.case.number
        if obj.ticket is not None and obj.ticket.case is not None:
            return obj.ticket.case.number
        return None

    def get_comment(self, obj: Rectification) -> str:
        if obj.rating is not None:
            return obj.rating.comment
        return obj.ticket.title if obj.ticket is not None else ""

    def get_unit(self, obj: Rectification) -> str:
        unit = obj.owner_department or obj.owner_point
        return unit.name if unit is not None else ""


class RatingListApi(APIView):
    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        score_max = serializers.IntegerField(required=False, min_value=1, max_value=5)
        point = serializers.CharField(required=False, max_length=20)

    @extend_schema(
        parameters=[
            OpenApiParameter("score_max", int, description="只看此分数及以下"),
            OpenApiParameter("point", str),
            OpenApiParameter("page", int),
        ],
        responses={200: RatingOutputSerializer(many=True)},
        summary="评价列表 (限本人可见范围)",
    )
    def get(self, request: Request) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = ratings_for(request.user).select_related("case")
        if "score_max" in f.validated_data:
            qs = qs.filter(score__lte=f.validated_data["score_max"])
        if f.validated_data.get("point"):
            qs = qs.filter(point__code=f.validated_data["point"])
        paginator = Pagination()
        page = paginator.paginate_queryset(qs.order_by("-created_at", "-id"), request, self)
        return paginator.get_paginated_response(RatingOutputSerializer(page, many=True).data)


class SatisfactionFiguresSerializer(serializers.Serializer[Any]):
    ratings = serializers.IntegerField()
    by_score = serializers.DictField(child=serializers.IntegerField())
    average = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True, help_text="满意率（基本满意及以上）")
    bad = serializers.IntegerField()
    rectified = serializers.IntegerField()
    rectification_rate = serializers.FloatField(allow_null=True, help_text="差评整改率")


class RatingFiguresApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("point", str)],
        responses={200: SatisfactionFiguresSerializer},
        summary="满意率与差评整改率 (限本人可见范围)",
    )
    def get(self, request: Request) -> Response:
        qs = ratings_for(request.user)
        point = request.query_params.get("point", "")[:20]
        if point:
            qs = qs.filter(point__code=point)
        return Response(SatisfactionFiguresSerializer(asdict(satisfaction_figures(qs))).data)


class AppealInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class AppealOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    rating = serializers.IntegerField(source="rating_id")
    case = serializers.CharField(source="rating.case.number")
    reason = serializers.CharField()
    status = serializers.CharField()
    decision_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class RatingAppealApi(APIView):
    @extend_schema(
        request=AppealInputSerializer, responses={201: AppealOutputSerializer}, summary="对差评提出申诉复核"
    )
    def post(self, request: Request, pk: int) -> Response:
        rating: Rating = get_for(ratings_for(request.user).select_related("case"), pk)
        data = AppealInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user: Staff = request.user  # type: ignore[assignment]
        appeal = services.appeal_raise(rating=rating, actor=user, reason=data.validated_data["reason"])
        return Response(AppealOutputSerializer(appeal).data, status=status.HTTP_201_CREATED)


class DecisionInputSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=2000)


class AppealActionApi(APIView):
    @extend_schema(
        request=DecisionInputSerializer,
        responses={200: AppealOutputSerializer},
        parameters=[
            OpenApiParameter("action", str, location=OpenApiParameter.PATH, enum=["uphold", "reject"])
        ],
        summary="复核申诉：uphold 认定恶意差评不计入，reject 维持",
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in ("uphold", "reject"):
            raise exceptions.NotFound(_("没有这个操作。"))
        appeal: Appeal = get_for(appeals_for(request.user).select_related("rating__case"), pk)
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user: Staff = request.user  # type: ignore[assignment]
        decided = services.appeal_decide(
            appeal=appeal, actor=user, upheld=action == "uphold", note=data.validated_data["note"]
        )
        return Response(AppealOutputSerializer(decided).data)


class RectificationListApi(APIView):
    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=RectificationStatus.values),
            OpenApiParameter("source", str, enum=RectificationSource.values, description="rating | ticket"),
            OpenApiParameter("page", int),
        ],
        responses={200: RectificationOutputSerializer(many=True)},
        summary="整改：差评与12345回访不满意 (本人负责、本单位或可见范围)",
    )
    def get(self, request: Request) -> Response:
        qs = rectifications_for(request.user).select_related(*RECTIFICATION_RELATIONS)
        source = request.query_params.get("source", "")
        if source:
            if source not in RectificationSource.values:
                raise exceptions.ValidationError({"source": [_("来源应为 rating 或 ticket。")]})
            qs = qs.filter(rating__isnull=source == RectificationSource.TICKET)
        wanted = request.query_params.get("status", "")
        if wanted:
            if wanted not in RectificationStatus.values:
                raise exceptions.ValidationError({"status": [_("状态不正确。")]})
            qs = qs.filter(status=wanted)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs.order_by("due_date", "id"), request, self)
        return paginator.get_paginated_response(RectificationOutputSerializer(page, many=True).data)


class RectificationActionInputSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    satisfied = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="回访时评价人是否满意"
    )
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RectificationActionApi(APIView):
    @extend_schema(
        request=RectificationActionInputSerializer,
        responses={200: RectificationOutputSerializer},
        parameters=[
            OpenApiParameter("action", str, location=OpenApiParameter.PATH, enum=["callback", "close"])
        ],
        summary="差评整改：callback 回访 (note, satisfied)，close 办结 (outcome)",
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in ("callback", "close"):
            raise exceptions.NotFound(_("没有这个操作。"))
        rectification: Rectification = get_for(rectifications_for(request.user), pk)
        data = RectificationActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user: Staff = request.user  # type: ignore[assignment]
        if action == "callback":
            done = services.rectification_callback(
                rectification=rectification, actor=user, note=v["note"], satisfied=v["satisfied"]
            )
        else:
            done = services.rectification_close(rectification=rectification, actor=user, outcome=v["outcome"])
        fresh = Rectification.objects.select_related(*RECTIFICATION_RELATIONS).get(pk=done.pk)
        return Response(RectificationOutputSerializer(fresh).data)
