"""The hall's staff API: tickets, windows and calling, appointments at the window, figures.

Every read is limited to the caller's scope (404 outside it); calling and serving are for the
point's own window staff (403 for those who may only read, such as a supervisor); a move the
ticket's status does not allow answers 409 and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.cases.selectors import case_get_for
from yichuang.common.errors import Invalid
from yichuang.common.pagination import Pagination
from yichuang.org.models import Staff, Window
from yichuang.org.selectors import points_in_scope
from yichuang.queue import appointments as booking
from yichuang.queue import services
from yichuang.queue.figures import DEFAULT_TARGET_MINUTES, GROUPS, queue_figures
from yichuang.queue.models import (
    AppointmentChannel,
    AppointmentStatus,
    PriorityReason,
    ServiceCategory,
    TicketSource,
    TicketStatus,
)
from yichuang.queue.public_api import BookingInputSerializer, category_by_code, slot_for_booking
from yichuang.queue.selectors import (
    appointment_get_for,
    appointment_list,
    current_ticket,
    ticket_get_for,
    ticket_list,
    waiting_for_window,
    window_categories,
    window_get_for,
    windows_for,
)
from yichuang.queue.serializers import (
    AppointmentSerializer,
    BookedSerializer,
    QueueTicketSerializer,
    booked_data,
)
from yichuang.queue.workflow import ACTIONS


def _ticket_response(request: Request, ticket: Any, status_code: int = 200) -> Response:
    fresh = ticket_get_for(user=request.user, pk=ticket.pk)
    return Response(QueueTicketSerializer(fresh, context={"user": request.user}).data, status=status_code)


# —— tickets ———————————————————————————————————————————————————————————————————————————————————


class QueueClerkTicketInputSerializer(serializers.Serializer[Any]):
    point = serializers.CharField(max_length=20, help_text="服务点编码")
    category = serializers.CharField(max_length=30, help_text="业务类别编码")
    priority = serializers.ChoiceField(
        choices=[
            (r.value, r.label) for r in (PriorityReason.NONE, PriorityReason.ELDERLY, PriorityReason.DISABLED)
        ],
        required=False,
        default="",
        allow_blank=True,
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class TicketListCreateApi(APIView):
    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        point = serializers.CharField(required=False, max_length=20)
        day = serializers.DateField(required=False)
        status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)
        category = serializers.CharField(required=False, max_length=30)

    @extend_schema(
        parameters=[
            OpenApiParameter("point", str),
            OpenApiParameter("day", dt.date, description="默认今天"),
            OpenApiParameter("status", str, enum=TicketStatus.values),
            OpenApiParameter("category", str),
            OpenApiParameter("page", int),
        ],
        responses={200: QueueTicketSerializer(many=True)},
        summary="排队号列表（限本人可见范围）",
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = ticket_list(user=request.user, filters=filters.validated_data).prefetch_related("cases")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, self)
        return paginator.get_paginated_response(
            QueueTicketSerializer(page, many=True, context={"user": request.user}).data
        )

    @extend_schema(
        request=QueueClerkTicketInputSerializer,
        responses={201: QueueTicketSerializer},
        summary="工作人员代群众取号",
    )
    def post(self, request: Request) -> Response:
        data = QueueClerkTicketInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        point = points_in_scope(request.user).filter(code=v["point"]).first()
        if point is None:
            raise Invalid(
                _("没有这个服务点，或不在您的服务范围内。"), fields={"point": [_("没有这个服务点。")]}
            )
        user: Staff = request.user  # type: ignore[assignment]
        ticket = services.ticket_take(
            point=point,
            category=category_by_code(v["category"]),
            source=TicketSource.CLERK,
            priority=v["priority"],
            phone=v["phone"],
            id_number=v["id_number"],
            actor=user,
        )
        return _ticket_response(request, ticket, status.HTTP_201_CREATED)


class TicketDetailApi(APIView):
    @extend_schema(responses={200: QueueTicketSerializer}, summary="排队号详情")
    def get(self, request: Request, pk: int) -> Response:
        ticket = ticket_get_for(user=request.user, pk=pk)
        return Response(QueueTicketSerializer(ticket, context={"user": request.user}).data)


class QueueTicketActionInputSerializer(serializers.Serializer[Any]):
    window = serializers.IntegerField(required=False, help_text="转窗口：目标窗口 id")
    cases = serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        default=list,
        max_length=20,
        help_text="办结或关联办件：办件编号",
    )


class TicketActionApi(APIView):
    @extend_schema(
        request=QueueTicketActionInputSerializer,
        responses={200: QueueTicketSerializer},
        parameters=[OpenApiParameter("action", str, location=OpenApiParameter.PATH, enum=list(ACTIONS))],
        summary="排队号操作：重呼、办结、过号、转窗口、过号重排、取消、关联办件；当前状态不允许时返回409",
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in ACTIONS:
            raise exceptions.NotFound(_("没有这个操作。"))
        ticket = ticket_get_for(user=request.user, pk=pk)
        data = QueueTicketActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user: Staff = request.user  # type: ignore[assignment]
        cases = [case_get_for(user=user, number=number, details=False) for number in v["cases"]]
        if action == "recall":
            services.ticket_recall(ticket=ticket, actor=user)
        elif action == "serve":
            services.ticket_serve(ticket=ticket, actor=user, cases=cases)
        elif action == "no_show":
            services.ticket_no_show(ticket=ticket, actor=user)
        elif action == "transfer":
            if "window" not in v:
                raise exceptions.ValidationError({"window": [_("请选择要转去的窗口。")]})
            target = Window.objects.filter(pk=v["window"]).select_related("point").first()
            if target is None:
                raise Invalid(_("没有这个窗口。"), fields={"window": [_("没有这个窗口。")]})
            services.ticket_transfer(ticket=ticket, actor=user, to=target)
        elif action == "requeue":
            services.ticket_requeue(ticket=ticket, actor=user)
        elif action == "cancel":
            services.ticket_cancel(ticket=ticket, actor=user)
        elif action == "link":
            if not cases:
                raise exceptions.ValidationError({"cases": [_("请填写要关联的办件编号。")]})
            services.ticket_link_cases(ticket=ticket, actor=user, cases=cases)
        return _ticket_response(request, ticket)


# —— windows ———————————————————————————————————————————————————————————————————————————————————


class WindowOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    point = serializers.CharField(source="point.code")
    point_name = serializers.CharField(source="point.name")
    number = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="comprehensive 综合受理窗口（办理所有类别）| dedicated 专业窗口")
    active = serializers.BooleanField()
    categories = serializers.ListField(child=serializers.CharField(), help_text="本窗口对应的业务类别编码")
    current = QueueTicketSerializer(allow_null=True, help_text="正在办理的号")
    waiting = serializers.IntegerField(help_text="本窗口可叫的等候人数")


def window_data(window: Window, user: Any) -> dict[str, Any]:
    day = timezone.localdate()
    ids = window_categories(window)
    current = current_ticket(window, day)
    return {
        "id": window.pk,
        "point": window.point,
        "number": window.number,
        "name": window.name,
        "kind": window.kind,
        "active": window.active,
        "categories": list(ServiceCategory.objects.filter(pk__in=ids).values_list("code", flat=True)),
        "current": current,
        "waiting": waiting_for_window(window, day).count(),
    }


class WindowListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("point", str, description="服务点编码；默认本人所在服务点")],
        responses={200: WindowOutputSerializer(many=True)},
        summary="窗口及其当前号、等候人数",
    )
    def get(self, request: Request) -> Response:
        code = request.query_params.get("point", "")
        qs = windows_for(request.user)
        user = request.user
        if code:
            qs = qs.filter(point__code=code[:20])
        elif isinstance(user, Staff) and user.point_id:
            qs = qs.filter(point_id=user.point_id)
        windows = sorted(qs.filter(active=True)[:200], key=lambda w: (w.point.code, len(w.number), w.number))
        rows = [window_data(w, user) for w in windows]
        return Response(WindowOutputSerializer(rows, many=True, context={"user": user}).data)


class WindowDetailApi(APIView):
    @extend_schema(responses={200: WindowOutputSerializer}, summary="窗口详情：当前号、等候人数")
    def get(self, request: Request, pk: int) -> Response:
        window = window_get_for(user=request.user, pk=pk)
        data = window_data(window, request.user)
        return Response(WindowOutputSerializer(data, context={"user": request.user}).data)


class WindowCallApi(APIView):
    @extend_schema(
        request=None,
        responses={200: QueueTicketSerializer},
        summary="叫号：为本窗口叫下一位（优先号在前，再按取号先后）；当前号未办结或无人等候时返回409",
    )
    def post(self, request: Request, pk: int) -> Response:
        window = window_get_for(user=request.user, pk=pk)
        user: Staff = request.user  # type: ignore[assignment]
        ticket = services.ticket_call_next(window=window, actor=user)
        return _ticket_response(request, ticket)


# —— appointments at the window ————————————————————————————————————————————————————————————————


class AppointmentListCreateApi(APIView):
    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        point = serializers.CharField(required=False, max_length=20)
        day = serializers.DateField(required=False)
        status = serializers.ChoiceField(choices=AppointmentStatus.choices, required=False)
        category = serializers.CharField(required=False, max_length=30)

    @extend_schema(
        parameters=[
            OpenApiParameter("point", str),
            OpenApiParameter("day", dt.date, description="默认今天"),
            OpenApiParameter("status", str, enum=AppointmentStatus.values),
            OpenApiParameter("category", str),
            OpenApiParameter("page", int),
        ],
        responses={200: AppointmentSerializer(many=True)},
        summary="预约列表（限本人可见范围）",
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            appointment_list(user=request.user, filters=filters.validated_data), request, self
        )
        return paginator.get_paginated_response(AppointmentSerializer(page, many=True).data)

    @extend_schema(
        request=BookingInputSerializer,
        responses={201: BookedSerializer},
        summary="工作人员代群众预约（如电话预约）",
    )
    def post(self, request: Request) -> Response:
        data = BookingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user: Staff = request.user  # type: ignore[assignment]
        appointment, code = booking.appointment_book(
            slot=slot_for_booking(v["slot"]),
            name=v["name"],
            phone=v["phone"],
            note=v["note"],
            channel=AppointmentChannel.STAFF,
            actor=user,
        )
        return Response(booked_data(appointment, code), status=status.HTTP_201_CREATED)


class AppointmentDetailApi(APIView):
    @extend_schema(responses={200: AppointmentSerializer}, summary="预约详情")
    def get(self, request: Request, reference: str) -> Response:
        appointment = appointment_get_for(user=request.user, reference=reference)
        return Response(AppointmentSerializer(appointment).data)


APPOINTMENT_ACTIONS = ["check_in", "cancel"]


class AppointmentActionApi(APIView):
    @extend_schema(
        request=None,
        responses={200: AppointmentSerializer},
        parameters=[
            OpenApiParameter("action", str, location=OpenApiParameter.PATH, enum=APPOINTMENT_ACTIONS)
        ],
        summary="预约操作：check_in 签到（取得优先号，见 ticket）、cancel 取消；状态或时间不允许时返回409",
    )
    def post(self, request: Request, reference: str, action: str) -> Response:
        if action not in APPOINTMENT_ACTIONS:
            raise exceptions.NotFound(_("没有这个操作。"))
        appointment = appointment_get_for(user=request.user, reference=reference)
        user: Staff = request.user  # type: ignore[assignment]
        if action == "check_in":
            booking.appointment_check_in(appointment=appointment, actor=user)
        else:
            booking.appointment_cancel(appointment=appointment, actor=user)
        fresh = appointment_get_for(user=user, reference=appointment.reference)
        return Response(AppointmentSerializer(fresh).data)


# —— figures ———————————————————————————————————————————————————————————————————————————————————


class QueueFigureRowSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    name = serializers.CharField()
    taken = serializers.IntegerField(help_text="取号数")
    called = serializers.IntegerField(help_text="已叫号数")
    served = serializers.IntegerField(help_text="办结数")
    no_show = serializers.IntegerField(help_text="过号数")
    cancelled = serializers.IntegerField(help_text="取消数")
    unserved = serializers.IntegerField(help_text="当日未办理数")
    priority = serializers.IntegerField(help_text="优先号数")
    from_appointments = serializers.IntegerField(help_text="预约签到号数")
    average_wait_minutes = serializers.FloatField(allow_null=True, help_text="平均等候分钟（取号到首次叫号）")
    max_wait_minutes = serializers.FloatField(allow_null=True)
    within_target = serializers.FloatField(allow_null=True, help_text="在目标分钟内叫到的比例")
    average_service_minutes = serializers.FloatField(
        allow_null=True, help_text="平均办理分钟（在窗口的时间）"
    )
    max_service_minutes = serializers.FloatField(allow_null=True)


class AppointmentFiguresSerializer(serializers.Serializer[Any]):
    booked = serializers.IntegerField()
    checked_in = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    missed = serializers.IntegerField(help_text="爽约")
    show_rate = serializers.FloatField(allow_null=True, help_text="签到/(签到+爽约)")


class QueueReportSerializer(serializers.Serializer[Any]):
    first = serializers.DateField()
    last = serializers.DateField()
    by = serializers.CharField()
    target_minutes = serializers.IntegerField()
    rows = QueueFigureRowSerializer(many=True)
    total = QueueFigureRowSerializer()
    appointments = AppointmentFiguresSerializer()


class FiguresQuerySerializer(serializers.Serializer[Any]):
    by = serializers.ChoiceField(choices=list(GROUPS), required=False, default="point")
    point = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    target = serializers.IntegerField(
        required=False, min_value=1, max_value=240, default=DEFAULT_TARGET_MINUTES
    )

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        errors: dict[str, list[str]] = {}
        today = timezone.localdate()
        for name in ("from", "to"):
            raw = data.get(name, "")
            value[name] = None
            if raw:
                try:
                    value[name] = dt.date.fromisoformat(raw)
                except ValueError:
                    errors[name] = [_("日期格式应为 YYYY-MM-DD。")]
        if errors:
            raise serializers.ValidationError(errors)
        value["from"] = value["from"] or today
        value["to"] = value["to"] or value["from"]
        if value["to"] < value["from"]:
            raise serializers.ValidationError({"to": [_("截止日期不能早于起始日期。")]})
        if (value["to"] - value["from"]).days > 366:
            raise serializers.ValidationError({"to": [_("一次最多查询一年。")]})
        return value


class FiguresApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("by", str, enum=list(GROUPS), description="分组：服务点、窗口、业务类别、日期"),
            OpenApiParameter("from", dt.date, description="起始日期（默认今天）"),
            OpenApiParameter("to", dt.date, description="截止日期（默认同起始日期）"),
            OpenApiParameter("point", str, description="只看一个服务点"),
            OpenApiParameter("target", int, description="等候目标分钟数（默认10）"),
        ],
        responses={200: QueueReportSerializer},
        summary="排队统计：等候时间、办理时间（按服务点、窗口、业务类别、日期）",
    )
    def get(self, request: Request) -> Response:
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        report = queue_figures(
            user=request.user,
            first=v["from"],
            last=v["to"],
            by=v["by"],
            point=v["point"],
            target_minutes=v["target"],
        )
        return Response(QueueReportSerializer(asdict(report)).data)
