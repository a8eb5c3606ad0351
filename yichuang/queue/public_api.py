"""The hall's public API (no login): the kiosk, the display board, free slots and citizens' bookings.

Every endpoint here is throttled per client address (``DEFAULT_THROTTLE_RATES``: ``queue_board``
for the screens that poll, ``queue_kiosk`` for taking numbers and checking in, ``queue_booking``
for booking, looking up and cancelling). Phone numbers go in POST bodies, never in URLs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.common.errors import Invalid
from yichuang.common.throttles import ScopedRateThrottle
from yichuang.queue import appointments as booking
from yichuang.queue import services
from yichuang.queue.models import (
    Appointment,
    AppointmentChannel,
    AppointmentSchedule,
    AppointmentSlot,
    PriorityReason,
    ServiceCategory,
    TicketSource,
)
from yichuang.queue.selectors import (
    appointment_find,
    board,
    categories_offered,
    queue_point,
    slots_open,
    waiting_counts,
)
from yichuang.queue.serializers import (
    AppointmentSerializer,
    BookedSerializer,
    QueueKioskTicketSerializer,
    SlotSerializer,
    booked_data,
)


class PublicApi(APIView):
    permission_classes: list[Any] = []
    authentication_classes: list[Any] = []
    throttle_scope = "queue_board"
    throttle_classes = [ScopedRateThrottle]


# —— the kiosk ——————————————————————————————————————————————————————————————————————————————————


class QueueCategorySerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    letter = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    waiting = serializers.IntegerField(help_text="正在等候的人数")


class PointQueueOutputSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    hours = serializers.CharField()
    address = serializers.CharField()
    categories = QueueCategorySerializer(many=True)
    appointments = serializers.BooleanField(help_text="是否开放预约")


def category_rows(point: Any) -> list[dict[str, Any]]:
    counts = waiting_counts(point, timezone.localdate())
    return [
        {
            "code": c.code,
            "letter": c.letter,
            "name": c.name,
            "description": c.description,
            "waiting": counts.get(c.pk, 0),
        }
        for c in categories_offered(point)
    ]


class PointQueueApi(PublicApi):
    @extend_schema(
        responses={200: PointQueueOutputSerializer},
        auth=[],
        summary="取号机：服务点可取号的业务类别与等候人数（自助终端编码对应其所在大厅）",
    )
    def get(self, request: Request, code: str) -> Response:
        point = queue_point(code)
        data = {
            "code": point.code,
            "name": point.name,
            "kind": point.kind,
            "hours": point.hours,
            "address": point.address,
            "categories": category_rows(point),
            "appointments": AppointmentSchedule.objects.filter(point=point, active=True).exists(),
        }
        return Response(PointQueueOutputSerializer(data).data)


class KioskTicketInputSerializer(serializers.Serializer[Any]):
    category = serializers.CharField(max_length=30, help_text="业务类别编码")
    priority = serializers.ChoiceField(
        choices=[
            (r.value, r.label) for r in (PriorityReason.NONE, PriorityReason.ELDERLY, PriorityReason.DISABLED)
        ],
        required=False,
        default="",
        allow_blank=True,
        help_text="优先：elderly 老年人（60周岁以上）、disabled 残疾人",
    )
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text="选填，叫号时短信提醒"
    )
    id_number = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="选填：刷身份证核验年龄，60周岁以上自动优先；不保存",
    )


def category_by_code(code: str, field: str = "category") -> ServiceCategory:
    category = ServiceCategory.objects.filter(code=code).first()
    if category is None:
        raise Invalid(_("没有这个业务类别。"), fields={field: [_("没有这个业务类别。")]})
    return category


class KioskTicketApi(PublicApi):
    throttle_scope = "queue_kiosk"

    @extend_schema(
        request=KioskTicketInputSerializer,
        responses={201: QueueKioskTicketSerializer},
        auth=[],
        summary="取号机取号（无需登录）",
    )
    def post(self, request: Request, code: str) -> Response:
        point = queue_point(code)
        data = KioskTicketInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        ticket = services.ticket_take(
            point=point,
            category=category_by_code(v["category"]),
            source=TicketSource.KIOSK,
            priority=v["priority"],
            phone=v["phone"],
            id_number=v["id_number"],
        )
        return Response(QueueKioskTicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


# —— the display board ——————————————————————————————————————————————————————————————————————————


class BoardCallSerializer(serializers.Serializer[Any]):
    event = serializers.IntegerField(help_text="叫号记录编号；当前号为0")
    number = serializers.CharField()
    window = serializers.CharField(help_text="窗口号")
    window_name = serializers.CharField()
    category = serializers.CharField()
    at = serializers.DateTimeField()
    text = serializers.CharField(help_text="语音播报文字，如：请A023号到3号窗口办理")


class BoardQueueSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    letter = serializers.CharField()
    name = serializers.CharField()
    waiting = serializers.IntegerField()


class BoardOutputSerializer(serializers.Serializer[Any]):
    point = serializers.CharField(source="point.code")
    point_name = serializers.CharField(source="point.name")
    now = serializers.DateTimeField()
    current = BoardCallSerializer(many=True, help_text="各窗口正在办理的号")
    recent = BoardCallSerializer(many=True, help_text="最近叫过的号，新的在前")
    queues = BoardQueueSerializer(many=True, help_text="各类业务等候人数")
    announcements = BoardCallSerializer(
        many=True, help_text="after 之后的新叫号（含重呼），旧的在前，供语音依次播报"
    )
    last_event = serializers.IntegerField(help_text="下次轮询时作为 after 传回")


class BoardApi(PublicApi):
    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="上次收到的 last_event；不传则不返回待播报的叫号")
        ],
        responses={200: BoardOutputSerializer},
        auth=[],
        summary="叫号大屏数据（公开，建议每1–2秒轮询）",
    )
    def get(self, request: Request, code: str) -> Response:
        point = queue_point(code)
        raw = request.query_params.get("after", "")
        after = None
        if raw:
            try:
                after = max(int(raw), 0)
            except ValueError:
                raise Invalid(_("after 应为整数。"), fields={"after": [_("应为整数。")]}) from None
        return Response(BoardOutputSerializer(board(point=point, after=after)).data)


# —— slots and bookings ————————————————————————————————————————————————————————————————————————


class SlotQuerySerializer(serializers.Serializer[Any]):
    category = serializers.CharField(required=False, allow_blank=True, max_length=30, default="")
    date = serializers.DateField(required=False, help_text="只看某一天")


class SlotListApi(PublicApi):
    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, description="业务类别编码"),
            OpenApiParameter("date", dt.date, description="只看某一天（YYYY-MM-DD）"),
        ],
        responses={200: SlotSerializer(many=True)},
        auth=[],
        summary="可预约时段（今天起7天内；节假日不开放，延时服务和周末时段按服务点排班）",
    )
    def get(self, request: Request, code: str) -> Response:
        point = queue_point(code)
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        category = category_by_code(v["category"]) if v["category"] else None
        today = timezone.localdate()
        last = today + dt.timedelta(days=booking.BOOKING_DAYS - 1)
        first = today
        if v.get("date"):
            if not today <= v["date"] <= last:
                raise Invalid(
                    _("只能查询今天起%(days)d天内的时段。") % {"days": booking.BOOKING_DAYS},
                    fields={"date": [_("超出可预约范围。")]},
                )
            first = last = v["date"]
        booking.slots_sync(point=point)
        slots = slots_open(point=point, category=category, first=first, last=last)
        return Response(SlotSerializer(slots, many=True).data)


class BookingInputSerializer(serializers.Serializer[Any]):
    slot = serializers.IntegerField(help_text="时段 id（见可预约时段）")
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, help_text="接收预约短信的手机号")
    note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="拟办事项"
    )


def slot_for_booking(slot_id: int) -> AppointmentSlot:
    slot = AppointmentSlot.objects.select_related("category", "point").filter(pk=slot_id).first()
    if slot is None:
        raise Invalid(_("没有这个预约时段。"), fields={"slot": [_("没有这个预约时段。")]})
    return slot


class BookingCreateApi(PublicApi):
    throttle_scope = "queue_booking"

    @extend_schema(
        request=BookingInputSerializer,
        responses={201: BookedSerializer},
        auth=[],
        summary="网上预约（短信发送预约号和取消码；时段约满返回409）",
    )
    def post(self, request: Request) -> Response:
        data = BookingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        appointment, code = booking.appointment_book(
            slot=slot_for_booking(v["slot"]),
            name=v["name"],
            phone=v["phone"],
            note=v["note"],
            channel=AppointmentChannel.API,
        )
        return Response(booked_data(appointment, code), status=status.HTTP_201_CREATED)


class BookingPhoneInputSerializer(serializers.Serializer[Any]):
    phone = serializers.CharField(max_length=20, help_text="预约时留的手机号")


class BookingCancelInputSerializer(serializers.Serializer[Any]):
    cancel_code = serializers.CharField(max_length=12, help_text="短信中的取消码")


class BookingLookupApi(PublicApi):
    throttle_scope = "queue_booking"

    @extend_schema(
        request=BookingPhoneInputSerializer,
        responses={200: AppointmentSerializer},
        auth=[],
        summary="查询本人预约（预约号+手机号）",
        operation_id="v1_queue_bookings_lookup",
    )
    def post(self, request: Request, reference: str) -> Response:
        data = BookingPhoneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = appointment_find(reference=reference, phone=data.validated_data["phone"])
        return Response(AppointmentSerializer(appointment).data)


class BookingCancelApi(PublicApi):
    throttle_scope = "queue_booking"

    @extend_schema(
        request=BookingCancelInputSerializer,
        responses={200: AppointmentSerializer},
        auth=[],
        summary="取消预约（预约号+取消码；时段开始后不能取消，返回409）",
    )
    def post(self, request: Request, reference: str) -> Response:
        data = BookingCancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = Appointment.objects.filter(reference=reference.strip().upper()[:12]).first()
        if appointment is None:
            raise NotFound(_("没有这个预约，或取消码不正确。"))
        cancelled = booking.appointment_cancel(
            appointment=appointment, cancel_code=data.validated_data["cancel_code"]
        )
        return Response(AppointmentSerializer(cancelled).data)


class BookingCheckInApi(PublicApi):
    throttle_scope = "queue_kiosk"

    @extend_schema(
        request=BookingPhoneInputSerializer,
        responses={201: QueueKioskTicketSerializer},
        auth=[],
        summary="取号机预约签到（预约号+手机号），取得优先号",
    )
    def post(self, request: Request, reference: str) -> Response:
        data = BookingPhoneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = appointment_find(reference=reference, phone=data.validated_data["phone"])
        ticket = booking.appointment_check_in(appointment=appointment)
        return Response(QueueKioskTicketSerializer(ticket).data, status=status.HTTP_201_CREATED)
