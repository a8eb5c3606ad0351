"""Output serializers shared by the staff and the public API of the hall. Phone numbers are masked."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from yichuang.common.identity import mask_name, mask_phone
from yichuang.queue.models import Appointment, QueueTicket
from yichuang.queue.selectors import ahead_of, may_operate
from yichuang.queue.workflow import actions_from


class QueueKioskTicketSerializer(serializers.Serializer[Any]):
    """What the kiosk prints: no personal data."""

    number = serializers.CharField(help_text="号码，如 A023")
    point = serializers.CharField(source="point.code")
    point_name = serializers.CharField(source="point.name")
    day = serializers.DateField()
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    priority = serializers.BooleanField()
    priority_reason = serializers.CharField(help_text="elderly|disabled|appointment 或空")
    status = serializers.CharField()
    taken_at = serializers.DateTimeField()
    ahead = serializers.SerializerMethodField(help_text="同类业务前面等候的人数（估计）")

    def get_ahead(self, obj: QueueTicket) -> int:
        return ahead_of(obj)


class QueueTicketSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    point = serializers.CharField(source="point.code")
    point_name = serializers.CharField(source="point.name")
    day = serializers.DateField()
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    source = serializers.CharField(help_text="kiosk|clerk|appointment")  # type: ignore[assignment]
    priority = serializers.BooleanField()
    priority_reason = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    window = serializers.CharField(source="window.number", allow_null=True, default=None)
    window_id = serializers.IntegerField(allow_null=True)
    transfer_to = serializers.CharField(
        source="transfer_to.number", allow_null=True, default=None, help_text="转至的窗口号"
    )
    phone = serializers.SerializerMethodField(help_text="已脱敏")
    taken_at = serializers.DateTimeField()
    first_called_at = serializers.DateTimeField(allow_null=True)
    called_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    recalls = serializers.IntegerField()
    wait_seconds = serializers.IntegerField(allow_null=True)
    service_seconds = serializers.IntegerField(allow_null=True)
    cases = serializers.SerializerMethodField(help_text="本号产生的办件编号")
    allowed_actions = serializers.SerializerMethodField()

    def get_phone(self, obj: QueueTicket) -> str:
        return mask_phone(obj.phone)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_cases(self, obj: QueueTicket) -> list[str]:
        return [case.number for case in obj.cases.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj: QueueTicket) -> list[str]:
        user = self.context.get("user")
        if user is None or not may_operate(user, obj.point_id):
            return []
        return actions_from(obj.status)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        "example": "08:30",
        "description": "HH:MM",
    }
)
class HourMinuteField(serializers.TimeField):
    """A time of day as the hall says it, ``08:30``: OpenAPI's ``format: time`` is RFC 3339's
    ``08:30:00`` with an offset, which this is not, so the schema states the pattern instead."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class AppointmentSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(help_text="预约号")
    point = serializers.CharField(source="point.code")
    point_name = serializers.CharField(source="point.name")
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    day = serializers.DateField()
    start = HourMinuteField()
    end = HourMinuteField()
    name = serializers.SerializerMethodField(help_text="已脱敏")
    phone = serializers.SerializerMethodField(help_text="已脱敏")
    note = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    channel = serializers.CharField()
    booked_at = serializers.DateTimeField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    ticket = serializers.CharField(
        source="ticket.number", allow_null=True, default=None, help_text="签到所取号码"
    )

    def get_name(self, obj: Appointment) -> str:
        return mask_name(obj.name)

    def get_phone(self, obj: Appointment) -> str:
        return mask_phone(obj.phone)


class BookedSerializer(AppointmentSerializer):
    cancel_code = serializers.CharField(help_text="取消码：只在预约成功时返回一次，并以短信发送")


class SlotSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    day = serializers.DateField()
    start = HourMinuteField()
    end = HourMinuteField()
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    capacity = serializers.IntegerField()
    left = serializers.IntegerField(help_text="剩余可约人数")
    extended = serializers.BooleanField(help_text="延时服务时段（午间、晚间、周末）")


def booked_data(appointment: Appointment, code: str) -> dict[str, Any]:
    data = dict(AppointmentSerializer(appointment).data)
    data["cancel_code"] = code
    return data
